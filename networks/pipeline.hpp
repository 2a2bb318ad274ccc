// pipeline: a chain of stages, built into a network between two given ends.
//
//   in --> [p[0]] --p[0]->p[1]--> [p[1]] --p[1]->p[2]--> [p[2]] --> out
//
//   csp::networks::pipeline(net, "p", numbers.reader(), results.writer(),
//                           csp::networks::successor<int>,     // a process body
//                           csp::networks::map(square{}),      // a stage
//                           [](const int& v) { return v / 2; });  // an element function
//
// The stages are spawned as processes named after the pipeline (p[0], p[1], ...), joined by
// channels it makes and names (p[0]->p[1], ...), rendezvous unless the options say otherwise.
// What each link carries is worked out from left to right: a stage is
//   - a map_stage, reduce_stage or batch_stage (stages.hpp): it writes what its function gives;
//   - an element function of the value before it (`Out f(const In&) const`): it becomes a
//     map_stage, and writes Out;
//   - a process body taking (csp::reader<A>, csp::writer<B>) by value (a function, a function
//     template instance such as successor<int>, a lambda with those parameter types): it
//     writes B.
// Fusion: a run of two or more adjacent map stages, or of one or more followed by a reduce
// stage, is spawned with its first process as a fused_head (fused_reduce_head) that also holds a
// writer of the channel after the run (stages.hpp). On a GPU (the cuda backend) that process
// computes the whole run in one kernel and the run's other processes see end-of-stream at once;
// everywhere else it gives that writer up at once and is the first map stage. The processes and
// channels are named as in an unfused chain; the channel after the run is made before the
// links inside it, so it comes earlier in net.channels() (and in the picture and stats).
// Termination: the pipeline has no rule of its own; end-of-stream, csp::retired and poison
// travel through it as each stage's rule says (every component of this library passes
// end-of-stream on and ends when its reader retires).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <csp/channel.hpp>
#include <csp/ends.hpp>
#include <csp/network.hpp>
#include <networks/stages.hpp>

namespace csp::networks {

/// How pipeline() joins its stages. Example: `pipeline(net, "p", {.link = csp::buffered(64)}, in, out, a, b)`.
struct pipeline_options {
  flavor link = rendezvous();  ///< the flavor of every channel between two stages
};

namespace detail {

/// B for a signature that takes (reader<A>, writer<B>); void for anything else.
template <class Signature>
struct written_type {
  using type = void;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>)> {
  using type = B;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>) const> {
  using type = B;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>) noexcept> {
  using type = B;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>) const noexcept> {
  using type = B;
};
template <class F>
struct written_type<F*> : written_type<F> {};
template <class F, class C>
struct written_type<F C::*> : written_type<F> {};

/// Out for a batch stage's host function taking (std::span<const In>, std::span<Out>); void
/// for anything else.
template <class Signature>
struct span_output {
  using type = void;
};
template <class R, class A, class B>
struct span_output<R(std::span<A>, std::span<B>)> {
  using type = B;
};
template <class R, class C, class A, class B>
struct span_output<R (C::*)(std::span<A>, std::span<B>) const> {
  using type = B;
};
template <class R, class C, class A, class B>
struct span_output<R (C::*)(std::span<A>, std::span<B>) const noexcept> {
  using type = B;
};
template <class F>
struct span_output<F*> : span_output<F> {};
template <class H>
struct batch_output : span_output<H> {};
template <class H>
  requires requires { &H::operator(); }
struct batch_output<H> : span_output<decltype(&H::operator())> {};

/// What a process-body stage S writes (see the top of this file).
template <class S>
struct body_output : written_type<S> {};
template <class S>
  requires requires { &S::operator(); }
struct body_output<S> : written_type<decltype(&S::operator())> {};

template <class S, class In>
struct stage_output {
  using type = typename body_output<S>::type;
  static_assert(!std::is_void_v<type>,
                "csp::networks::pipeline: cannot tell what this stage writes; give a map_stage, a "
                "reduce_stage, an element function of the value before it, or a process body "
                "taking (csp::reader<A>, csp::writer<B>) by value");
};
template <class F, class In>
struct stage_output<map_stage<F>, In> {
  static_assert(element_function<F, In>,
                "csp::networks::pipeline: a map_stage's function is not an element_function of "
                "the value before it");
  using type = element_result_t<F, In>;
};
template <class F, class T, class In>
struct stage_output<reduce_stage<F, T>, In> {
  using type = T;
};
template <class F, class T, class In>
struct stage_output<fused_reduce_tail<F, T>, In> {
  using type = T;
};
template <class H, class D, class In>
struct stage_output<batch_stage<H, D>, In> {
  using type = typename batch_output<H>::type;
  static_assert(!std::is_void_v<type>,
                "csp::networks::pipeline: cannot tell what this batch stage writes; give its host "
                "function as a function, or a functor with one call operator, taking "
                "(std::span<const In>, std::span<Out>)");
};

/// The process body for stage `s` reading In: an element function becomes a map_stage.
template <class In, class S>
auto as_body(S&& s) {
  if constexpr (element_function<std::decay_t<S>, In>) {
    return map_stage<std::decay_t<S>>(std::forward<S>(s));
  } else {
    return std::decay_t<S>(std::forward<S>(s));
  }
}

inline std::string stage_name(const std::string& pipeline, std::size_t i) {
  return pipeline + "[" + std::to_string(i) + "]";
}

template <class B>
struct is_map_stage : std::false_type {};
template <class F>
struct is_map_stage<map_stage<F>> : std::true_type {};

/// Whether stage S, reading In, is a map stage (a map_stage or an element function of In).
template <class In, class S, class B = decltype(as_body<In>(std::declval<S>()))>
concept map_for = is_map_stage<B>::value && element_function<typename B::function_type, In>;

/// How many stages at the front of S... are map stages, each reading what the one before
/// writes (the first reading In).
template <class In, class... S>
struct leading_maps : std::integral_constant<std::size_t, 0> {};
template <class In, class S, class... Rest>
  requires map_for<In, S>
struct leading_maps<In, S, Rest...>
    : std::integral_constant<std::size_t, 1 + leading_maps<typename stage_output<decltype(as_body<In>(std::declval<S>())), In>::type,
                                                           Rest...>::value> {};

/// The element function of a map stage given to pipeline.
template <class S>
decltype(auto) function_of(const S& s) {
  if constexpr (requires { s.function(); }) {
    return s.function();
  } else {
    return s;
  }
}

/// The first K stages' functions as one: then{f0, then{f1, ... f(K-1)}}.
template <std::size_t K, class S, class... Rest>
auto run_function(const S& s, const Rest&... rest) {
  using F = std::decay_t<decltype(function_of(s))>;
  if constexpr (K == 1) {
    return F(function_of(s));
  } else {
    auto tail = run_function<K - 1>(rest...);
    return then<F, decltype(tail)>{F(function_of(s)), std::move(tail)};
  }
}

/// The elements Offset .. Offset + N - 1 of a tuple of references.
template <std::size_t Offset, class Tuple, std::size_t... I>
auto pick(Tuple& t, std::index_sequence<I...>) {
  return std::forward_as_tuple(std::get<Offset + I>(std::move(t))...);
}

template <bool Fuse, message In, message Out, class S, class... Rest>
void chain(network& net, const std::string& name, const pipeline_options& options, std::size_t i,
           reader<In> in, writer<Out> out, S&& stage, Rest&&... rest);

/// Spawns a run of Run >= 2 adjacent map stages at the front of `stages` (and the stages after
/// it): the run's first stage is a fused_head (stages.hpp) with a second writer on the channel
/// after the run, so that on a GPU the whole run is one kernel. Names and links are those of
/// an unfused chain (the channel after the run made first).
template <std::size_t Run, message In, message Out, class... S>
void fuse(network& net, const std::string& name, const pipeline_options& options, std::size_t i,
          reader<In> in, writer<Out> out, S&&... stages) {
  auto run = run_function<Run>(stages...);
  auto all = std::forward_as_tuple(std::forward<S>(stages)...);
  auto head = as_body<In>(std::get<0>(std::move(all)));
  using link_t = typename stage_output<decltype(head), In>::type;
  auto spawn_run = [&](auto last) {
    auto link = net.channel<link_t>(stage_name(name, i) + "->" + stage_name(name, i + 1), options.link);
    auto second = last;  // a writer of its own for the head
    net.spawn(stage_name(name, i), fused_head(std::move(head), std::move(run)), std::move(in), link.writer(),
              std::move(second));
    std::apply(
        [&](auto&&... inner) {
          chain<false>(net, name, options, i + 1, link.reader(), std::move(last), std::forward<decltype(inner)>(inner)...);
        },
        pick<1>(all, std::make_index_sequence<Run - 1>{}));
  };
  if constexpr (Run == sizeof...(S)) {
    spawn_run(std::move(out));
  } else {
    using last_t = element_result_t<decltype(run), In>;
    auto after = net.channel<last_t>(stage_name(name, i + Run - 1) + "->" + stage_name(name, i + Run), options.link);
    spawn_run(after.writer());
    std::apply(
        [&](auto&&... later) {
          chain<true>(net, name, options, i + Run, after.reader(), std::move(out), std::forward<decltype(later)>(later)...);
        },
        pick<Run>(all, std::make_index_sequence<sizeof...(S) - Run>{}));
  }
}

template <class B>
struct is_reduce_stage : std::false_type {};
template <class F, class T>
struct is_reduce_stage<reduce_stage<F, T>> : std::true_type {};

/// Whether stage K of S... exists and is a reduce_stage.
template <std::size_t K, class... S>
constexpr bool reduce_at() {
  if constexpr (K < sizeof...(S)) {
    return is_reduce_stage<std::decay_t<std::tuple_element_t<K, std::tuple<S...>>>>::value;
  } else {
    return false;
  }
}

/// Spawns a run of Maps >= 1 adjacent map stages followed by a reduce stage (and the stages
/// after it): the run's first stage is a fused_reduce_head with a second writer on the reduce
/// stage's output, and the reduce stage a fused_reduce_tail sharing its `fused` flag, so that
/// on a GPU the maps and the reduction are one kernel. Names and links are those of an unfused
/// chain.
template <std::size_t Maps, message In, message Out, class... S>
void fuse_reduce(network& net, const std::string& name, const pipeline_options& options, std::size_t i,
                 reader<In> in, writer<Out> out, S&&... stages) {
  auto run = run_function<Maps>(stages...);
  auto all = std::forward_as_tuple(std::forward<S>(stages)...);
  auto head = as_body<In>(std::get<0>(std::move(all)));
  using reduce_t = std::decay_t<std::tuple_element_t<Maps, std::tuple<S...>>>;
  using T = typename reduce_t::value_type;
  reduce_t reduce = std::get<Maps>(all);
  auto fused = std::make_shared<std::atomic<bool>>(false);
  using link_t = typename stage_output<decltype(head), In>::type;
  auto spawn_run = [&](auto last) {
    auto link = net.channel<link_t>(stage_name(name, i) + "->" + stage_name(name, i + 1), options.link);
    writer<T> second = last;  // a writer of its own for the head
    net.spawn(stage_name(name, i), fused_reduce_head(std::move(head), std::move(run), reduce, fused), std::move(in),
              link.writer(), std::move(second));
    std::apply(
        [&](auto&&... inner) {
          chain<false>(net, name, options, i + 1, link.reader(), std::move(last), std::forward<decltype(inner)>(inner)...,
                       fused_reduce_tail(reduce, fused));
        },
        pick<1>(all, std::make_index_sequence<Maps - 1>{}));
  };
  if constexpr (Maps + 1 == sizeof...(S)) {
    spawn_run(std::move(out));
  } else {
    auto after = net.channel<T>(stage_name(name, i + Maps) + "->" + stage_name(name, i + Maps + 1), options.link);
    spawn_run(after.writer());
    std::apply(
        [&](auto&&... later) {
          chain<true>(net, name, options, i + Maps + 1, after.reader(), std::move(out),
                      std::forward<decltype(later)>(later)...);
        },
        pick<Maps + 1>(all, std::make_index_sequence<sizeof...(S) - Maps - 1>{}));
  }
}

template <bool Fuse, message In, message Out, class S, class... Rest>
void chain(network& net, const std::string& name, const pipeline_options& options, std::size_t i,
           reader<In> in, writer<Out> out, S&& stage, Rest&&... rest) {
  constexpr std::size_t run = Fuse ? leading_maps<In, S, Rest...>::value : 0;
  if constexpr (run >= 1 && reduce_at<run, S, Rest...>()) {
    fuse_reduce<run>(net, name, options, i, std::move(in), std::move(out), std::forward<S>(stage),
                     std::forward<Rest>(rest)...);
  } else if constexpr (run >= 2) {
    fuse<run>(net, name, options, i, std::move(in), std::move(out), std::forward<S>(stage), std::forward<Rest>(rest)...);
  } else {
    auto body = as_body<In>(std::forward<S>(stage));
    if constexpr (sizeof...(Rest) == 0) {
      net.spawn(stage_name(name, i), std::move(body), std::move(in), std::move(out));
    } else {
      using link_t = typename stage_output<decltype(body), In>::type;
      auto link = net.channel<link_t>(stage_name(name, i) + "->" + stage_name(name, i + 1), options.link);
      net.spawn(stage_name(name, i), std::move(body), std::move(in), link.writer());
      chain<Fuse>(net, name, options, i + 1, link.reader(), std::move(out), std::forward<Rest>(rest)...);
    }
  }
}

}  // namespace detail

///   in --> [name[0]] --> [name[1]] --> ... --> [name[k-1]] --> out
/// Spawns `stages` into `net` as a chain from `in` to `out` (see the top of this file).
/// Example: `pipeline(net, "p", in.reader(), out.writer(), successor<int>, map(square{}));`
template <message In, message Out, class... Stages>
  requires(sizeof...(Stages) > 0)
void pipeline(network& net, const std::string& name, pipeline_options options, reader<In> in,
              writer<Out> out, Stages&&... stages) {
  detail::chain<true>(net, name, options, 0, std::move(in), std::move(out), std::forward<Stages>(stages)...);
}

/// The same, with rendezvous links.
/// Example: `pipeline(net, "p", in.reader(), out.writer(), successor<int>, map(square{}));`
template <message In, message Out, class... Stages>
  requires(sizeof...(Stages) > 0)
void pipeline(network& net, const std::string& name, reader<In> in, writer<Out> out, Stages&&... stages) {
  pipeline(net, name, pipeline_options{}, std::move(in), std::move(out), std::forward<Stages>(stages)...);
}

}  // namespace csp::networks
