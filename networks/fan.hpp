// Fan-in and fan-out: many channels into one, one into many.
//
//   ins[0] --+                            +--> outs[0]
//   ins[1] --+--> [merge] --> out   in --> [deal] --> outs[1]       (delta, the broadcast,
//   ...    --+                            +--> ...                   is in plumbing.hpp)
//
//   net.spawn("merge", csp::networks::merge<int>, std::vector{a.reader(), b.reader()}, out.writer());
//   net.spawn("deal", csp::networks::deal<int>, in.reader(), std::vector{x.writer(), y.writer()});
//
// Termination rules are stated on each; as in plumbing.hpp, poison is not caught: the process
// ends with it, and its ends retire as they are destroyed.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include <csp/ends.hpp>
#include <csp/errors.hpp>
#include <networks/detail/fair_inputs.hpp>
#include <networks/plumbing.hpp>

namespace csp::networks {

///   ins[0] --+
///   ins[1] --+--> [merge] --> out
///   ...    --+
/// Fan-in: sends every value from every input to `out`, choosing among the inputs with a fair
/// alt: each search starts after the input served last, so an input that stays ready is passed
/// over at most ins.size() - 1 times in a row. Values from one input keep their order.
/// Ends when every input has reached end-of-stream (each guard is disabled as its input ends,
/// by the index csp::retired carries), then retires `out`; a retired reader on `out` ends it at
/// once. With no inputs it retires `out` at once.
/// Example: `net.spawn("merge", csp::networks::merge<int>, std::vector{a.reader(), b.reader()}, out.writer());`
template <message T>
void merge(std::vector<reader<T>> ins, writer<T> out) {
  std::vector<bool> open(ins.size(), true);
  std::size_t remaining = ins.size();
  detail::fair_inputs<T> alt(ins.size());
  while (remaining > 0) {
    try {
      const std::size_t i = alt.select(ins, open);
      out.send(alt.take(i));
    } catch (const csp::retired& e) {
      if (e.guard() == csp::retired::npos) throw;  // from send: no reader left on `out`
      open[e.guard()] = false;                     // that input reached end-of-stream
      ins[e.guard()].retire();
      --remaining;
    }
  }
  out.retire();
}

///          +--> outs[0]
///   in --> [deal] --> outs[1]
///          +--> ...
/// Round-robin fan-out: value k goes to outs[k % outs.size()], so each output sees its share in
/// input order. Ends at end-of-stream on `in`, retiring every output; a retired reader on any
/// output ends it (the value it was offering is lost with it), like delta.
/// Example: `net.spawn("deal", csp::networks::deal<int>, in.reader(), std::vector{x.writer(), y.writer()});`
template <message T>
void deal(reader<T> in, std::vector<writer<T>> outs) {
  if (outs.empty()) throw network_error("deal on channel '" + in.channel_name() + "' has no outputs to deal to");
  std::size_t next = 0;
  for (T& v : in) {
    outs[next].send(std::move(v));
    next = (next + 1) % outs.size();
  }
  for (writer<T>& out : outs) out.retire();
}

}  // namespace csp::networks
