// The Boost.Fiber scheduling policy of csp's fiber runs, on one thread or on several.
//
// Two departures from Boost's own policies, both measured in bench/commstime:
//   - Boost's dispatcher context puts itself back in the ready queue every time it hands over
//     ("so that the ready queue never becomes empty"), so in a small network it runs every
//     few switches, reading the clock each time. Here it runs when nothing else is ready, and
//     otherwise once every `dispatcher_period` picks (it moves expired timers and wakes from
//     other threads into the ready queue, so it must not starve).
//   - On several threads, a fiber made ready goes to the ready queue of the thread that
//     readied it (a chain of communications stays on one CPU, where Boost's shared_work moves
//     it to whichever thread asks next), and a sleeping thread is woken only when a queue
//     holds more than one fiber, that is, when there is work for a second CPU. Idle threads
//     steal only from a queue with more than one fiber (taking a queue's only fiber would move
//     a chain of communications to another CPU), spin for up to `idle_spin` (a wake from
//     another thread then costs no futex wake, ~25 us on these VMs), and then sleep.
//   - A wake from another thread lands in Boost's remote queue, which only the dispatcher
//     empties: notify() marks it so that the dispatcher runs next.
//
// Invariants
//   S1  A worker queue holds detached, ready, non-pinned contexts; its owner pushes, any
//       worker pops (guarded by worker_queue::mu). Pinned contexts (main, dispatcher) stay
//       with their thread (local_, dispatcher_), touched only by it.
//   S2  A context in a worker's queue is there because that worker readied it (awakened()
//       runs on the thread whose scheduler holds the context; wakes from other threads go
//       through Boost's remote queue and notify()). So a worker with a non-empty queue is
//       awake, and no ready fiber is left with only sleeping threads around it.
//   S3  pool::wakeups <= pool::sleepers (guarded by pool::mu): a wake-up is counted only for
//       a thread that sleeps, and each sleeper consumes at most one.
// Lock order: worker_queue::mu and pool::mu are never held together.
//
// ThreadSanitizer: Boost.Fiber 1.74 switches stacks without telling the sanitizer, which then
// corrupts its shadow call stack and crashes. Every switch between running contexts passes
// through pick_next() (a suspend, a termination, the dispatcher's loop), so under
// -fsanitize=thread pick_next() announces the switch it is about to cause
// (__tsan_switch_to_fiber), keeping each context's shadow stack its own; prepare_thread()
// covers the one switch that does not (the scheduler's return to main at thread exit).
//
// AddressSanitizer: likewise, pick_next() tells it the bounds of the stack each switch goes
// to (__sanitizer_start_switch_fiber and __sanitizer_finish_switch_fiber), so that a throw on
// a fiber clears that fiber's stack; without it the sanitizer refuses to and then reports false
// stack errors on frames the exception unwound.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>

namespace csp::fiber {

struct worker_queue {
  std::mutex mu;
  std::deque<boost::fibers::context*> ready;  // S1
  std::atomic<std::size_t> size{0};           // ready.size(), readable without mu (a hint)
};

/// Call first on a thread that will install `policy` (before Boost makes its scheduler):
/// under ThreadSanitizer it restores the thread's own fiber when the scheduler goes away.
void prepare_thread() noexcept;

/// Under AddressSanitizer: the stack size of the fibers that run processes, so that every switch
/// can tell the sanitizer the bounds of the stack it switches to. Does nothing otherwise.
#if defined(__SANITIZE_ADDRESS__)
void set_stack_size(std::size_t bytes) noexcept;
#else
inline void set_stack_size(std::size_t) noexcept {}
#endif

/// What the threads of one multi-threaded run share.
struct pool {
  explicit pool(int threads) : queues(static_cast<std::size_t>(threads)) {}
  std::vector<worker_queue> queues;  // one per thread, fixed for the run
  std::atomic<int> next_queue{0};    // hands out queues to threads as they start
  std::mutex mu;                     // guards sleepers, wakeups
  std::condition_variable wake;
  int sleepers = 0;
  int wakeups = 0;                   // S3
};

class policy final : public boost::fibers::algo::algorithm {
 public:
  /// `shared`: the pool of a multi-threaded run, or null for a run on one thread.
  explicit policy(std::shared_ptr<pool> shared);

  void awakened(boost::fibers::context* ctx) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override;
  void suspend_until(std::chrono::steady_clock::time_point const& when) noexcept override;
  void notify() noexcept override;

  static constexpr unsigned dispatcher_period = 64;
  static constexpr std::chrono::microseconds idle_spin{50};

 private:
  boost::fibers::context* choose() noexcept;
  boost::fibers::context* steal() noexcept;
  bool surplus_somewhere() const noexcept;
  void wake_a_sleeper() noexcept;

  std::shared_ptr<pool> pool_;
  worker_queue* mine_ = nullptr;                       // with pool_: this thread's queue
  boost::fibers::scheduler::ready_queue_type local_;  // pinned contexts; all, without pool_
  boost::fibers::context* dispatcher_ = nullptr;      // ready dispatcher, held back
  unsigned picks_ = 0;
  std::mutex solo_mu_;  // without pool_: guards solo_notified_
  std::condition_variable solo_wake_;
  bool solo_notified_ = false;
  // With pool_: a wake from another thread is waiting in Boost's remote queue. Set by
  // notify() (any thread), cleared by this thread; changes that a sleeper must see are also
  // made under pool::mu.
  std::atomic<bool> notified_{false};
  // With pool_: this thread sleeps (or is about to) on pool::wake, so notify() must signal it.
  // notify: store notified_, then load sleeping_; sleeper: store sleeping_, then load
  // notified_ (both seq_cst): at least one of them sees the other's store.
  std::atomic<bool> sleeping_{false};
  void* tsan_dispatcher_ = nullptr;  // ThreadSanitizer's fiber for this thread's dispatcher
  boost::fibers::context* dispatcher_seen_ = nullptr;  // AddressSanitizer: this thread's dispatcher
};

}  // namespace csp::fiber
