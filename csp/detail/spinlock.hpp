// A test-and-test-and-set spinlock for the short critical sections of channels and parkers.
//
// Invariants: held for a bounded number of instructions, never across a park, never while
// another channel's lock is held (see channels/channel_core.hpp). Because a holder can be
// preempted (OS threads on 2 vCPUs), a waiter that spins too long yields its time slice.
//
// Ordering: lock() is an acquire RMW, unlock() a release store: everything done inside one
// critical section happens-before everything done inside the next.
#pragma once

#include <atomic>
#include <thread>

namespace csp::detail {

inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class spinlock {
 public:
  void lock() noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
          spin_pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};  // true while held
};

}  // namespace csp::detail
