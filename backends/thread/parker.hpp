// How a process that owns an OS thread blocks: spin briefly, then sleep on a futex.
//
// Waking a thread that sleeps on the other vCPU costs 25-30 us on these virtual machines,
// while a partner usually answers within a few microseconds, so park() first spins on
// `w.done` for about `spin_ns` before it sleeps (DESIGN.md section 3).
//
// The sleep is an eventcount: `epoch_` is bumped by every wake that may find the owner asleep.
//   park:    e = epoch_; sleeping_ = true; [seq_cst] if w.done: return; futex_wait(epoch_, e)
//   unpark:  w.done = true; [seq_cst] if sleeping_: ++epoch_; futex_wake(epoch_)
// Both sides' store-then-load are seq_cst, so at least one sees the other's store: either the
// owner sees done and does not sleep, or the waker sees sleeping_ and wakes it (no lost wake).
// A wake meant for an earlier episode only bumps the epoch: the owner re-checks its own
// `done` and sleeps again (a late or duplicate wake is harmless). After `done` the waker
// touches only this parker, which outlives the waiter (waiter.hpp, I4).
#pragma once

#include <atomic>
#include <cstdint>

#include <csp/detail/waiter.hpp>

namespace csp::thread {

class parker final : public detail::parker {
 public:
  explicit parker(std::int64_t spin_ns = 20'000) : spin_ns_(spin_ns) {}
  bool park(detail::waiter& w, const detail::clock::time_point* deadline) override;
  void unpark(detail::waiter& w) override;

 private:
  std::atomic<std::uint32_t> epoch_{0};  // futex word; only ever incremented
  std::atomic<bool> sleeping_{false};    // the owner is in (or about to enter) futex_wait
  std::int64_t spin_ns_;
};

}  // namespace csp::thread
