// Channel ends: what processes hold. A `reader<T>` receives, a `writer<T>` sends.
//
// An end is a counted membership of its channel (any-to-any: a channel has any number of each):
// making an end (channel::reader(), channel::writer(), or copying an end) joins; retire() or
// destroying an end that has not retired leaves. When the last writer leaves, readers drain
// the buffer and then see end-of-stream; when the last reader leaves, writers get
// csp::retired (DESIGN.md section 2). Moving an end moves the membership.
//
//   void square(csp::reader<int> in, csp::writer<int> out) {
//     for (int v : in) out.send(v * v);   // ends at end-of-stream
//     out.retire();
//   }
#pragma once

#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <channels/channel_core.hpp>
#include <csp/detail/operate.hpp>
#include <csp/errors.hpp>
#include <csp/status.hpp>

namespace csp {

/// What a channel can carry: a value type that can be moved without throwing (a channel moves
/// values while holding its lock, where an exception could not be undone).
template <class T>
concept message = std::is_object_v<T> && !std::is_const_v<T> && std::move_constructible<T> &&
                  std::is_nothrow_move_constructible_v<T>;

namespace detail {

/// What reader<T> and writer<T> share: the channel, the side, and whether this end retired.
template <op_kind Side>
class end_base {
 public:
  end_base() noexcept = default;
  explicit end_base(std::shared_ptr<channels::channel_core> c) : core_(std::move(c)) {
    core_->join(Side);
  }
  end_base(const end_base& o) : core_(o.core_), retired_(o.retired_) {
    if (core_ && !retired_) core_->join(Side);
  }
  end_base(end_base&& o) noexcept
      : core_(std::move(o.core_)), retired_(std::exchange(o.retired_, false)) {}
  end_base& operator=(end_base o) noexcept {
    std::swap(core_, o.core_);
    std::swap(retired_, o.retired_);
    return *this;
  }
  ~end_base() {
    if (core_ && !retired_) core_->leave(Side);
  }

  /// Leaves the channel gracefully (see the top of this file). Idempotent.
  void retire() noexcept {
    if (core_ && !retired_) {
      retired_ = true;
      core_->leave(Side);
    }
  }
  /// Poisons the whole channel: every pending and later operation on it, through any end,
  /// throws csp::poisoned. Buffered values are discarded.
  void poison() noexcept {
    if (core_) core_->poison();
  }
  bool is_retired() const noexcept { return retired_; }
  /// False for a default-constructed or moved-from end.
  explicit operator bool() const noexcept { return core_ != nullptr; }
  /// The channel's name (for messages); empty for an empty end.
  const std::string& channel_name() const noexcept {
    static const std::string none;
    return core_ ? core_->name() : none;
  }
  /// For the runtime and tools: the channel itself.
  const std::shared_ptr<channels::channel_core>& core() const noexcept { return core_; }

  /// The channel, after checking that this end can still be used (for `verb`); throws
  /// csp::retired for a retired end and csp::network_error for an empty one. Used by alt.
  channels::channel_core& usable(const char* verb) const {
    if (!core_) {
      throw network_error(std::string(verb) + " on an empty channel end (default-constructed or moved-from)");
    }
    if (retired_) throw retired(core_->name(), retired::npos, "this end has already retired");
    return *core_;
  }

 protected:
  [[noreturn]] void raise(status s) const {
    if (s == status::poisoned) {
      detail::poisoned_here();
      throw poisoned(core_->name());
    }
    throw retired(core_->name());
  }

 private:
  std::shared_ptr<channels::channel_core> core_;
  bool retired_ = false;
};

}  // namespace detail

template <message T>
class reader : public detail::end_base<detail::op_kind::recv> {
 public:
  using value_type = T;
  using end_base::end_base;

  /// Receives one value, waiting for a writer if there is none.
  /// Throws csp::retired at end-of-stream, csp::poisoned if the channel is poisoned.
  T recv() {
    std::optional<T> v;
    if (status s = receive(v); s != status::ok) raise(s);
    return std::move(*v);
  }

  /// Receives a value into `out` only if one is available now. Returns ok, would_block,
  /// retired (end-of-stream, or this end has retired) or poisoned; `out` is assigned only on
  /// ok. Throws csp::network_error on an empty end.
  status try_recv(T& out) {
    if (is_retired()) return status::retired;
    std::optional<T> v;
    detail::wait_entry e{.data = &v, .kind = detail::op_kind::recv};
    const status s = detail::try_operate(usable("try_recv"), e);
    if (s == status::ok) out = std::move(*v);
    return s;
  }

  /// Range-for over the values until end-of-stream: `for (T v : in) ...`. Throws csp::poisoned.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(reader* r) : r_(r) { ++*this; }
    T& operator*() { return *value_; }
    iterator& operator++() {
      value_.reset();
      if (status s = r_->receive(value_); s != status::ok) {
        if (s == status::poisoned) r_->raise(s);
        r_ = nullptr;
      }
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const noexcept { return r_ == nullptr; }

   private:
    reader* r_ = nullptr;
    std::optional<T> value_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  status receive(std::optional<T>& v) {
    detail::wait_entry e{.data = &v, .kind = detail::op_kind::recv};
    return detail::operate(usable("recv"), e);
  }
};

template <message T>
class writer : public detail::end_base<detail::op_kind::send> {
 public:
  using value_type = T;
  using end_base::end_base;

  /// Sends `value`, waiting until a reader has taken it (rendezvous) or there is room (bounded).
  /// Throws csp::retired if every reader has retired, csp::poisoned if the channel is poisoned.
  void send(T value) {
    detail::wait_entry e{.data = &value, .kind = detail::op_kind::send};
    if (status s = detail::operate(usable("send"), e); s != status::ok) raise(s);
  }

  /// Sends `value` only if that needs no waiting. On anything but ok the value is left with
  /// the caller, untouched: `if (out.try_send(std::move(v)) != csp::status::ok) keep(v);`
  status try_send(T&& value) {
    if (is_retired()) return status::retired;
    detail::wait_entry e{.data = &value, .kind = detail::op_kind::send};
    return detail::try_operate(usable("try_send"), e);
  }
  status try_send(const T& value) {
    T copy(value);
    return try_send(std::move(copy));
  }
};

}  // namespace csp
