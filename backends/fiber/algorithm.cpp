#include <backends/fiber/algorithm.hpp>

namespace csp::fiber {

namespace bf = boost::fibers;

void sharing::awakened(bf::context* ctx) noexcept {
  if (ctx->is_context(bf::type::pinned_context)) {
    ctx->ready_link(local_);
    return;
  }
  ctx->detach();
  std::lock_guard lk(pool_->mu);
  pool_->ready.push_back(ctx);
  if (pool_->sleepers > 0) pool_->wake.notify_one();  // S2
}

bf::context* sharing::pick_next() noexcept {
  bf::context* ctx = nullptr;
  {
    std::lock_guard lk(pool_->mu);
    if (!pool_->ready.empty()) {
      ctx = pool_->ready.front();
      pool_->ready.pop_front();
    }
  }
  if (ctx != nullptr) {
    bf::context::active()->attach(ctx);
    return ctx;
  }
  if (!local_.empty()) {
    ctx = &local_.front();
    local_.pop_front();
  }
  return ctx;
}

bool sharing::has_ready_fibers() const noexcept {
  if (!local_.empty()) return true;
  std::lock_guard lk(pool_->mu);
  return !pool_->ready.empty();
}

void sharing::suspend_until(std::chrono::steady_clock::time_point const& when) noexcept {
  std::unique_lock lk(pool_->mu);
  auto woken = [this] { return notified_ || !pool_->ready.empty(); };
  ++pool_->sleepers;
  if (when == std::chrono::steady_clock::time_point::max()) {
    pool_->wake.wait(lk, woken);
  } else {
    pool_->wake.wait_until(lk, when, woken);
  }
  --pool_->sleepers;
  notified_ = false;
}

void sharing::notify() noexcept {
  std::lock_guard lk(pool_->mu);
  notified_ = true;
  pool_->wake.notify_all();
}

}  // namespace csp::fiber
