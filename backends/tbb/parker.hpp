// How a process that is a oneTBB task blocks: it suspends its task (tbb::task::suspend), and
// its decider, or the timer thread, resumes it (tbb::task::resume).
//
// Invariants (guarded by lock_):
//   T1  waiting_ is the suspend point of the owner's current park, or null. The owner stores
//       it from inside suspend()'s callback, which oneTBB runs on the worker after the task's
//       stack was switched out: a suspend point that anyone can read is fully suspended.
//   T2  unpark() sets w.done and takes waiting_ in one critical section; the callback checks
//       w.done in one critical section before storing waiting_. So a decider that comes before
//       the suspension only sets done (the callback then resumes the task at once), and each
//       suspension is resumed exactly once: whoever takes waiting_ (a decider or the timer)
//       resumes it, and nobody else can take it.
//   T3  A timed park also registers (this, episode_) with the run's timer thread. The timer
//       takes waiting_ only while episode_ is still that episode: an expiry that comes after
//       the park ended, or during a later park, does nothing (a late or duplicate wake is
//       harmless, DESIGN.md section 3). The owner removes its entry when it resumes, so the
//       timer thread holds entries only for parks in progress (and ones being removed).
//   T4  After a resume the owner calls detail::set_current() again: the task may continue on
//       another worker, where another process was current.
//
// Lock order: a parker's lock_, then timers::mu_; the timer thread never holds both.
#pragma once

#include <oneapi/tbb/task.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include <backends/tbb/sanitizer.hpp>
#include <csp/detail/runtime.hpp>
#include <csp/detail/spinlock.hpp>
#include <csp/detail/waiter.hpp>

namespace csp::tbb {

class parker;

/// The deadlines of a run's timed parks, served by one thread that sleeps until the earliest.
/// Started by the backend for the run and stopped (joined) before the parkers go away.
class timers {
 public:
  void start();
  void stop();
  /// Registers `p`'s park `episode` to expire at `deadline`. Called with p.lock_ held.
  void add(parker& p, std::uint64_t episode, detail::clock::time_point deadline);
  /// Forgets `p`'s registration, if the timer thread has not taken it already.
  void remove(parker& p);

 private:
  struct entry {
    parker* owner;
    std::uint64_t episode;
  };
  using queue = std::multimap<detail::clock::time_point, entry>;
  void serve();

  std::mutex mu_;  // guards queue_, stop_, and every parker's timer_pos_/registered_
  std::condition_variable changed_;
  queue queue_;
  bool stop_ = false;
  std::thread thread_;
  friend class parker;
};

class parker final : public detail::parker {
 public:
  parker(detail::process_state* owner, timers& t)
      : owner_(owner), timers_(t), sanitizer_fiber_(sanitizer::make_fiber()) {}
  ~parker() override { sanitizer::drop_fiber(sanitizer_fiber_); }
  parker(const parker&) = delete;
  parker& operator=(const parker&) = delete;

  /// The owner's sanitizer fiber (sanitizer.hpp; null unless built for ThreadSanitizer).
  void* sanitizer_fiber() const noexcept { return sanitizer_fiber_; }
  bool park(detail::waiter& w, const detail::clock::time_point* deadline) override;
  void unpark(detail::waiter& w) override;

 private:
  friend class timers;
  /// The timer thread's expiry of `episode` (T3).
  void expire(std::uint64_t episode);

  detail::spinlock lock_;
  ::tbb::task::suspend_point waiting_ = nullptr;  // T1
  std::uint64_t episode_ = 0;                     // parks so far; T3
  detail::process_state* owner_;
  timers& timers_;
  void* sanitizer_fiber_;
  // Guarded by timers::mu_: where this parker's entry sits, while it has one.
  timers::queue::iterator timer_pos_{};
  bool registered_ = false;
};

}  // namespace csp::tbb
