// A fair alternation over input guards whose number is known only at run time: what
// `csp::alt::fair_select(csp::input(ins[0], v).when(open[0]), ...)` does for a pack fixed at
// compile time, for a std::vector of readers (merge has N inputs, N a run-time value).
//
//   csp::networks::detail::fair_inputs<int> alt(ins.size());
//   const std::size_t i = alt.select(ins, open);   // throws csp::retired / csp::poisoned with
//   out.send(alt.take(i));                         // the guard's index in guard()
//
// It drives the same engine as csp::alt (csp::detail::select_engine) with the same rules:
// exactly one guard fires and its value moves inside the select; a guard whose channel has
// retired or is poisoned makes the select throw with that guard's index; the search starts
// after the guard that fired last, so no input that stays ready is passed over more than n-1
// times in a row. The engine's arrays are kept between selects; each select refills them, as
// csp::alt builds fresh ones on its stack.
//
// When csp's public alt accepts a run-time list of guards, this file becomes that call.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include <csp/alt.hpp>
#include <csp/ends.hpp>

namespace csp::networks::detail {

/// Fair select over `ins[i]` for every i with `open[i]`; see the top of this file.
template <message T>
class fair_inputs {
 public:
  explicit fair_inputs(std::size_t n) : guards_(n), entries_(n), values_(n) {}

  /// Waits until one open input has a value, receives it, and returns its index; the value is
  /// then take(index). At least one input must be open. Throws csp::retired (end-of-stream) or
  /// csp::poisoned for the input that fired, with its index in guard().
  std::size_t select(std::vector<reader<T>>& ins, const std::vector<bool>& open) {
    const std::size_t n = guards_.size();
    for (std::size_t i = 0; i < n; ++i) {
      values_[i].reset();
      guards_[i] = csp::detail::guard_desc{
          .chan = open[i] ? &ins[i].usable("select") : nullptr,
          .kind = csp::detail::guard_kind::channel,
          .enabled = open[i]};
      entries_[i] = csp::detail::wait_entry{.data = &values_[i], .kind = csp::detail::op_kind::recv};
    }
    const csp::detail::fired f = csp::detail::select_engine(guards_, entries_, next_ % n);
    if (f.result != status::ok) csp::detail::raise_guard(f, guards_);
    next_ = f.index + 1;
    return f.index;
  }

  /// The value that select() received from input `i` (once per select).
  T take(std::size_t i) { return std::move(*values_[i]); }

 private:
  std::vector<csp::detail::guard_desc> guards_;
  std::vector<csp::detail::wait_entry> entries_;
  std::vector<std::optional<T>> values_;
  std::size_t next_ = 0;  // where the next search starts: after the guard that fired last
};

}  // namespace csp::networks::detail
