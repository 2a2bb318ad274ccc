// What a running network is made of: one `runtime` per top-level run(), one `group` per
// network run inside it (the top-level network and every sub-network run from a process), one
// `process_state` per process.
//
// The deadlock count
//   runtime::active_ counts processes that are neither ended nor in an untimed wait. A process
//   entering an untimed wait calls blocked() (active_ - 1); its decider calls unblocked()
//   (active_ + 1) before completing it, hence before the decider itself can block or end
//   (waiter.hpp, I5). An ending process calls ended() (live_ - 1, then active_ - 1). So when a
//   decrement takes active_ to 0, no process is running, ready, deciding, or on a timer: if any
//   process is still live, they are all in untimed waits that nobody can complete, which is a
//   deadlock. The process that made the count 0 writes the report and aborts the run, counting
//   itself as running meanwhile (deadlock_found): otherwise a process the abort wakes could
//   end, take the count to 0 a second time and report again while the waiters it would read
//   are being freed. model/alt.pml (scenario 5) found that; it checks that every detection
//   happens when nothing can run, and that every deadlock is detected.
//   This assumes that only processes of this run touch its channels (DESIGN.md section 2:
//   "none waits on the outside world"); a thread outside the run that talks to its channels is
//   not counted, and the detector can fire while that thread could still help.
//
// Lifetimes: process_states and groups live until run() returns; channels live as long as a
// network or an end refers to them. Deciders may touch a process_state after `done` (I4).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <csp/detail/spinlock.hpp>
#include <csp/detail/task.hpp>
#include <csp/detail/waiter.hpp>

namespace csp::channels {
class channel_core;
}

namespace csp::detail {

class runtime;
struct group;
class tracer;

/// A channel end a process was given at spawn: for the wait-for graph and poison propagation.
struct end_ref {
  std::shared_ptr<channels::channel_core> channel;
  op_kind side;  // recv: a reader end, send: a writer end
};

struct process_state {
  std::string name;
  task body;                 // the process, with its arguments bound; run once
  runtime* rt = nullptr;     // null for a thread outside any run
  group* grp = nullptr;
  parker* park = nullptr;    // set by the backend before the process starts
  std::vector<end_ref> ends;
  bool propagate_poison = false;

  /// The untimed wait the process is parked in, for the deadlock report. Written by the owner
  /// (release) before runtime::blocked(); read by the detector (acquire) when nothing runs.
  std::atomic<waiter*> blocked_on{nullptr};

  /// The timed wait the process is in, so that an abort can end it (a timed wait is not woken
  /// by poisoning channels when it waits on none). Guarded by timed_lock.
  spinlock timed_lock;
  waiter* timed_wait = nullptr;

  /// --csp-stats (stats.hpp): kept only while the runtime observes, by the process itself.
  struct timing {
    clock::time_point start{}, end{};  // start stays zero for a process that never ran here
    clock::duration waited{};          // parked, in all
    clock::duration in_alts{};         // of which in an alt (several guards)
  };
  timing times{};
};

/// One network run: its processes, channels, first error and the waiter that joins it.
struct group {
  std::string name;
  group* parent = nullptr;  // the group of the process that ran this one; null at top level
  std::vector<std::shared_ptr<channels::channel_core>> channels;
  std::vector<std::unique_ptr<process_state>> processes;
  std::atomic<std::size_t> remaining{0};  // processes not yet ended
  waiter join;                            // the joiner's wait; decided by the last process
  std::mutex mu;                          // guards first_error, failed_process
  std::exception_ptr first_error;
  std::atomic<bool> aborted{false};
};

class backend;

class runtime {
 public:
  explicit runtime(backend& b) : backend_(b) {}

  backend& get_backend() noexcept { return backend_; }

  /// Takes `g` (it lives as long as the runtime) and adds its processes to the counts; call
  /// before any of them starts.
  group& admit(std::unique_ptr<group> g);
  /// The calling process enters an untimed wait (I5). May detect a deadlock and abort.
  void blocked(process_state& self) {
    if (add_active(-1) == 0) deadlock_found(self);
  }
  /// A decider is about to complete a counted waiter.
  void unblocked() noexcept { add_active(1); }
  /// Declares that every process of this runtime runs on the calling thread (the fiber
  /// backend with one thread): the counts then need no atomic read-modify-write.
  void set_exclusive() noexcept { exclusive_ = true; }
  /// A backend that can complete waits from outside the run (the mpi backend, whose other
  /// ranks decide some channels) counts as one running process from hold() to release(), so
  /// the local count never reaches 0 and the backend detects deadlock itself.
  void hold() noexcept { add_active(1); }
  void release() noexcept { add_active(-1); }
  /// --csp-stats: processes time their lives and waits (stats.hpp). Set before any process
  /// starts, never changed after; off, it costs each wait and each process one test.
  void observe() noexcept {
    observing_ = true;
    watched_ = true;
  }
  bool observing() const noexcept { return observing_; }
  /// --csp-trace: processes record what they do into `t` (trace.hpp), which outlives the run.
  /// Set before any process starts, never changed after.
  void trace_into(tracer& t) noexcept {
    tracer_ = &t;
    watched_ = true;
  }
  tracer* tracing() const noexcept { return tracer_; }
  /// Whether waits and lives are timed: observing() or tracing(). The one test a wait makes.
  bool watched() const noexcept { return watched_; }
  /// Processes started and not yet ended, right now (--csp-progress).
  long live() const noexcept { return live_.load(std::memory_order_relaxed); }
  /// Processes neither ended nor in an untimed wait, right now (a hint: parkers use it to
  /// decide whether spinning can pay off).
  long running() const noexcept { return active_.load(std::memory_order_relaxed); }
  /// The calling process has ended; decides its group's join when it is the last.
  void ended(process_state& self);

  /// Records `error` as the group's failure (the first one wins) and aborts the group.
  void fail(group& g, std::exception_ptr error);
  /// Poisons every channel of `g` and every channel its processes hold an end of, ends the
  /// timed waits of its processes, and does the same to every sub-network run inside it.
  void abort(group& g);

  /// Every group admitted so far, the top-level one first.
  std::vector<group*> groups() const;


 private:
  void on_deadlock(process_state& detector);
  /// Reports and aborts, counting the detector as running meanwhile (model/alt.pml:
  /// deadlock_found): the processes the abort wakes cannot take the count to 0 again and start
  /// a second report while this one still reads their waiters.
  void deadlock_found(process_state& detector) {
    add_active(1);
    on_deadlock(detector);
    add_active(-1);
  }
  long add_active(long delta) noexcept {
    if (exclusive_) {
      const long n = active_.load(std::memory_order_relaxed) + delta;
      active_.store(n, std::memory_order_relaxed);
      return n;
    }
    return active_.fetch_add(delta, std::memory_order_acq_rel) + delta;
  }

  backend& backend_;
  // active_: see "The deadlock count" above. Its RMWs are acq_rel so that the process that
  // takes it to 0 sees every other process's blocked_on (each stored before its decrement).
  // With exclusive_, all processes share one thread and plain loads and stores are enough.
  std::atomic<long> active_{0};
  std::atomic<long> live_{0};
  bool exclusive_ = false;  // set before any process starts, never changed after
  bool observing_ = false;  // likewise, as are tracer_ and watched_
  bool watched_ = false;
  tracer* tracer_ = nullptr;
  mutable std::mutex mu_;  // guards groups_
  std::vector<std::unique_ptr<group>> groups_;  // the top-level group first
};

/// The process running on the calling thread or fiber, or a per-thread stand-in (no runtime)
/// for threads outside any run. Not inline: a fiber may move between threads, and the address
/// of a thread_local must be computed anew after every park.
process_state& current() noexcept;
void set_current(process_state* p) noexcept;

/// Called just before a csp::poisoned is thrown to the current process: a process that
/// propagates poison poisons its ends now, while they are still its own (its by-value ends
/// retire as the exception unwinds them, which downstream would take for end-of-stream).
void poisoned_here() noexcept;

/// Parks the current process in `w` (all of whose entries are enabled) until decided and
/// completed, or until `deadline`. Returns false only when the deadline won (slot -> aborted).
bool wait(waiter& w, const clock::time_point* deadline);

}  // namespace csp::detail
