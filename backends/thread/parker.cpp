#include <backends/thread/parker.hpp>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <thread>
#include <algorithm>

#include <csp/detail/runtime.hpp>

#include <csp/detail/spinlock.hpp>

namespace csp::thread {
namespace {

// Sleeps while `word` == `expected`, until woken or until the absolute CLOCK_MONOTONIC
// `deadline` (steady_clock is CLOCK_MONOTONIC on Linux).
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const detail::clock::time_point* deadline) {
  timespec ts{};
  const timespec* tsp = nullptr;
  if (deadline != nullptr) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch());
    ts.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
    tsp = &ts;
  }
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
          FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, tsp, nullptr, FUTEX_BITSET_MATCH_ANY);
}

void futex_wake(std::atomic<std::uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1,
          nullptr, nullptr, 0);
}

}  // namespace

bool parker::park(detail::waiter& w, const detail::clock::time_point* deadline) {
  // Spinning pays off only if the partner can run meanwhile: not when more processes are
  // running than there are CPUs (the spin would take the partner's CPU).
  static const long cpus = std::max(1u, std::thread::hardware_concurrency());
  const bool spin = w.proc->rt == nullptr || w.proc->rt->running() < cpus;
  const auto spin_until = detail::clock::now() + std::chrono::nanoseconds(spin ? spin_ns_ : 0);
  // Pause for a few hundred iterations (a partner on the other CPU answers within a
  // microsecond), then yield between checks, so that a partner waiting for this CPU gets it.
  for (int i = 0; spin && !w.done.load(std::memory_order_acquire); ++i) {
    if (i < 256) {
      detail::spin_pause();
    } else {
      if (detail::clock::now() >= spin_until) break;
      std::this_thread::yield();
    }
  }
  while (!w.done.load(std::memory_order_acquire)) {
    if (deadline != nullptr && detail::clock::now() >= *deadline) return false;
    const std::uint32_t e = epoch_.load(std::memory_order_acquire);
    sleeping_.store(true, std::memory_order_seq_cst);
    if (!w.done.load(std::memory_order_seq_cst)) futex_wait(epoch_, e, deadline);
    sleeping_.store(false, std::memory_order_relaxed);
  }
  return true;
}

void parker::unpark(detail::waiter& w) {
  w.done.store(true, std::memory_order_seq_cst);
  // From here on, `w` may be gone (I4): touch only this parker.
  if (sleeping_.load(std::memory_order_seq_cst)) {
    epoch_.fetch_add(1, std::memory_order_release);
    futex_wake(epoch_);
  }
}

}  // namespace csp::thread
