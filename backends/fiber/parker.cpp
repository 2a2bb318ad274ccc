#include <backends/fiber/parker.hpp>

namespace csp::fiber {

namespace bf = boost::fibers;

bool parker::park(detail::waiter& w, const detail::clock::time_point* deadline) {
  bf::detail::spinlock_lock lk(lock_);
  if (w.done.load(std::memory_order_acquire)) return true;
  bf::context* self = bf::context::active();
  waiting_ = self;
  timed_ = deadline != nullptr;
  if (!timed_) {
    self->twstatus.store(0, std::memory_order_release);
    self->suspend(lk);  // P1: lk is released after the switch
    detail::set_current(owner_);  // P4
    return true;        // only unpark() resumes an untimed park, after setting done
  }
  self->twstatus.store(reinterpret_cast<std::intptr_t>(this), std::memory_order_release);
  self->wait_until(*deadline, lk);
  detail::set_current(owner_);  // P4
  lk.lock();
  waiting_ = nullptr;
  self->twstatus.store(0, std::memory_order_release);
  return w.done.load(std::memory_order_acquire);
}

void parker::unpark(detail::waiter& w) {
  bf::detail::spinlock_lock lk(lock_);
  w.done.store(true, std::memory_order_release);  // P2; `w` is not touched after this
  bf::context* ctx = waiting_;
  if (ctx == nullptr) return;
  waiting_ = nullptr;
  if (timed_) {
    std::intptr_t expected = reinterpret_cast<std::intptr_t>(this);
    if (!ctx->twstatus.compare_exchange_strong(expected, -1, std::memory_order_acq_rel)) {
      return;  // P3: the timer has resumed it already
    }
  }
  bf::context::active()->schedule(ctx);
}

}  // namespace csp::fiber
