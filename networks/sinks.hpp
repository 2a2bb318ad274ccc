// Sinks: processes that only read.
//
//   in --> [black_hole]        in --> [collector]
//
//   net.spawn("drop", csp::networks::black_hole<int>, in.reader());
//   std::vector<int> got;                                   // read it after run() returns
//   net.spawn("gather", csp::networks::collector(got), in.reader());
//
// Termination rule for both: they end at end-of-stream on `in`; poison is not caught: they end
// with it, keeping what they took before (`in` retires as it is destroyed).
#pragma once

#include <concepts>
#include <ranges>
#include <utility>

#include <csp/ends.hpp>

namespace csp::networks {

///   in --> [black_hole]
/// Receives and discards every value until end-of-stream, so its writers never wait for long.
/// Example: `net.spawn("drop", csp::networks::black_hole<int>, in.reader());`
template <message T>
void black_hole(reader<T> in) {
  for (T& v : in) (void)v;
}

/// A container collector(c) can append to: `c.insert(c.end(), v)` (vector, deque, list,
/// string, set, multiset, ...).
/// Example: `static_assert(csp::networks::appendable<std::vector<int>>);`
template <class C>
concept appendable = std::ranges::range<C> && requires(C& c, std::ranges::range_value_t<C> v) {
  c.insert(c.end(), std::move(v));
};

/// The process body collector(container) returns; see collector.
/// Example: `std::vector<int> got; csp::networks::container_collector gather(got);`
template <appendable C>
class container_collector {
 public:
  explicit container_collector(C& into) : into_(&into) {}
  template <message T>
    requires std::convertible_to<T, std::ranges::range_value_t<C>>
  void operator()(reader<T> in) const {
    for (T& v : in) into_->insert(into_->end(), std::move(v));
  }

 private:
  C* into_;
};

/// The process body collector(callback) returns; see collector.
/// Example: `csp::networks::callback_collector print([](int v) { std::cout << v; });`
template <class F>
class callback_collector {
 public:
  explicit callback_collector(F each) : each_(std::move(each)) {}
  template <message T>
    requires std::invocable<F&, T&&>
  void operator()(reader<T> in) {
    for (T& v : in) each_(std::move(v));
  }

 private:
  F each_;
};

///   in --> [collector(into)]
/// Appends every value, in the order received, to `into`, a container the caller owns and
/// reads after run() returns (the end of the run orders the collector's writes before it).
/// Example: `std::vector<int> got; net.spawn("gather", csp::networks::collector(got), c.reader());`
template <appendable C>
container_collector<C> collector(C& into) {
  return container_collector<C>(into);
}

///   in --> [collector(each)]
/// Calls `each(value)` for every value, in the order received, in the collector's process.
/// Example: `long sum = 0; net.spawn("sum", csp::networks::collector([&sum](int v) { sum += v; }), c.reader());`
template <class F>
  requires(!std::ranges::range<F>)
callback_collector<F> collector(F each) {
  return callback_collector<F>(std::move(each));
}

}  // namespace csp::networks
