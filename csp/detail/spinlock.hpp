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
#include <string>
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
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};  // true while held
};

/// A tag for the calling thread: the address of a thread-local byte (initial-exec: reaching it
/// costs one instruction).
inline __attribute__((tls_model("initial-exec"))) thread_local char this_thread_tag = 0;

/// Reports a channel of a single-threaded run used from another thread, and aborts: the
/// channel's lock is switched off for the run, so going on would be a data race.
[[noreturn]] void foreign_thread(const std::string& channel) noexcept;

/// A channel's lock. A run whose processes all share one OS thread (the fiber backend with one
/// thread) binds its channels to that thread for the run's duration; a bound lock costs no
/// atomic operation, and checks that it is taken on that thread.
///
/// Ordering: bind and unbind happen while no process uses the channel (before the run's
/// processes start, after they have all ended), on the run's thread; the thread start and
/// join around the run order them with every other thread's use.
class channel_lock {
 public:
  explicit channel_lock(const std::string& channel) : channel_(channel) {}
  void lock() noexcept {
    const void* owner = owner_.load(std::memory_order_relaxed);
    if (owner == nullptr) {
      spin_.lock();
    } else if (owner != &this_thread_tag) {
      foreign_thread(channel_);
    }
  }
  void unlock() noexcept {
    if (owner_.load(std::memory_order_relaxed) == nullptr) spin_.unlock();
  }
  void bind_to_this_thread() noexcept { owner_.store(&this_thread_tag, std::memory_order_relaxed); }
  void unbind() noexcept { owner_.store(nullptr, std::memory_order_relaxed); }

 private:
  spinlock spin_;
  std::atomic<const void*> owner_{nullptr};  // null: a real spinlock; else the bound thread's tag
  const std::string& channel_;
};

}  // namespace csp::detail
