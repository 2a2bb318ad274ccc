#include <backends/tbb/parker.hpp>

namespace csp::tbb {

bool parker::park(detail::waiter& w, const detail::clock::time_point* deadline) {
  if (!w.done.load(std::memory_order_acquire)) {
    sanitizer::to_dispatcher();
    ::tbb::task::suspend([&](::tbb::task::suspend_point sp) {
      // On the worker, after the owner's stack was switched out (T1).
      std::unique_lock lk(lock_);
      if (w.done.load(std::memory_order_acquire)) {  // T2: the decider came first
        lk.unlock();
        ::tbb::task::resume(sp);
        return;
      }
      waiting_ = sp;
      ++episode_;
      if (deadline != nullptr) timers_.add(*this, episode_, *deadline);
    });
    sanitizer::enter(sanitizer_fiber_, this);
    detail::set_current(owner_);  // T4
    if (deadline != nullptr) timers_.remove(*this);
  }
  const bool done = w.done.load(std::memory_order_acquire);
  // What the decider did before setting done; it may have come after the timer resumed us.
  sanitizer::acquire(this);
  return done;
}

void parker::unpark(detail::waiter& w) {
  ::tbb::task::suspend_point sp;
  sanitizer::release(this);
  {
    std::lock_guard lk(lock_);
    sp = waiting_;
    waiting_ = nullptr;
    w.done.store(true, std::memory_order_release);  // T2; `w` is not touched after this
  }
  if (sp != nullptr) ::tbb::task::resume(sp);
}

void parker::expire(std::uint64_t episode) {
  sanitizer::release(this);
  ::tbb::task::suspend_point sp = nullptr;
  {
    std::lock_guard lk(lock_);
    if (episode_ == episode) {  // T3: still the park that registered
      sp = waiting_;
      waiting_ = nullptr;
    }
  }
  if (sp != nullptr) ::tbb::task::resume(sp);
}

void timers::start() {
  stop_ = false;
  thread_ = std::thread([this] { serve(); });
}

void timers::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    changed_.notify_one();
  }
  thread_.join();
}

void timers::add(parker& p, std::uint64_t episode, detail::clock::time_point deadline) {
  std::lock_guard lk(mu_);
  p.timer_pos_ = queue_.emplace(deadline, entry{&p, episode});
  p.registered_ = true;
  // Notified under mu_: stop() takes mu_ after this, so the condition variable outlives it.
  if (p.timer_pos_ == queue_.begin()) changed_.notify_one();
}

void timers::remove(parker& p) {
  std::lock_guard lk(mu_);
  if (!p.registered_) return;
  queue_.erase(p.timer_pos_);
  p.registered_ = false;
}

void timers::serve() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      changed_.wait(lk);
      continue;
    }
    auto first = queue_.begin();
    // A copy: while this thread waits, the entry may be removed (wait_until keeps a reference).
    const detail::clock::time_point deadline = first->first;
    if (detail::clock::now() < deadline) {
      changed_.wait_until(lk, deadline);
      continue;
    }
    entry e = first->second;
    queue_.erase(first);
    e.owner->registered_ = false;
    lk.unlock();
    e.owner->expire(e.episode);  // never with mu_ held: lock order (parker.hpp)
    lk.lock();
  }
}

}  // namespace csp::tbb
