// The smallest reusable processes: the plumbing of the classic CSP networks (commstime and
// its relatives). Each is a plain function template, spawned like any process body:
//
//   net.spawn("prefix", csp::networks::prefix<long>, 0L, c.reader(), a.writer());
//
// Termination rule for all of them: they end at end-of-stream on their input, retiring their
// outputs (so end-of-stream flows downstream); if a downstream reader has retired, the
// csp::retired that send throws ends them too, and their input end retires on the way out.
// Poison is not caught: the process ends with it, and its ends retire as they are destroyed
// (spawn it as `csp::process(...).propagate_poison()` to pass poison on instead).
//
// The rest of the library (networks/networks.hpp includes it all; docs/networks.md is the
// reference): fan.hpp (merge, deal), arith.hpp (pairs, plus), sources.hpp (generator,
// ticker), sinks.hpp (black_hole, collector), stages.hpp (map, reduce), pipeline.hpp, farm.hpp.
#pragma once

#include <concepts>
#include <utility>
#include <vector>

#include <csp/ends.hpp>

namespace csp::networks {

///   in --> [identity] --> out
/// Copies every value from `in` to `out`, in order.
/// Example: `net.spawn("copy", csp::networks::identity<int>, a.reader(), b.writer());`
template <message T>
void identity(reader<T> in, writer<T> out) {
  for (T& v : in) out.send(std::move(v));
  out.retire();
}

///   in --> [prefix(first)] --> out
/// Sends `first`, then behaves as identity: x0, x1, ... becomes first, x0, x1, ...
/// Example: `net.spawn("prefix", csp::networks::prefix<long>, 0L, c.reader(), a.writer());`
template <message T>
void prefix(T first, reader<T> in, writer<T> out) {
  out.send(std::move(first));
  identity(std::move(in), std::move(out));
}

///   in --> [tail] --> out
/// Drops the first value, then behaves as identity: x0, x1, x2, ... becomes x1, x2, ...
/// End-of-stream before any value ends it at once (csp::retired from its first recv).
/// Example: `net.spawn("tail", csp::networks::tail<int>, a.reader(), b.writer());`
template <message T>
void tail(reader<T> in, writer<T> out) {
  (void)in.recv();
  identity(std::move(in), std::move(out));
}

///   in --> [successor] --> out
/// Sends v + 1 for every v received.
/// Example: `net.spawn("successor", csp::networks::successor<long>, b.reader(), c.writer());`
template <message T>
  requires requires(T v) { { v + 1 } -> std::convertible_to<T>; }
void successor(reader<T> in, writer<T> out) {
  for (T& v : in) out.send(v + 1);
  out.retire();
}

///          +--> outs[0]
///   in --> [delta] --> outs[1]
///          +--> ...
/// Broadcast: sends a copy of every value to each output in turn (sequentially: outs[0]
/// first, so every output has taken value k before any is offered value k + 1). A retired
/// reader on any output ends it.
/// Example: `net.spawn("delta", csp::networks::delta<long>, a.reader(), std::vector{b.writer(), d.writer()});`
template <message T>
  requires std::copy_constructible<T>
void delta(reader<T> in, std::vector<writer<T>> outs) {
  for (T& v : in) {
    for (writer<T>& out : outs) out.send(v);
  }
  for (writer<T>& out : outs) out.retire();
}

}  // namespace csp::networks
