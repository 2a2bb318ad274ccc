// The Boost.Fiber scheduling policy of a multi-threaded fiber run: every worker thread takes
// ready fibers from one queue shared by the run (not Boost's shared_work, whose queue is a
// process-wide static and whose idle threads are not woken when work arrives).
//
// Invariants (guarded by pool::mu):
//   S1  pool::ready holds detached, ready, non-pinned contexts; any worker may attach one.
//   S2  A worker sleeps only while pool::ready is empty and its own `notified` flag is
//       false, so a fiber made ready by any thread either finds an awake worker or wakes one
//       (awakened() notifies when `sleepers` > 0), and a remote wake aimed at a worker's own
//       pinned contexts (notify()) wakes that worker.
// Pinned contexts (each thread's main and dispatcher) stay in the worker's own local queue,
// touched only by that worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>

namespace csp::fiber {

struct pool {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<boost::fibers::context*> ready;  // S1
  int sleepers = 0;
};

class sharing final : public boost::fibers::algo::algorithm {
 public:
  explicit sharing(std::shared_ptr<pool> p) : pool_(std::move(p)) {}

  void awakened(boost::fibers::context* ctx) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override;
  void suspend_until(std::chrono::steady_clock::time_point const& when) noexcept override;
  void notify() noexcept override;

 private:
  std::shared_ptr<pool> pool_;
  boost::fibers::scheduler::ready_queue_type local_;  // this worker's pinned contexts
  bool notified_ = false;                             // guarded by pool_->mu (S2)
};

}  // namespace csp::fiber
