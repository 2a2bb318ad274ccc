// A move-only `void()` callable (std::move_only_function is C++23): a process body with its
// bound arguments, invoked once.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace csp::detail {

class task {
 public:
  task() = default;
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, task> && std::is_invocable_v<F&>)
  explicit task(F&& f) : impl_(std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f))) {}

  explicit operator bool() const noexcept { return impl_ != nullptr; }
  void operator()() { impl_->invoke(); }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual void invoke() = 0;
  };
  template <class F>
  struct model final : concept_t {
    explicit model(F&& f) : f_(std::move(f)) {}
    explicit model(const F& f) : f_(f) {}
    void invoke() override { f_(); }
    F f_;
  };
  std::unique_ptr<concept_t> impl_;
};

}  // namespace csp::detail
