// Sources: processes that only write. Each is made by a function that returns its process
// body, to be spawned with the output end:
//
//   [generator] --> out        [ticker] --> out
//
//   net.spawn("numbers", csp::networks::generator(std::views::iota(0, 100)), numbers.writer());
//   net.spawn("clock", csp::networks::ticker(10ms), ticks.writer());
//
// Termination rule for both: they retire `out` when they have no more to send; a retired
// reader on `out` ends them (csp::retired from send); poison is not caught: they end with it,
// and `out` retires as it is destroyed.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include <csp/alt.hpp>
#include <csp/ends.hpp>

namespace csp::networks {

/// For generator(f, count) and ticker(period, count): no limit on the number of values.
/// Example: `csp::networks::ticker(10ms, csp::networks::unlimited)` ticks until its reader retires.
inline constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

namespace detail {

template <class T>
struct optional_value {
  using type = void;
};
template <class T>
struct optional_value<std::optional<T>> {
  using type = T;
};

/// What generator(f) sends: T for an f returning T or std::optional<T>.
template <class F>
using generated_t = std::conditional_t<
    std::is_void_v<typename optional_value<std::invoke_result_t<F&>>::type>,
    std::invoke_result_t<F&>, typename optional_value<std::invoke_result_t<F&>>::type>;

}  // namespace detail

/// The process body generator(range) returns: sends each element of the range, in order.
/// Example: `csp::networks::range_generator<std::ranges::iota_view<int, int>> g(std::views::iota(0, 3));`
template <std::ranges::input_range R>
  requires message<std::ranges::range_value_t<R>>
class range_generator {
 public:
  explicit range_generator(R range) : range_(std::move(range)) {}
  void operator()(writer<std::ranges::range_value_t<R>> out) {
    for (auto&& v : range_) out.send(static_cast<std::ranges::range_value_t<R>>(std::forward<decltype(v)>(v)));
    out.retire();
  }

 private:
  R range_;
};

/// The process body generator(f, count) returns: sends f(), f(), ... (see generator).
/// Example: `csp::networks::call_generator g([] { return 1; }, 3);   // 1, 1, 1`
template <class F>
class call_generator {
 public:
  call_generator(F f, std::uint64_t count) : f_(std::move(f)), count_(count) {}
  void operator()(writer<detail::generated_t<F>> out) {
    for (std::uint64_t i = 0; i < count_; ++i) {
      auto v = f_();
      if constexpr (std::is_same_v<decltype(v), detail::generated_t<F>>) {
        out.send(std::move(v));
      } else {
        if (!v) break;  // f is exhausted
        out.send(std::move(*v));
      }
    }
    out.retire();
  }

 private:
  F f_;
  std::uint64_t count_;
};

///   [generator(range)] --> out
/// Sends the elements of `range` in order, then retires `out`. The range is kept in the body:
/// a view (iota, a transform, ...) or a container moved in is owned by it; a container passed
/// as an lvalue is referred to, and must outlive the run.
/// Example: `net.spawn("numbers", csp::networks::generator(std::views::iota(0, 100)), c.writer());`
template <std::ranges::viewable_range R>
  requires std::ranges::input_range<R>
auto generator(R&& range) {
  return range_generator<std::views::all_t<R>>(std::views::all(std::forward<R>(range)));
}

///   [generator(f, count)] --> out
/// Sends f(), f(), ... in the order f returns them, at most `count` values, then retires
/// `out`. An f returning std::optional<T> sends T and is exhausted at its first nullopt; an
/// f returning T runs until `count` (with `unlimited`, until the reader retires).
/// Example: `net.spawn("squares", csp::networks::generator([k = 0]() mutable { ++k; return k * k; }, 10), c.writer());`
template <class F>
  requires(!std::ranges::range<F> && std::invocable<F&> && message<detail::generated_t<F>>)
auto generator(F f, std::uint64_t count = unlimited) {
  return call_generator<F>(std::move(f), count);
}

/// What a ticker sends: the tick's number (0, 1, 2, ...) and when it was sent.
/// Example: `for (csp::networks::tick t : ticks) std::cout << t.index << '\n';`
struct tick {
  std::uint64_t index;
  std::chrono::steady_clock::time_point at;
};

///   [ticker(period)] --> out
/// Sends tick 0, 1, 2, ... with a pause of `period` before each: tick k is sent no earlier
/// than `period` after tick k - 1 was taken (a slow reader delays the ticks after it, none is
/// sent early or dropped; `at` is when the tick was sent). Waits with csp::sleep_for, a
/// timeout guard, so it counts as waiting on a timer (never a deadlock) and a run that shuts
/// down ends it. Ends after `count` ticks, retiring `out`, or when the reader retires.
/// Example: `net.spawn("clock", csp::networks::ticker(std::chrono::milliseconds(10)), ticks.writer());`
class ticker {
 public:
  explicit ticker(std::chrono::steady_clock::duration period, std::uint64_t count = unlimited)
      : period_(period), count_(count) {}
  void operator()(writer<tick> out) const {
    for (std::uint64_t i = 0; i < count_; ++i) {
      csp::sleep_for(period_);
      out.send(tick{i, std::chrono::steady_clock::now()});
    }
    out.retire();
  }

 private:
  std::chrono::steady_clock::duration period_;
  std::uint64_t count_;
};

}  // namespace csp::networks
