// Alternation: wait for the first of several guards, fire exactly one, and perform its
// communication inside the select (DESIGN.md section 2).
//
//   int v;
//   csp::alt alt;                                   // keeps fair_select's rotation
//   switch (alt.fair_select(csp::input(left, v),
//                           csp::input(right, [&](int x) { total += x; }),
//                           csp::output(out, total).when(total > 0),
//                           csp::timeout(10ms))) {
//     case 0: ...   // received v from `left`
//     case 3: ...   // 10 ms passed with no other guard ready
//   }
//
// Guards: input (receive, into a variable or a handler), output (send a value when a reader is
// ready), timeout (ready once its duration, counted from the select call, has passed), skip
// (always ready). Each takes an optional precondition: `.when(bool)`. Order:
//   pri_select   the first ready guard in argument order
//   fair_select  (a member of csp::alt) rotates its starting guard past the one that fired last,
//                so no guard that stays ready is passed over more than n-1 times in a row
//   select       starts at a random guard
// If the fired guard's channel is poisoned the select throws csp::poisoned, if it has retired
// (end-of-stream for an input, no readers left for an output) csp::retired; both carry the
// guard's index in guard(), so a process can disable that guard and go on (see networks/).
// The protocol and the argument that exactly one guard fires are in src/alt.cpp.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include <csp/ends.hpp>

namespace csp {
namespace detail {

enum class guard_kind : std::uint8_t { channel, timeout, skip };

/// What the alt engine needs of a guard; the typed part (value, handler) stays in the guard.
struct guard_desc {
  channels::channel_core* chan = nullptr;
  clock::time_point deadline{};
  guard_kind kind = guard_kind::skip;
  bool enabled = true;
};

struct fired {
  std::size_t index;  // the guard that fired; npos when the run shut down
  status result;      // ok, retired or poisoned
};

/// Chooses and performs exactly one guard, trying them in order from `start` (rotating).
fired select_engine(std::span<guard_desc> guards, std::span<wait_entry> entries,
                    std::size_t start);
/// A random start for select().
std::size_t random_start(std::size_t n) noexcept;
/// Throws the error of a guard that fired with `f.result` retired or poisoned.
[[noreturn]] void raise_guard(const fired& f, std::span<const guard_desc> guards);

template <class T>
struct assign_to {
  T* into;
  void operator()(T&& v) const { *into = std::move(v); }
};

struct no_action {
  template <class... A>
  void operator()(A&&...) const noexcept {}
};

/// Precondition shared by every guard: `.when(condition)`.
template <class Derived>
class guard_base {
 public:
  /// The guard takes part only if `condition` holds (a boolean precondition).
  Derived&& when(bool condition) && {
    enabled_ = enabled_ && condition;
    return static_cast<Derived&&>(*this);
  }

 protected:
  bool enabled_ = true;
};

}  // namespace detail

/// Receive guard: fires with a value from `in`, passing it to `action(T)`.
template <message T, class F>
class input_guard : public detail::guard_base<input_guard<T, F>> {
 public:
  input_guard(reader<T>& in, F action) : in_(in), action_(std::move(action)) {}
  void describe(detail::guard_desc& d, detail::wait_entry& e) {
    d.enabled = this->enabled_;
    d.kind = detail::guard_kind::channel;
    d.chan = this->enabled_ ? &in_.usable("select") : nullptr;
    e.kind = detail::op_kind::recv;
    e.data = &value_;
  }
  void fire() { std::invoke(action_, std::move(*value_)); }

 private:
  reader<T>& in_;
  F action_;
  std::optional<T> value_;
};

/// Send guard: fires when a reader (or buffer room) takes `value`, then calls `action()`.
/// If it does not fire, the value is dropped with the guard.
template <message T, class F>
class output_guard : public detail::guard_base<output_guard<T, F>> {
 public:
  output_guard(writer<T>& out, T value, F action)
      : out_(out), value_(std::move(value)), action_(std::move(action)) {}
  void describe(detail::guard_desc& d, detail::wait_entry& e) {
    d.enabled = this->enabled_;
    d.kind = detail::guard_kind::channel;
    d.chan = this->enabled_ ? &out_.usable("select") : nullptr;
    e.kind = detail::op_kind::send;
    e.data = &value_;
  }
  void fire() { std::invoke(action_); }

 private:
  writer<T>& out_;
  T value_;
  F action_;
};

/// Guard that needs no channel: timeout (ready once its deadline passed) or skip (always).
template <class F>
class plain_guard : public detail::guard_base<plain_guard<F>> {
 public:
  plain_guard(detail::guard_kind kind, detail::clock::time_point deadline, F action)
      : kind_(kind), deadline_(deadline), action_(std::move(action)) {}
  void describe(detail::guard_desc& d, detail::wait_entry&) {
    d.enabled = this->enabled_;
    d.kind = kind_;
    d.deadline = deadline_;
  }
  void fire() { std::invoke(action_); }

 private:
  detail::guard_kind kind_;
  detail::clock::time_point deadline_;
  F action_;
};

/// input(in, var): receive into `var`. input(in, f): receive and call f(value).
template <message T, class F>
  requires std::invocable<F&, T&&>
input_guard<T, std::decay_t<F>> input(reader<T>& in, F&& action) {
  return {in, std::forward<F>(action)};
}
template <message T>
input_guard<T, detail::assign_to<T>> input(reader<T>& in, T& into) {
  return {in, detail::assign_to<T>{&into}};
}
/// output(out, v): send v when a reader is ready. output(out, v, f): then call f().
template <message T, class F = detail::no_action>
  requires std::invocable<F&>
output_guard<T, std::decay_t<F>> output(writer<T>& out, std::type_identity_t<T> value,
                                        F&& action = {}) {
  return {out, std::move(value), std::forward<F>(action)};
}
/// timeout(d): ready once `d` has passed since the select was called; then calls action().
template <class Rep, class Period, class F = detail::no_action>
  requires std::invocable<F&>
plain_guard<std::decay_t<F>> timeout(std::chrono::duration<Rep, Period> d, F&& action = {}) {
  return {detail::guard_kind::timeout,
          detail::clock::now() + std::chrono::ceil<detail::clock::duration>(d),
          std::forward<F>(action)};
}
/// skip(): always ready; with pri_select, the "nothing else is ready" branch.
template <class F = detail::no_action>
  requires std::invocable<F&>
plain_guard<std::decay_t<F>> skip(F&& action = {}) {
  return {detail::guard_kind::skip, {}, std::forward<F>(action)};
}

namespace detail {

template <class... G>
std::size_t run_select(std::size_t start, G&... guards) {
  constexpr std::size_t n = sizeof...(G);
  static_assert(n > 0, "select needs at least one guard");
  std::array<guard_desc, n> desc{};
  std::array<wait_entry, n> entries{};
  std::size_t i = 0;
  ((guards.describe(desc[i], entries[i]), ++i), ...);
  const fired f = select_engine(desc, entries, start);
  if (f.result != status::ok) raise_guard(f, desc);
  i = 0;
  ((i++ == f.index ? guards.fire() : void()), ...);
  return f.index;
}

}  // namespace detail

/// Fires the first ready guard in argument order; returns its index.
template <class... G>
std::size_t pri_select(G&&... guards) {
  return detail::run_select(0, guards...);
}

/// Fires one ready guard, starting the search at a random guard; returns its index.
template <class... G>
std::size_t select(G&&... guards) {
  return detail::run_select(detail::random_start(sizeof...(G)), guards...);
}

/// An alternation that remembers where fair_select should start next.
class alt {
 public:
  /// Fires one ready guard, starting after the one that fired last time; returns its index.
  template <class... G>
  std::size_t fair_select(G&&... guards) {
    const std::size_t i = detail::run_select(next_ % sizeof...(G), guards...);
    next_ = i + 1;
    return i;
  }
  template <class... G>
  std::size_t pri_select(G&&... guards) {
    return csp::pri_select(std::forward<G>(guards)...);
  }
  template <class... G>
  std::size_t select(G&&... guards) {
    return csp::select(std::forward<G>(guards)...);
  }

 private:
  std::size_t next_ = 0;
};

/// Waits for `d` (a select with one timeout guard). Throws csp::poisoned if the run shuts down.
template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d) {
  pri_select(timeout(d));
}

}  // namespace csp
