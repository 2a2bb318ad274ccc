// The alt engine: one select over guards, exactly one of which fires.
//
// Protocol (two-phase, after crossbeam's select; vocabulary after JCSP's enable/disable):
//   Phase 1  try each enabled guard in order from `start`: skip fires; a timeout whose deadline
//            passed fires; a channel guard fires if attempt() completes it at once (ok, or
//            retired/poisoned). We are linked nowhere, so no one else can decide us.
//   Phase 2  reset our waiter (slot = open) and enable() each channel guard in the same order.
//            enable() links the entry, or reports that the guard became ready meanwhile. Then:
//            - nothing ready: park (until the earliest timeout deadline, if any);
//            - a guard ready: abort our own slot (open -> aborted). If that succeeds no one
//              decided us: disable everything and go back to phase 1. If it fails, a partner
//              claimed one of our linked entries: wait for its completion.
//   Phase 3  disable() every enabled entry (the claimed one is already unlinked, C2).
//
// Why exactly one guard fires and its communication happens exactly once:
//   - In phase 1 the engine itself completes at most one attempt and returns at once.
//   - In phase 2 every decision goes through one CAS on our slot (I1). The party whose CAS
//     wins either is us (abort: no guard fired, we retry) or a decider that claimed entry i;
//     only that decider moves a value through entry i (R1, F1, F2), and only for entry i,
//     since every other claim on our slot fails. A timeout fires only through the same CAS
//     (wait() aborts the slot when the deadline passes; if that CAS fails a guard won).
//   - A partner that lost a claim on us moves nothing through our entries (C3), and after
//     phase 3 no channel refers to them (I3), so a later partner cannot reach them.
// Why no wake is lost: an entry is linked under its channel's lock; a partner arriving later
// sees it and claims it (C4, F1, F2); a partner that arrived earlier made enable() report
// ready, and we go back to phase 1, where attempt() meets it directly.
// Liveness caveat (as in crossbeam): two alts that keep finding each other ready can both
// abort and retry; each retry makes progress unless the interleaving repeats exactly.
#include <csp/alt.hpp>

#include <algorithm>
#include <limits>
#include <random>

#include <csp/detail/runtime.hpp>
#include <csp/detail/trace.hpp>

namespace csp::detail {

std::size_t random_start(std::size_t n) noexcept {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return static_cast<std::size_t>(rng()) % n;
}

namespace {

void disable_all(std::span<guard_desc> guards, std::span<wait_entry> entries,
                 std::size_t start, std::size_t enabled) {
  const std::size_t n = guards.size();
  for (std::size_t k = 0; k < enabled; ++k) {
    const std::size_t i = (start + k) % n;
    if (guards[i].enabled && guards[i].kind == guard_kind::channel) guards[i].chan->disable(entries[i]);
  }
}

// model/alt.pml: alt_select. The model has channel guards only (skip and timeout end phase 1
// or the wait without touching any channel: a timeout is the owner's own abort CAS, the same
// step as phase 2's abort), and a waiter per process reset at each select instead of one on
// the stack; it asserts I3 before every reset, so a stale entry would fail there.
fired select_guards(waiter& w, std::span<guard_desc> guards, std::span<wait_entry> entries, std::size_t start) {
  const std::size_t n = guards.size();
  w.entries = entries;
  bool any = false;
  std::size_t timeout_guard = n;
  for (std::size_t i = 0; i < n; ++i) {
    entries[i].owner = &w;
    entries[i].channel = guards[i].chan;
    entries[i].index = static_cast<int>(i);
    if (!guards[i].enabled) continue;
    any = true;
    if (guards[i].kind == guard_kind::timeout &&
        (timeout_guard == n || guards[i].deadline < guards[timeout_guard].deadline)) {
      timeout_guard = i;
    }
  }
  if (!any) {
    throw csp::error("select: every guard is disabled by its precondition, so none could ever fire");
  }
  w.counted = timeout_guard == n;

  for (;;) {
    // Phase 1
    const clock::time_point now = timeout_guard < n ? clock::now() : clock::time_point{};
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      const guard_desc& g = guards[i];
      if (!g.enabled) continue;
      switch (g.kind) {
        case guard_kind::skip:
          return {i, status::ok};
        case guard_kind::timeout:
          if (now >= g.deadline) return {i, status::ok};
          break;
        case guard_kind::channel:
          if (g.chan->remote() != nullptr) break;  // decided elsewhere: known only by enabling
          if (status s = g.chan->attempt(entries[i], false); s != status::would_block) return {i, s};
          break;
      }
    }
    // Phase 2
    w.slot.store(waiter::open, std::memory_order_relaxed);
    w.done.store(false, std::memory_order_relaxed);
    w.result = status::ok;
    w.remote_id = 0;  // a remote port names each episode anew (detail/remote.hpp)
    std::size_t enabled = 0;
    bool ready = false;
    while (enabled < n && !ready) {
      const std::size_t i = (start + enabled) % n;
      ++enabled;
      if (guards[i].enabled && guards[i].kind == guard_kind::channel) {
        channels::channel_core& c = *guards[i].chan;
        ready = c.remote() == nullptr ? c.enable(entries[i]) : c.remote()->enable(entries[i]);
      }
    }
    if (ready) {
      if (w.abort()) {
        disable_all(guards, entries, start, enabled);
        continue;
      }
      wait(w, nullptr);  // a partner decided us while we were enabling
    } else if (!wait(w, timeout_guard < n ? &guards[timeout_guard].deadline : nullptr)) {
      disable_all(guards, entries, start, enabled);
      return {timeout_guard, status::ok};
    }
    // Phase 3
    disable_all(guards, entries, start, enabled);
    // A remote decider that claimed us but lost its partner (detail/remote.hpp, R2): nothing
    // fired, so select again.
    if (w.result == status::would_block) continue;
    const int slot = w.slot.load(std::memory_order_acquire);
    if (slot == waiter::aborted_by_run) return {std::numeric_limits<std::size_t>::max(), status::poisoned};
    return {static_cast<std::size_t>(slot), w.result};
  }
}

}  // namespace

// The select, and what --csp-trace records of it: the message of the guard that fired.
fired select_engine(std::span<guard_desc> guards, std::span<wait_entry> entries, std::size_t start) {
  waiter w;
  w.proc = &current();
  tracer* const traced = tracing(*w.proc);  // null unless --csp-trace
  if (traced != nullptr) w.began = clock::now();
  const clock::time_point began = w.began;  // wait() clears w.began
  const fired f = select_guards(w, guards, entries, start);
  if (traced != nullptr && f.result == status::ok && f.index < guards.size() &&
      guards[f.index].kind == guard_kind::channel) {
    // The message may have moved after the last wait (a select that went round again), so
    // its receiving end is now, not w.woke.
    traced->communicated(*w.proc, entries[f.index], began, {});
  }
  return f;
}

void raise_guard(const fired& f, std::span<const guard_desc> guards) {
  if (f.index >= guards.size()) throw poisoned("(the run is shutting down)");
  const std::string& name = guards[f.index].chan->name();
  if (f.result == status::poisoned) {
    poisoned_here();
    throw poisoned(name, f.index);
  }
  throw retired(name, f.index);
}

}  // namespace csp::detail
