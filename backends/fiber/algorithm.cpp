#include <backends/fiber/algorithm.hpp>

#include <algorithm>
#include <unordered_map>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>

#include <boost/context/stack_traits.hpp>
#endif

namespace csp::fiber {

namespace bf = boost::fibers;

policy::policy(std::shared_ptr<pool> shared) : pool_(std::move(shared)) {
  if (pool_) {
    const auto i = static_cast<std::size_t>(pool_->next_queue.fetch_add(1));
    mine_ = &pool_->queues.at(i);
  }
}

void policy::awakened(bf::context* ctx) noexcept {
  if (ctx->is_context(bf::type::dispatcher_context)) {
    dispatcher_ = ctx;
    dispatcher_seen_ = ctx;
    return;
  }
  if (!pool_ || ctx->is_context(bf::type::pinned_context)) {
    ctx->ready_link(local_);
    return;
  }
  ctx->detach();
  std::size_t queued;
  {
    std::lock_guard lk(mine_->mu);
    mine_->ready.push_back(ctx);
    queued = mine_->ready.size();
    mine_->size.store(queued, std::memory_order_release);
  }
  if (queued > 1) wake_a_sleeper();  // work for a second CPU
}

void policy::wake_a_sleeper() noexcept {
  std::lock_guard lk(pool_->mu);
  if (pool_->wakeups < pool_->sleepers) {  // S3
    ++pool_->wakeups;
    pool_->wake.notify_one();
  }
}

bf::context* policy::steal() noexcept {
  const std::size_t n = pool_->queues.size();
  const std::size_t self = static_cast<std::size_t>(mine_ - pool_->queues.data());
  for (std::size_t k = 1; k < n; ++k) {
    worker_queue& victim = pool_->queues[(self + k) % n];
    if (victim.size.load(std::memory_order_relaxed) < 2) continue;
    std::lock_guard lk(victim.mu);
    if (victim.ready.size() >= 2) {
      bf::context* ctx = victim.ready.back();
      victim.ready.pop_back();
      victim.size.store(victim.ready.size(), std::memory_order_relaxed);
      return ctx;
    }
  }
  return nullptr;
}

bool policy::surplus_somewhere() const noexcept {
  for (const worker_queue& q : pool_->queues) {
    if (q.size.load(std::memory_order_relaxed) >= 2) return true;
  }
  return false;
}

#if defined(__SANITIZE_THREAD__)
extern "C" {
void* __tsan_get_current_fiber();
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_func_entry(void* pc);
void __tsan_func_exit();
}

namespace {

// ThreadSanitizer's fiber of each context (created when a context is first switched to; a
// thread's main context keeps the thread's own).
std::mutex tsan_mu;
std::unordered_map<bf::context*, void*> tsan_fibers;

void* tsan_fiber(bf::context* ctx, bool running) {
  std::lock_guard lk(tsan_mu);
  auto [it, fresh] = tsan_fibers.try_emplace(ctx, nullptr);
  if (fresh) it->second = running ? __tsan_get_current_fiber() : __tsan_create_fiber(0);
  return it->second;
}

void* tsan_forget(bf::context* ctx) {
  std::lock_guard lk(tsan_mu);
  auto it = tsan_fibers.find(ctx);
  if (it == tsan_fibers.end()) return nullptr;
  void* f = it->second;
  tsan_fibers.erase(it);
  return f;
}

// At thread exit Boost's scheduler returns from its dispatcher to the thread's main context
// without pick_next(); this guard, made before the scheduler (so destroyed after it), tells
// the sanitizer, and forgets the main context (its address will be reused).
struct tsan_thread_guard {
  void* main_fiber = __tsan_get_current_fiber();
  ~tsan_thread_guard() {
    __tsan_switch_to_fiber(main_fiber, 0);
    std::lock_guard lk(tsan_mu);
    std::erase_if(tsan_fibers, [this](const auto& kv) { return kv.second == main_fiber; });
  }
};

}  // namespace

void prepare_thread() noexcept { thread_local tsan_thread_guard guard; }

bf::context* policy::pick_next() noexcept {
  bf::context* next = choose();
  bf::context* self = bf::context::active();
  const bool self_is_dispatcher = self->is_context(bf::type::dispatcher_context);
  if (next == nullptr && self_is_dispatcher) return next;  // no switch: the dispatcher sleeps
  // Where Boost goes next: `next`, or its dispatcher when there is none.
  if (tsan_dispatcher_ == nullptr) {
    tsan_dispatcher_ = self_is_dispatcher ? __tsan_get_current_fiber() : __tsan_create_fiber(0);
  }
  void* to = next == nullptr || next->is_context(bf::type::dispatcher_context)
                 ? tsan_dispatcher_
                 : tsan_fiber(next, false);
  if (!self_is_dispatcher) tsan_fiber(self, true);
  void* finished = self->terminated_is_linked() ? tsan_forget(self) : nullptr;
  // Pop this function's frame from the old context's shadow stack, switch, and push one on
  // the new context's, which this function's own exit pops.
  __tsan_func_exit();
  __tsan_switch_to_fiber(to, 0);
  __tsan_func_entry(__builtin_return_address(0));
  if (finished != nullptr) __tsan_destroy_fiber(finished);
  return next;
}

#elif defined(__SANITIZE_ADDRESS__)

namespace {

// AddressSanitizer's view of the stack each context runs on. Boost.Context (make_worker_context,
// make_dispatcher_context) places a context's control block at the top of its stack, which
// grows down from there: the context's address is its stack's top. The main context runs on
// the thread's stack, whose bounds AddressSanitizer reports at the first switch away from it.
std::atomic<std::size_t> worker_stack_size{0};
thread_local const void* main_bottom = nullptr;
thread_local std::size_t main_size = 0;

struct stack_bounds {
  const void* bottom;
  std::size_t size;
};

stack_bounds bounds_of(bf::context* ctx) noexcept {
  if (ctx->is_context(bf::type::main_context)) return {main_bottom, main_size};
  const std::size_t whole = ctx->is_context(bf::type::dispatcher_context)
                                ? boost::context::stack_traits::default_size()
                                : worker_stack_size.load(std::memory_order_relaxed);
  // Boost rounds the block's place down by up to 255 bytes and the block takes some room:
  // what is left below it is at least this much, and that is all the sanitizer needs.
  const std::size_t size = whole - sizeof(bf::context) - 256;
  return {static_cast<const char*>(static_cast<const void*>(ctx)) - size, size};
}

// At thread exit Boost's scheduler returns from its dispatcher to the main context without
// pick_next(); this guard, made before the scheduler (so destroyed after it), tells the
// sanitizer, which then clears the right stack when the thread ends.
struct asan_thread_guard {
  ~asan_thread_guard() {
    if (main_size == 0) return;  // never switched away from main
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, main_bottom, main_size);
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
  }
};

}  // namespace

void prepare_thread() noexcept { thread_local asan_thread_guard guard; }
void set_stack_size(std::size_t bytes) noexcept {
  worker_stack_size.store(bytes, std::memory_order_relaxed);
}

bf::context* policy::pick_next() noexcept {
  bf::context* next = choose();
  bf::context* self = bf::context::active();
  if (self->is_context(bf::type::dispatcher_context)) dispatcher_seen_ = self;
  if (next == nullptr && self == dispatcher_seen_) return next;  // no switch: it sleeps
  // Where Boost goes next: `next`, or its dispatcher when there is none.
  bf::context* to = next != nullptr ? next : dispatcher_seen_;
  if (to == nullptr || to == self) return next;
  // Tell the sanitizer the stack Boost is about to switch to. Both calls are made here, on
  // the old stack, a few frames before the switch itself: in between, Boost runs no code that
  // asks the sanitizer about the current stack (only a throw does, through
  // __asan_handle_no_return, which then clears the right stack instead of refusing to).
  const stack_bounds b = bounds_of(to);
  void* fake_stack = nullptr;
  const void* old_bottom = nullptr;
  std::size_t old_size = 0;
  __sanitizer_start_switch_fiber(&fake_stack, b.bottom, b.size);
  __sanitizer_finish_switch_fiber(fake_stack, &old_bottom, &old_size);
  if (self->is_context(bf::type::main_context)) {
    main_bottom = old_bottom;
    main_size = old_size;
  }
  return next;
}

#else

void prepare_thread() noexcept {}
bf::context* policy::pick_next() noexcept { return choose(); }

#endif

bf::context* policy::choose() noexcept {
  if (dispatcher_ != nullptr &&
      (++picks_ % dispatcher_period == 0 ||
       (pool_ && notified_.load(std::memory_order_relaxed)))) {
    notified_.store(false, std::memory_order_relaxed);
    return std::exchange(dispatcher_, nullptr);
  }
  if (pool_) {
    bf::context* ctx = nullptr;
    {
      std::lock_guard lk(mine_->mu);
      if (!mine_->ready.empty()) {
        ctx = mine_->ready.front();
        mine_->ready.pop_front();
        mine_->size.store(mine_->ready.size(), std::memory_order_relaxed);
      }
    }
    if (ctx == nullptr) ctx = steal();
    if (ctx != nullptr) {
      bf::context::active()->attach(ctx);
      return ctx;
    }
  }
  if (!local_.empty()) {
    bf::context* ctx = &local_.front();
    local_.pop_front();
    return ctx;
  }
  return std::exchange(dispatcher_, nullptr);
}

bool policy::has_ready_fibers() const noexcept {
  if (!local_.empty() || dispatcher_ != nullptr) return true;
  if (!pool_) return false;
  std::lock_guard lk(mine_->mu);
  return !mine_->ready.empty();
}

void policy::suspend_until(std::chrono::steady_clock::time_point const& when) noexcept {
  const bool forever = when == std::chrono::steady_clock::time_point::max();
  if (!pool_) {
    std::unique_lock lk(solo_mu_);
    auto woken = [this] { return solo_notified_; };
    if (forever) {
      solo_wake_.wait(lk, woken);
    } else {
      solo_wake_.wait_until(lk, when, woken);
    }
    solo_notified_ = false;
    return;
  }
  const auto spin_until = std::chrono::steady_clock::now() + idle_spin;
  for (int i = 0; std::chrono::steady_clock::now() < std::min(spin_until, when); ++i) {
    for (int k = 0; k < 64; ++k) {
      if (notified_.load(std::memory_order_acquire) || surplus_somewhere()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  std::unique_lock lk(pool_->mu);
  sleeping_.store(true, std::memory_order_seq_cst);
  auto woken = [this] { return notified_.load(std::memory_order_seq_cst) || pool_->wakeups > 0; };
  ++pool_->sleepers;
  if (forever) {
    pool_->wake.wait(lk, woken);
  } else {
    pool_->wake.wait_until(lk, when, woken);
  }
  --pool_->sleepers;
  sleeping_.store(false, std::memory_order_relaxed);
  if (!notified_.load(std::memory_order_relaxed) && pool_->wakeups > 0) --pool_->wakeups;
  if (pool_->wakeups > pool_->sleepers) pool_->wakeups = pool_->sleepers;  // S3 after a timeout
}

void policy::notify() noexcept {
  if (!pool_) {
    std::lock_guard lk(solo_mu_);
    solo_notified_ = true;
    solo_wake_.notify_all();
    return;
  }
  notified_.store(true, std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst)) {
    std::lock_guard lk(pool_->mu);  // the sleeper checks notified_ under it: no lost wake
    pool_->wake.notify_all();
  }
}

}  // namespace csp::fiber
