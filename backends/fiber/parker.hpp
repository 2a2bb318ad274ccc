// How a process that is a Boost.Fiber fiber blocks: it suspends its context, and its decider
// reschedules it.
//
// Invariants (guarded by lock_):
//   P1  waiting_ is the suspended (or suspending) context of the owner, or null. The owner sets
//       it and suspends with lock_ held; Boost releases lock_ only after the switch, so a
//       decider that sees waiting_ under lock_ sees a fully suspended context.
//   P2  unpark() sets w.done and takes waiting_ in one critical section, so each park is
//       resumed at most once by a decider, and a decider that comes before the owner parks
//       finds waiting_ null and only sets done (the owner sees it under lock_ and does not
//       suspend). This is the epoch of DESIGN.md section 3: a wake belongs to one episode.
//   P3  A timed park also sits in Boost's sleep queue. Boost's twstatus word decides between
//       the timer and a decider: the decider CASes it from this parker's address to -1 and
//       schedules only if that succeeds; the timer exchanges it to -2 and schedules only if
//       it was not -1. Exactly one of them resumes the fiber.
//   P4  After a resume the owner calls detail::set_current() again: a fiber may have moved to
//       another thread, where another process was current.
//   P5  In a run on one thread (`exclusive`), owner and deciders are fibers of that thread and
//       never run at the same time, so lock_ is not taken; unpark() checks that it is called
//       on that thread (detail::foreign_thread otherwise).
#pragma once

#include <boost/fiber/context.hpp>
#include <boost/fiber/detail/spinlock.hpp>

#include <csp/detail/runtime.hpp>
#include <csp/detail/spinlock.hpp>
#include <csp/detail/waiter.hpp>

namespace csp::fiber {

class parker final : public detail::parker {
 public:
  parker(detail::process_state* owner, bool exclusive)
      : owner_(owner), home_(exclusive ? &detail::this_thread_tag : nullptr) {}
  bool park(detail::waiter& w, const detail::clock::time_point* deadline) override;
  void unpark(detail::waiter& w) override;

 private:
  boost::fibers::detail::spinlock lock_;
  boost::fibers::context* waiting_ = nullptr;  // P1
  boost::fibers::context* self_ = nullptr;     // the owner's context, from its first park
  bool timed_ = false;                         // waiting_ is in a timed park (P3)
  detail::process_state* owner_;
  const char* home_;                           // P5: the run's thread, or null when shared
};

}  // namespace csp::fiber
