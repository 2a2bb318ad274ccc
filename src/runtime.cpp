// The runtime's bookkeeping: current process, waiting, completing, ending, failing, aborting
// and detecting deadlock. Invariants: csp/detail/waiter.hpp (I1-I5), csp/detail/runtime.hpp
// (the deadlock count).
#include <csp/detail/runtime.hpp>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <backends/thread/parker.hpp>
#include <channels/channel_core.hpp>
#include <csp/detail/backend.hpp>
#include <csp/detail/gpu.hpp>
#include <csp/parallel.hpp>
#include <csp/detail/report.hpp>
#include <csp/detail/trace.hpp>
#include <csp/errors.hpp>

namespace csp::detail {
namespace {

// initial-exec: one instruction to reach, where the default model of a -fPIC library would
// call __tls_get_addr on every channel operation.
__attribute__((tls_model("initial-exec"))) thread_local process_state* tls_current = nullptr;

// Stand-in for a thread that is not a process of any run (main(), a user's thread): it can
// use channels, blocking on its own thread, and is not counted by any deadlock detector.
struct outsider {
  csp::thread::parker parker;
  process_state state;
  outsider() {
    state.name = "(thread outside the network)";
    state.park = &parker;
  }
};

}  // namespace

__attribute__((noinline)) process_state& current() noexcept {
  if (process_state* p = tls_current) return *p;
  thread_local outsider self;
  return self.state;
}

__attribute__((noinline)) void set_current(process_state* p) noexcept { tls_current = p; }

void foreign_thread(const std::string& what) noexcept {
  std::fprintf(stderr,
               "csp: '%s' belongs to a fiber run on one thread and was used from another thread; "
               "use --csp-threads=2 or more, or the thread backend, to share channels with "
               "threads outside the run\n",
               what.c_str());
  std::abort();
}

// model/alt.pml: complete
void complete(waiter& w, status result) noexcept {
  w.result = result;
  process_state& owner = *w.proc;  // read before unpark: `w` may be gone after it (I4)
  if (w.counted && owner.rt != nullptr) owner.rt->unblocked();
  owner.park->unpark(w);
}

namespace {

// Parks the current process in `w`: wait(), below, without the timing.
// model/alt.pml: wait (the untimed branch; timed waits are not counted, so the model leaves
// them out)
bool park_in(waiter& w, const clock::time_point* deadline) {
  process_state& self = *w.proc;
  if (deadline == nullptr) {
    if (w.counted && self.rt != nullptr) {
      self.blocked_on.store(&w, std::memory_order_release);
      self.rt->blocked(self);
    }
    self.park->park(w, nullptr);
    self.blocked_on.store(nullptr, std::memory_order_relaxed);
    return true;
  }
  // A timed wait: register it so that an abort can end it (runtime::abort), then re-check the
  // abort flag so that an abort that ran before the registration is not missed.
  bool aborted_before = false;
  {
    std::lock_guard lk(self.timed_lock);
    self.timed_wait = &w;
    aborted_before = self.grp != nullptr && self.grp->aborted.load(std::memory_order_acquire);
  }
  if (aborted_before && w.claim(waiter::aborted_by_run)) complete(w, status::poisoned);
  bool done = self.park->park(w, deadline);
  if (!done && !w.abort()) {
    self.park->park(w, nullptr);  // decided just as the deadline passed: wait for the transfer
    done = true;
  }
  std::lock_guard lk(self.timed_lock);
  self.timed_wait = nullptr;
  return done;
}

// --csp-stats: the wait `w` of `self` took `d`; a single operation's wait is also the
// channel's (a writer's or a reader's), an alt's is the process's own.
void account(process_state& self, const waiter& w, clock::duration d) noexcept {
  self.times.waited += d;
  if (w.entries.size() == 1 && w.entries[0].channel != nullptr) {  // not sleep_for's lone timeout
    w.entries[0].channel->add_wait(w.entries[0].kind, d);
  } else if (w.entries.size() > 1) {
    self.times.in_alts += d;
  }
}

}  // namespace

bool wait(waiter& w, const clock::time_point* deadline) {
  process_state& self = *w.proc;
  if (self.rt == nullptr || !self.rt->watched()) return park_in(w, deadline);
  const clock::time_point from = w.began != clock::time_point{} ? w.began : clock::now();
  w.began = {};  // a later wait of the same operation (an alt that selects again) starts anew
  const bool done = park_in(w, deadline);
  const clock::time_point to = clock::now();
  w.woke = to;
  if (self.rt->observing()) account(self, w, to - from);
  if (tracer* t = self.rt->tracing()) {
    t->parked(self, w, trace_ns(from), trace_ns(to));
  }
  return done;
}

group& runtime::admit(std::unique_ptr<group> owned) {
  group& g = *owned;
  const auto n = static_cast<long>(g.processes.size());
  g.remaining.store(g.processes.size(), std::memory_order_relaxed);
  for (auto& p : g.processes) {
    p->rt = this;
    p->grp = &g;
  }
  {
    std::lock_guard lk(mu_);
    groups_.push_back(std::move(owned));
  }
  live_.fetch_add(n, std::memory_order_relaxed);
  active_.fetch_add(n, std::memory_order_relaxed);
  // A sub-network started after its network was aborted starts aborted: its processes meet
  // poisoned channels at their first operation.
  if (g.parent != nullptr && g.parent->aborted.load(std::memory_order_acquire)) abort(g);
  return g;
}

// model/alt.pml: ended (the model has no sub-networks, so no join)
void runtime::ended(process_state& self) {
  group& g = *self.grp;
  if (g.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1 && g.join.proc != nullptr &&
      g.join.claim(0)) {
    complete(g.join, status::ok);  // unblocks the joiner before this process stops counting
  }
  // Read live_ after active_ reaches 0, not before: processes ending at the same time must
  // not see each other as live (the count of the last one to decrement active_ decides).
  live_.fetch_sub(1, std::memory_order_acq_rel);
  if (add_active(-1) == 0 && live_.load(std::memory_order_acquire) > 0) deadlock_found(self);
}

void runtime::fail(group& g, std::exception_ptr error) {
  {
    std::lock_guard lk(g.mu);
    if (!g.first_error) g.first_error = std::move(error);
  }
  abort(g);
}

// model/alt.pml: deadlock_found poisons every channel; timed waits and sub-networks, which
// this also ends, are not in the model.
void runtime::abort(group& g) {
  for (auto& c : g.channels) c->poison();
  // A sub-network's processes may wait on channels of the network around it, handed to them
  // as ends: poison those too, so that none of them is left waiting (the failure reaches the
  // outer network anyway, through the parent's run()).
  for (auto& p : g.processes) {
    for (auto& e : p->ends) e.channel->poison();
  }
  // Only now, with every channel poisoned: a process about to start a timed wait sees this
  // flag and ends at once (wait()), and had it been set first, such a process could end and
  // retire its ends while a channel was still unpoisoned, so that a writer there saw
  // csp::retired instead of csp::poisoned. A timed wait registered before this store is ended
  // by the loop below; one registered after it sees the flag.
  g.aborted.store(true, std::memory_order_release);
  for (auto& p : g.processes) {
    std::lock_guard lk(p->timed_lock);
    if (p->timed_wait != nullptr && p->timed_wait->claim(waiter::aborted_by_run)) {
      complete(*p->timed_wait, status::poisoned);
    }
  }
  for (group* child : groups()) {
    if (child->parent == &g && !child->aborted.load(std::memory_order_acquire)) abort(*child);
  }
}

void poisoned_here() noexcept {
  process_state& p = current();
  if (p.propagate_poison) {
    for (auto& e : p.ends) e.channel->poison();
  }
}

void runtime::on_deadlock(process_state&) {
  const std::vector<group*> groups = this->groups();
  // Nothing runs, so every live process sits in a counted wait and its waiter is stable.
  const std::vector<blocked_process> blocked = blocked_processes(groups);
  auto error = std::make_exception_ptr(deadlock(describe_deadlock(blocked), deadlock_dot(blocked)));
  {
    std::lock_guard lk(groups.front()->mu);
    if (!groups.front()->first_error) groups.front()->first_error = std::move(error);
  }
  for (group* g : groups) abort(*g);
}

std::vector<group*> runtime::groups() const {
  std::lock_guard lk(mu_);
  std::vector<group*> out;
  for (auto& g : groups_) out.push_back(g.get());
  return out;
}

void fail_to_start(runtime& rt, group& g, process_state& p, const std::string& why) {
  rt.fail(g, std::make_exception_ptr(process_error(p.name, std::make_exception_ptr(csp::error(why)))));
  p.body = task{};
  rt.ended(p);
}

void execute(process_state& p) noexcept {
  set_current(&p);
  const bool timed = p.rt != nullptr && p.rt->observing();
  if (timed) p.times.start = clock::now();
  if (tracer* t = tracing(p)) t->started(p);
  try {
    try {
      p.body();
    } catch (const csp::poisoned&) {
      if (p.propagate_poison) {
        for (auto& e : p.ends) e.channel->poison();
      }
    } catch (const csp::retired&) {
      // A process may end by letting end-of-stream or a retired partner unwind it.
    }
  } catch (...) {
    p.rt->fail(*p.grp, std::make_exception_ptr(process_error(p.name, std::current_exception())));
  }
  p.body = task{};  // releases what the body did not take: retires the ends it still holds
  if (timed) p.times.end = clock::now();
  if (tracer* t = tracing(p)) t->ended(p);
  set_current(nullptr);
  p.rt->ended(p);
}

void parallel_chunks(std::size_t n, std::size_t grain, void (*chunk)(void*, std::size_t, std::size_t),
                     void* context) {
  runtime* rt = current().rt;
  if (rt == nullptr) {
    if (n > 0) chunk(context, 0, n);
    return;
  }
  rt->get_backend().parallel_chunks(n, grain == 0 ? 1 : grain, chunk, context);
}

const gpu_offer* gpu_here() noexcept {
  runtime* rt = current().rt;
  return rt == nullptr ? nullptr : rt->get_backend().gpu();
}

void gpu_pause() noexcept {
  if (runtime* rt = current().rt) rt->get_backend().pause();
}

void stage_on_host(std::string_view why) {
  const process_state& p = current();
  std::fprintf(stderr, "csp: cuda: stage '%s' runs on the host: %.*s\n", p.name.c_str(),
               static_cast<int>(why.size()), why.data());
}

}  // namespace csp::detail
