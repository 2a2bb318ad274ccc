// The waker seam between channels and backends (DESIGN.md section 3).
//
// A process that cannot complete an operation builds a `waiter` on its own stack, links one
// `wait_entry` per guard into the wait queues of the channels involved, and parks through its
// backend's `parker`. Whoever can complete one of those entries (another process, a retire, a
// poison, a timer, the deadlock detector) becomes its *decider*:
//
//   1. claim:    CAS waiter::slot from `open` to the entry's guard index (or to
//                aborted_by_run when the run shuts down). Exactly one CAS can succeed per
//                wait episode; a loser leaves the entry alone.
//   2. transfer: under the lock of that entry's channel, move the value and unlink the entry.
//   3. complete: write waiter::result, then parker::unpark(), which sets waiter::done with
//                release ordering and makes the process runnable.
//
// Invariants
//   I1  slot goes open -> {guard index | aborted} exactly once per episode; only the owner may
//       write `aborted` (it abandons the wait: timeout, or a guard it found ready while enabling).
//   I2  The decider is the only writer of `result` and of the received value, and writes both
//       before `done`; the owner reads them only after observing `done` (acquire).
//   I3  The decider unlinks the entry it claimed; the owner unlinks every other entry of its
//       waiter (channel_core::disable) before it returns. So when the owner returns, no channel
//       holds a pointer into its stack frame.
//   I4  After setting `done` the decider touches only the owner's process_state (which outlives
//       every episode), never the waiter: the owner may return and free it at once.
//   I5  A waiter marked `counted` calls runtime::blocked() exactly once per episode in which a
//       decider exists or it parks, and its decider calls runtime::unblocked() before it can
//       block itself (see runtime.hpp: this is what makes the deadlock count exact).
//
// model/alt.pml checks this protocol with spin (model/check.sh, docs/reliability.md). Where
// the model and the code differ, the code cites the model's inline by name, as in
// `model/alt.pml: claim`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>

#include <csp/status.hpp>

namespace csp::channels {
class channel_core;
}

namespace csp::detail {

struct process_state;
struct group;
struct waiter;

using clock = std::chrono::steady_clock;

enum class op_kind : std::uint8_t { recv, send };

/// One pending operation of a waiter on one channel. Lives in the owner's frame; while
/// `linked` it is also reachable from the channel's wait queue (guarded by that channel's lock).
struct wait_entry {
  waiter* owner = nullptr;
  channels::channel_core* channel = nullptr;
  void* data = nullptr;  // send: T* to move from; recv: std::optional<T>* to fill
  int index = 0;         // the slot value that selects this entry (its guard index)
  op_kind kind = op_kind::recv;
  bool linked = false;   // guarded by the channel's lock
  /// The number its channel gave the message this entry sent or received (trace.hpp): written
  /// with the value, by whoever moves it (I2).
  std::uint64_t seq = 0;
  wait_entry* prev = nullptr;
  wait_entry* next = nullptr;
};

struct waiter {
  static constexpr int open = -1;     // undecided
  static constexpr int aborted = -2;  // the owner gave up (timeout, or a guard became ready)
  static constexpr int aborted_by_run = -3;  // the run shut down (failure or deadlock)

  /// The selection slot. open -> index of the fired guard, or -> aborted. acq_rel CAS: the
  /// winner's later writes are ordered after every loser's reads of `open`.
  std::atomic<int> slot{open};
  /// Set by the decider (release) after the transfer; read by the owner (acquire).
  std::atomic<bool> done{false};
  status result = status::ok;        // outcome of the fired entry, see I2
  process_state* proc = nullptr;     // the owner
  bool counted = false;              // an untimed wait, counted by the deadlock detector
  std::span<wait_entry> entries;     // for the deadlock report
  const group* joining = nullptr;    // for a process waiting for its sub-network to end
  std::uint64_t remote_id = 0;       // a remote port's name for this episode (detail/remote.hpp)
  /// --csp-trace (trace.hpp), owner only: when the operation began, which the next wait() takes
  /// as its start (and clears), and when the last wait() returned; zero where not known.
  clock::time_point began{}, woke{};

  // model/alt.pml: claim (one atomic step there, one CAS here)
  bool claim(int index) noexcept {
    int expected = open;
    return slot.compare_exchange_strong(expected, index, std::memory_order_acq_rel,
                                        std::memory_order_acquire);
  }
  bool abort() noexcept { return claim(aborted); }
};

/// How one process blocks; provided by its backend, one per process, outliving every wait.
/// model/alt.pml: wait. The model parks with the single statement `done[self]`, for every
/// backend: what lets it stand for them is that each parker keeps the contract below.
class parker {
 public:
  virtual ~parker() = default;
  /// Blocks until `w.done`, or until `deadline` (when not null) has passed. Returns w.done.
  /// May return early only when `w.done` is true or the deadline passed.
  virtual bool park(waiter& w, const clock::time_point* deadline) = 0;
  /// Sets `w.done` (release) and makes the owner runnable. Touches `w` no more after that.
  virtual void unpark(waiter& w) = 0;
};

/// Step 3 of the protocol, for a decider that has claimed `w` and finished the transfer.
void complete(waiter& w, status result) noexcept;

}  // namespace csp::detail
