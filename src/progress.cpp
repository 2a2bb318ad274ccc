// --csp-progress: progress.hpp says what the line shows and when.
#include <csp/detail/progress.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <channels/channel_core.hpp>
#include <csp/detail/backend.hpp>

namespace csp::detail {
namespace {

constexpr std::chrono::milliseconds tick{250};

}  // namespace

// Reads counters that the run's processes keep changing, each atomically: a glance, not a
// snapshot, which is all a status line needs.
progress_sample sample_of(const runtime& rt) {
  progress_sample s;
  for (const group* g : rt.groups()) {
    for (const auto& c : g->channels) s.messages += c->delivered();
    for (const auto& p : g->processes) {
      if (p->blocked_on.load(std::memory_order_relaxed) != nullptr) ++s.blocked;
    }
  }
  s.live = rt.live();
  return s;
}

std::string progress_text(const std::string& network, std::uint64_t messages, double per_second, long blocked,
                          long live, clock::duration elapsed) {
  return fmt::format("csp: '{}' {} message{} ({:.0f}/s), {} of {} process{} blocked, {:.1f} s", network, messages,
                     messages == 1 ? "" : "s", per_second, blocked, live, live == 1 ? "" : "es",
                     std::chrono::duration<double>(elapsed).count());
}

bool backend::on_a_terminal() const noexcept { return isatty(STDERR_FILENO) != 0; }

progress_line::progress_line(const runtime& rt, std::string network, bool on, const backend& b)
    : rt_(rt), backend_(b), network_(std::move(network)), start_(clock::now()), last_at_(start_) {
  if (!on || !b.on_a_terminal()) return;
  ticker_ = std::thread([this] { loop(); });
}

progress_line::~progress_line() { stop(); }

void progress_line::stop() noexcept {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_one();
  ticker_.join();
}

void progress_line::loop() {
  std::unique_lock lk(mu_);
  while (!stop_cv_.wait_for(lk, tick, [this] { return stopping_; })) update(false);
  update(true);
}

// \r and "erase to the end of the line" (ESC [ K) rewrite the line in place.
void progress_line::update(bool final) {
  const clock::time_point now = clock::now();
  progress_sample s = sample_of(rt_);
  const progress_sample there = backend_.progress_elsewhere();
  s.messages += there.messages;
  s.blocked += there.blocked;
  s.live += there.live;
  const double seconds = std::chrono::duration<double>(now - last_at_).count();
  const double rate =
      final ? static_cast<double>(s.messages) / std::max(1e-9, std::chrono::duration<double>(now - start_).count())
            : static_cast<double>(s.messages - last_messages_) / std::max(1e-9, seconds);
  last_messages_ = s.messages;
  last_at_ = now;
  const std::string text = progress_text(network_, s.messages, rate, s.blocked, s.live, now - start_);
  std::fprintf(stderr, "\r%s\x1b[K%s", text.c_str(), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace csp::detail
