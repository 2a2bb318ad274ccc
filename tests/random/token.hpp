// The value every random network carries: a tag (channel, writer, sequence number) kept in a
// heap box of its own.
//
// The box is the point. A value the library drops without destroying (a buffer not freed at
// poison or retire, a guard's value stranded in a pending alt) is a leak LeakSanitizer reports,
// and it also keeps token::live() above zero once the network is gone, which the checks assert
// in every build. A value used after it was freed is a heap use-after-free AddressSanitizer
// reports. A moved-from token is empty and counts for nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace csp_random {

/// Who sent a value, where, and which one: (writer, seq) is unique per writer; seq grows by one
/// per value the writer sent, over all its channels.
struct tag {
  std::uint32_t channel;
  std::uint32_t writer;
  std::uint32_t seq;
};

class token {
 public:
  token() noexcept = default;
  explicit token(tag t) : box_(std::make_unique<tag>(t)) { live_.fetch_add(1, std::memory_order_relaxed); }
  token(token&&) noexcept = default;
  token& operator=(token&& o) noexcept {
    if (this != &o) {
      release();
      box_ = std::move(o.box_);
    }
    return *this;
  }
  ~token() { release(); }

  explicit operator bool() const noexcept { return box_ != nullptr; }
  const tag& get() const noexcept { return *box_; }

  /// Tokens alive now, in the whole program (tests run one network at a time).
  static long live() noexcept { return live_.load(std::memory_order_relaxed); }

 private:
  void release() noexcept {
    if (box_) {
      box_.reset();
      live_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  std::unique_ptr<tag> box_;
  // relaxed: a count, read only after run() returned and the network was destroyed, which
  // orders every process's increments and decrements before the read.
  static inline std::atomic<long> live_{0};
};

}  // namespace csp_random
