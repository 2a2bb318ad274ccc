// Arithmetic on streams, after JCSP's plug-and-play set (successor, the +1 of commstime, is in
// plumbing.hpp).
//
//   a --+
//       +--> [plus] --> out          in --> [pairs] --> out
//   b --+
//
//   net.spawn("plus", csp::networks::plus<int>, a.reader(), b.reader(), out.writer());
//   net.spawn("pairs", csp::networks::pairs<int>, in.reader(), out.writer());
//
// As in plumbing.hpp: a retired reader downstream ends them (csp::retired from send), and
// poison is not caught: the process ends with it, and its ends retire as they are destroyed.
#pragma once

#include <concepts>
#include <optional>
#include <utility>

#include <csp/alt.hpp>
#include <csp/ends.hpp>

namespace csp::networks {

/// A value type with a `+` that gives a T back: what plus and pairs add.
/// Example: `static_assert(csp::networks::addable<double>);`
template <class T>
concept addable = message<T> && std::copy_constructible<T> && requires(const T& a, const T& b) {
  { a + b } -> std::convertible_to<T>;
};

///   a --+
///       +--> [plus] --> out
///   b --+
/// Element by element: sends a0 + b0, a1 + b1, ... It takes one value from each input per
/// round, in whichever order they come (an alt), so it imposes no order on its producers.
/// Ends at end-of-stream on either input (a value already taken from the other input for that
/// round is dropped); its ends retire as it ends, so `out` sees end-of-stream.
/// Example: `net.spawn("plus", csp::networks::plus<int>, a.reader(), b.reader(), out.writer());`
template <addable T>
void plus(reader<T> a, reader<T> b, writer<T> out) {
  csp::alt alt;
  for (;;) {
    std::optional<T> x, y;
    while (!x || !y) {  // csp::retired at end-of-stream on either input ends plus
      alt.fair_select(csp::input(a, [&x](T v) { x.emplace(std::move(v)); }).when(!x),
                      csp::input(b, [&y](T v) { y.emplace(std::move(v)); }).when(!y));
    }
    out.send(*x + *y);
  }
}

///   in --> [pairs] --> out
/// Sums of consecutive pairs, as JCSP's and PyCSP's `pairs` network (delta into plus and
/// tail): x0, x1, x2, ... becomes x0 + x1, x1 + x2, ...; n values give n - 1 sums. Ends at
/// end-of-stream on `in`, retiring `out`.
/// Example: `net.spawn("pairs", csp::networks::pairs<long>, in.reader(), out.writer());`
template <addable T>
void pairs(reader<T> in, writer<T> out) {
  std::optional<T> previous;
  for (T& v : in) {
    if (previous) out.send(*previous + v);
    previous = std::move(v);
  }
  out.retire();
}

}  // namespace csp::networks
