#include <backends/fiber/parker.hpp>

#include <boost/fiber/scheduler.hpp>

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#define CSP_TSAN_ACQUIRE(p) __tsan_acquire(p)
#define CSP_TSAN_RELEASE(p) __tsan_release(p)
#else
#define CSP_TSAN_ACQUIRE(p) ((void)(p))
#define CSP_TSAN_RELEASE(p) ((void)(p))
#endif

namespace csp::fiber {

namespace bf = boost::fibers;

// ThreadSanitizer does not see lock_ released by suspend(lk): Boost unlocks it inside
// libboost_fiber, which is not instrumented. CSP_TSAN_RELEASE before the suspend and
// CSP_TSAN_ACQUIRE after a decider takes lock_ tell it the order that lock_ provides (P1).
// Likewise the hand-over of a resumed fiber through Boost's queues: the decider releases
// `this` before it schedules the owner, and the owner acquires it once resumed.

bool parker::park(detail::waiter& w, const detail::clock::time_point* deadline) {
  bf::detail::spinlock_lock lk(lock_, std::defer_lock);
  if (home_ == nullptr) lk.lock();  // P5
  if (w.done.load(std::memory_order_acquire)) return true;
  if (self_ == nullptr) self_ = bf::context::active();  // a fiber keeps its context
  bf::context* self = self_;
  waiting_ = self;
  timed_ = deadline != nullptr;
  if (!timed_) {
    self->twstatus.store(0, std::memory_order_release);
    if (home_ == nullptr) {
      CSP_TSAN_RELEASE(&lock_);
      self->suspend(lk);  // P1: lk is released after the switch
    } else {
      self->suspend();
    }
    CSP_TSAN_ACQUIRE(this);
    detail::set_current(owner_);  // P4
    return true;                  // only unpark() resumes an untimed park, after setting done
  }
  self->twstatus.store(reinterpret_cast<std::intptr_t>(this), std::memory_order_release);
  if (home_ == nullptr) {
    CSP_TSAN_RELEASE(&lock_);
    self->wait_until(*deadline, lk);
    lk.lock();
    CSP_TSAN_ACQUIRE(&lock_);
  } else {
    self->wait_until(*deadline);
  }
  CSP_TSAN_ACQUIRE(this);
  detail::set_current(owner_);  // P4
  waiting_ = nullptr;
  self->twstatus.store(0, std::memory_order_release);
  return w.done.load(std::memory_order_acquire);
}

void parker::unpark(detail::waiter& w) {
  bf::detail::spinlock_lock lk(lock_, std::defer_lock);
  if (home_ == nullptr) {
    lk.lock();
    CSP_TSAN_ACQUIRE(&lock_);
  } else if (home_ != &detail::this_thread_tag) {
    detail::foreign_thread(owner_->name);
  }
  bf::context* ctx = waiting_;  // read before `done`: an owner that sees done may park again
  w.done.store(true, std::memory_order_release);  // P2; `w` is not touched after this
  if (ctx == nullptr) return;
  waiting_ = nullptr;
  if (timed_) {
    std::intptr_t expected = reinterpret_cast<std::intptr_t>(this);
    if (!ctx->twstatus.compare_exchange_strong(expected, -1, std::memory_order_acq_rel)) {
      return;  // P3: the timer has resumed it already
    }
  }
  // ctx is suspended (P1) and no one else will resume it (P2, P3): the lock has done its job.
  // Release it before scheduling, which may wake another thread: the owner, once resumed,
  // must not find its own lock held.
  if (lk.owns_lock()) lk.unlock();
  CSP_TSAN_RELEASE(this);
  if (home_ != nullptr) {
    ctx->get_scheduler()->schedule(ctx);  // P5: ours is the only scheduler, and it is local
  } else {
    bf::context::active()->schedule(ctx);  // local or remote, as Boost decides
  }
}

}  // namespace csp::fiber
