// farm: n workers computing one function over a stream, built into a network between two
// given ends. Ordered (results leave in input order) or unordered (as they complete).
//
//   ordered:                                           unordered:
//                    +--> [f.worker[0]] --+
//   in --> [f.farmer] --f.jobs--> ...  --f.results--> [f.harvester] --> out
//                    +--> [f.worker[n-1]] +            in --> [f.worker[i]] --> out
//
//   csp::networks::farm(net, "f", 4, heavy{}, in.reader(), out.writer());     // ordered
//   csp::networks::farm(net, "f", 4, csp::networks::map(heavy{}, {.batch = 16}),
//                       in.reader(), out.writer(), csp::networks::farm_order::unordered);
//
// The work is an element function or a map_stage (stages.hpp): each worker is that map stage,
// spawned with net.spawn_n. Unordered, the workers share `in` and `out` directly (both
// channels are any-to-any): a free worker takes the next value, and each result leaves as soon
// as it is computed. Ordered, the farmer tags each value with its sequence number and hands it
// to a free worker over f.jobs; the workers send tagged results over f.results; the harvester
// sends them on in sequence order, holding back those that overtake an earlier one (it holds
// as many as have overtaken the oldest one still being computed).
//
// Termination rule: end-of-stream on `in` ends the farmer (ordered) or each worker, every
// value taken is still computed and delivered, then `out` retires after the last result. A
// retired reader on `out` ends the harvester or the workers, and that retire travels back
// until `in` retires. Poison is not caught: a process of the farm that meets it ends and its
// ends retire, so poison on `in` drains the farm (every value taken is delivered, then `out`
// sees end-of-stream) and poison on `out` retires `in`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/codec.hpp>
#include <csp/ends.hpp>
#include <csp/errors.hpp>
#include <csp/network.hpp>
#include <networks/stages.hpp>

namespace csp::networks {

/// Whether a farm's results leave in input order. Example: `farm(..., farm_order::unordered)`.
enum class farm_order { ordered, unordered };

/// A value with its place in the input: what an ordered farm's channels carry.
/// Example: `csp::networks::sequenced<int>{.seq = 3, .value = 42}` is the fourth value, 42.
template <message T>
struct sequenced {
  std::uint64_t seq;
  T value;
};

}  // namespace csp::networks

/// A sequenced value crosses address spaces (the mpi backend) as its number, then its value:
/// whenever T can. (A trivially copyable sequenced<T> goes as its bytes, codec.hpp rule 4.)
template <class T>
  requires csp::has_codec<T> && (!csp::detail::raw<csp::networks::sequenced<T>>)
struct csp::codec<csp::networks::sequenced<T>> {
  static constexpr std::size_t min_size = codec<std::uint64_t>::min_size + codec<T>::min_size;
  static void encode(const csp::networks::sequenced<T>& v, std::vector<std::byte>& out) {
    codec<std::uint64_t>::encode(v.seq, out);
    codec<T>::encode(v.value, out);
  }
  static csp::networks::sequenced<T> decode(std::span<const std::byte>& in) {
    const std::uint64_t seq = codec<std::uint64_t>::decode(in);
    return {seq, codec<T>::decode(in)};
  }
};

namespace csp::networks {

namespace detail {

/// The work of a farm as a map_stage: a map_stage as given, an element function wrapped.
template <class F>
map_stage<F> as_map_stage(map_stage<F> stage) {
  return stage;
}
template <class F>
map_stage<F> as_map_stage(F f) {
  return map_stage<F>(std::move(f));
}

/// f lifted to sequenced values, keeping the tag: still a pure element function.
template <class F>
struct on_sequenced {
  F f;
  template <class In>
    requires element_function<F, In>
  sequenced<element_result_t<F, In>> operator()(const sequenced<In>& job) const {
    return {job.seq, f(job.value)};
  }
};

template <message In>
void farmer(reader<In> in, writer<sequenced<In>> jobs) {
  std::uint64_t seq = 0;
  for (In& v : in) jobs.send(sequenced<In>{seq++, std::move(v)});
  jobs.retire();
}

/// Sends results in sequence order. pending[k] is the result numbered next + k, if it came.
template <message Result, message Out>
void harvester(reader<sequenced<Result>> results, writer<Out> out) {
  std::uint64_t next = 0;
  std::deque<std::optional<Result>> pending;
  for (sequenced<Result>& r : results) {
    const std::size_t k = static_cast<std::size_t>(r.seq - next);
    if (k >= pending.size()) pending.resize(k + 1);
    pending[k].emplace(std::move(r.value));
    while (!pending.empty() && pending.front()) {
      out.send(std::move(*pending.front()));
      pending.pop_front();
      ++next;
    }
  }
  out.retire();
}

}  // namespace detail

///   in --> [name.farmer] --> n x [name.worker[i]] --> [name.harvester] --> out   (ordered)
///   in --> n x [name.worker[i]] --> out                                          (unordered)
/// Spawns a farm of `workers` copies of `work` (an element function of In, or a map_stage)
/// into `net`, reading `in` and writing f(v) for each v to `out` (see the top of this file).
/// Throws csp::network_error for workers == 0.
/// Example: `farm(net, "f", 4, heavy{}, in.reader(), out.writer(), farm_order::ordered);`
template <class Work, message In, message Out>
void farm(network& net, const std::string& name, std::size_t workers, Work work, reader<In> in,
          writer<Out> out, farm_order order = farm_order::ordered) {
  if (workers == 0) throw network_error("farm '" + name + "' needs at least one worker");
  auto stage = detail::as_map_stage(std::move(work));
  using F = std::remove_cvref_t<decltype(stage.function())>;
  static_assert(element_function<F, In>,
                "csp::networks::farm: the work must be an element_function of the input's type "
                "(`Out f(const In&) const`) or a map_stage of one");
  if constexpr (element_function<F, In>) {
    if (order == farm_order::unordered) {
      net.spawn_n(workers, name + ".worker", stage, in, out);
      return;
    }
    using result_t = element_result_t<F, In>;
    auto jobs = net.channel<sequenced<In>>(name + ".jobs");
    auto results = net.channel<sequenced<result_t>>(name + ".results");
    net.spawn(name + ".farmer", detail::farmer<In>, std::move(in), jobs.writer());
    net.spawn_n(workers, name + ".worker",
                map_stage(detail::on_sequenced<F>{stage.function()}, stage.options()), jobs.reader(),
                results.writer());
    net.spawn(name + ".harvester", detail::harvester<result_t, Out>, results.reader(), std::move(out));
  }
}

}  // namespace csp::networks
