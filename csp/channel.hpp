// Channel flavors and the channel handle a network hands out.
//
//   auto numbers = net.channel<int>("numbers");                      // rendezvous
//   auto squares = net.channel<int>("squares", csp::buffered(64));   // bounded FIFO
//   net.spawn("square", square, numbers.reader(), squares.writer());
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <channels/bounded.hpp>
#include <channels/overwriting.hpp>
#include <channels/rendezvous.hpp>
#include <channels/unbounded.hpp>
#include <csp/codec.hpp>
#include <csp/ends.hpp>
#include <csp/errors.hpp>

namespace csp {

/// How a channel holds values between writers and readers (DESIGN.md section 2).
struct flavor {
  enum class kind { rendezvous, bounded, unbounded, overwriting };
  kind k = kind::rendezvous;
  std::size_t capacity = 0;
};

/// No buffer: a send completes when a reader has taken the value. The default.
constexpr flavor rendezvous() noexcept { return {flavor::kind::rendezvous, 0}; }
/// Bounded FIFO of `n` values; writers wait when it is full. buffered(0) is rendezvous().
constexpr flavor buffered(std::size_t n) noexcept {
  return n == 0 ? rendezvous() : flavor{flavor::kind::bounded, n};
}
/// Unbounded FIFO; writers never wait.
constexpr flavor unbounded() noexcept { return {flavor::kind::unbounded, 0}; }
/// Keeps the newest `n` values, dropping the oldest; writers never wait. n must be >= 1.
constexpr flavor overwriting(std::size_t n) noexcept { return {flavor::kind::overwriting, n}; }

/// A handle on one channel. Cheap to copy; every copy names the same channel. Ends made from
/// it join the channel: make exactly the ends the processes need (see ends.hpp).
template <message T>
class channel {
 public:
  /// A new reader end (joins the channel's readers).
  ::csp::reader<T> reader() const { return ::csp::reader<T>(core_); }
  /// A new writer end (joins the channel's writers).
  ::csp::writer<T> writer() const { return ::csp::writer<T>(core_); }
  /// Poisons the channel (see end_base::poison).
  void poison() const noexcept { core_->poison(); }
  const std::string& name() const noexcept { return core_->name(); }
  const std::shared_ptr<channels::channel_core>& core() const noexcept { return core_; }

  /// Makes a channel outside any network (a network's channel<T>() is usually what you want).
  static channel make(std::string name, flavor f) {
    channel made = make_core(std::move(name), f);
    made.core_->set_codec(detail::value_codec_for<T>());
    return made;
  }

 private:
  explicit channel(std::shared_ptr<channels::channel_core> c) : core_(std::move(c)) {}

  static channel make_core(std::string name, flavor f) {
    switch (f.k) {
      case flavor::kind::rendezvous:
        return channel(std::make_shared<channels::rendezvous<T>>(std::move(name)));
      case flavor::kind::bounded:
        return channel(channels::make_bounded<T>(std::move(name), f.capacity));
      case flavor::kind::unbounded:
        return channel(channels::make_unbounded<T>(std::move(name)));
      case flavor::kind::overwriting:
        if (f.capacity == 0) {
          throw network_error("channel '" + name + "': overwriting(0) keeps no value; use overwriting(n) with n >= 1");
        }
        return channel(channels::make_overwriting<T>(std::move(name), f.capacity));
    }
    throw network_error("channel '" + name + "': unknown flavor");
  }

  std::shared_ptr<channels::channel_core> core_;
};

}  // namespace csp
