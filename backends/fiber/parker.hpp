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
#pragma once

#include <boost/fiber/context.hpp>
#include <boost/fiber/detail/spinlock.hpp>

#include <csp/detail/runtime.hpp>
#include <csp/detail/waiter.hpp>

namespace csp::fiber {

class parker final : public detail::parker {
 public:
  explicit parker(detail::process_state* owner) : owner_(owner) {}
  bool park(detail::waiter& w, const detail::clock::time_point* deadline) override;
  void unpark(detail::waiter& w) override;

 private:
  boost::fibers::detail::spinlock lock_;
  boost::fibers::context* waiting_ = nullptr;  // P1
  bool timed_ = false;                         // waiting_ is in a timed park (P3)
  detail::process_state* owner_;               // null for the run's own main context
};

}  // namespace csp::fiber
