// The buffered flavors' common body: a FIFO of values between writers and readers. What
// happens when the buffer is full is the flavor's one parameter (bounded.hpp, unbounded.hpp,
// overwriting.hpp):
//   block      the writer waits for room             (bounded FIFO)
//   grow       the buffer grows; writers never wait  (unbounded FIFO)
//   overwrite  the oldest value is dropped           (overwriting: keeps the newest N)
//
// Invariants, in addition to channel_core's C1-C6 (all under lock_):
//   F1  Receivers are linked with an open slot only while the buffer is empty: a sender
//       hands its value straight to such a receiver instead of buffering it. Hence values are
//       delivered in the order they entered the channel, and FIFO order per writer holds.
//   F2  Senders are linked with an open slot only while the buffer is full (policy block). A
//       reader that takes a value moves the first such sender's value into the freed place,
//       in the same critical section, before completing that sender.
//   F3  When the last writer retires, the buffered values stay: readers drain them, then see
//       end-of-stream. poison() discards them.
// model/alt.pml covers the rendezvous flavor only; F1-F3 are checked by tests/random (FIFO per
// writer, nothing lost or duplicated, with and without faults) and tests/stress.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

#include <channels/channel_core.hpp>

namespace csp::channels {

template <class T>
class fifo final : public channel_core {
 public:
  fifo(std::string name, std::string flavor, std::size_t capacity, when_full policy)
      : channel_core(std::move(name), std::move(flavor), type_name_of(typeid(T).name())),
        capacity_(capacity),
        policy_(policy) {}

  status attempt(wait_entry& e, bool enlist) noexcept override {
    wait_entry* partner = nullptr;
    status result;
    {
      std::lock_guard lk(lock_);
      result = e.kind == op_kind::recv ? receive(e, partner) : send(e, partner);
      if (result == status::would_block && enlist) link(e);
    }
    if (partner != nullptr) detail::complete(*partner->owner, status::ok);
    return result;
  }

  bool enable(wait_entry& e) noexcept override {
    std::lock_guard lk(lock_);
    bool ready;
    if (e.kind == op_kind::recv) {
      ready = !buffer_.empty() || closed_status(e, false) != status::would_block;
    } else {
      ready = closed_status(e, false) != status::would_block || !full() ||
              has_partner(receivers_, e.owner);
    }
    if (!ready) link(e);
    return ready;
  }

 private:
  buffer_shape shape() const noexcept override { return {capacity_, policy_}; }

  bool full() const noexcept { return policy_ == when_full::block && buffer_.size() >= capacity_; }

  // Caller holds lock_. `partner`: a waiter claimed here, to complete after unlocking.
  status receive(wait_entry& e, wait_entry*& partner) noexcept {
    if (poisoned_) return status::poisoned;
    if (buffer_.empty()) return closed_status(e, false);
    static_cast<std::optional<T>*>(e.data)->emplace(std::move(buffer_.front()));
    buffer_.pop_front();
    // C7: every value before the front was delivered or dropped, and none after it.
    e.seq = count_message() + dropped_;
    if ((partner = claim_partner(senders_, e.owner)) != nullptr) {  // F2
      buffer_.push_back(std::move(*static_cast<T*>(partner->data)));
      partner->seq = ++entered_;
    }
    return status::ok;
  }

  status send(wait_entry& e, wait_entry*& partner) noexcept {
    if (status s = closed_status(e, false); s != status::would_block) return s;
    T& value = *static_cast<T*>(e.data);
    if ((partner = claim_partner(receivers_, e.owner)) != nullptr) {  // F1
      static_cast<std::optional<T>*>(partner->data)->emplace(std::move(value));
      count_message();
      e.seq = partner->seq = ++entered_;
      return status::ok;
    }
    if (full()) return status::would_block;
    if (policy_ == when_full::overwrite && buffer_.size() >= capacity_) {
      buffer_.pop_front();
      ++dropped_;
    }
    buffer_.push_back(std::move(value));
    e.seq = ++entered_;
    return status::ok;
  }

  void discard_buffer() noexcept override { buffer_.clear(); }
  bool has_buffered() const noexcept override { return !buffer_.empty(); }

  std::deque<T> buffer_;
  std::uint64_t entered_ = 0;  // C7: values that entered (the last one's number)
  std::uint64_t dropped_ = 0;  // values an overwriting buffer dropped
  std::size_t capacity_;
  when_full policy_;
};

}  // namespace csp::channels
