// The part of every channel that does not depend on its element type or flavor: the lock, the
// two wait queues, the end counts, retire and poison. Each flavor (rendezvous.hpp, fifo.hpp)
// implements the small guard protocol below; alt (csp/alt.hpp) and the ends (csp/ends.hpp) use
// nothing else.
//
// The guard protocol, for one wait_entry `e` (csp/detail/waiter.hpp):
//   attempt(e, enlist)  complete e now if a partner, a buffer slot, end-of-stream or poison
//                       allows it; otherwise, if `enlist`, link e (same critical section) and
//                       return would_block. Used alone by send/recv and as phase 1 of an alt.
//   enable(e)           phase 2 of an alt: return true if e could complete now (the alt then
//                       aborts its own slot and goes back to phase 1), else link e.
//   disable(e)          phase 3: unlink e if still linked.
//
// Invariants (guarded by lock_)
//   C1  A linked entry's owner is parked or about to park; its `data` is valid until the owner
//       sees `done`.
//   C2  A decider unlinks the entry it claims before it releases lock_ (waiter.hpp, I3).
//   C3  An entry whose claim fails stays linked: its owner is decided elsewhere or is aborting,
//       and will unlink it in disable().
//   C4  Rendezvous: a recv entry and a send entry of *different* owners, both with an open slot,
//       are never both linked after lock_ is released: whoever came second matched the first.
//       (The same owner may have both: an alt with input and output guards on one channel.)
//   C5  No code holds lock_ while taking another channel's lock_, or while parking. Completing
//       a claimed waiter (parker::unpark) happens after lock_ is released.
//   C6  writer_ends_ / reader_ends_ count the ends not yet retired. writer_ends_ == 0 means
//       end-of-stream for readers once the buffer is empty; reader_ends_ == 0 fails writers.
//   C7  Each value that enters the channel gets the next number, 1, 2, 3, ...; whoever moves it
//       writes that number into the writer's and the reader's entries (wait_entry::seq), in
//       the critical section of the move (csp/detail/trace.hpp, "Pairing writer and reader").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include <csp/detail/remote.hpp>
#include <csp/detail/spinlock.hpp>
#include <csp/detail/waiter.hpp>
#include <csp/status.hpp>

namespace csp::channels {

using detail::op_kind;
using detail::wait_entry;

/// What a buffered flavor does when its buffer is full (fifo.hpp).
enum class when_full { block, grow, overwrite };

/// A flavor's buffer, for a backend that keeps it elsewhere (the mpi backend): capacity 0 is
/// a rendezvous.
struct buffer_shape {
  std::size_t capacity;
  when_full policy;
};

/// FIFO of linked wait entries (intrusive, so enabling a guard never allocates).
class entry_queue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  wait_entry* front() const noexcept { return head_; }
  void push_back(wait_entry& e) noexcept {
    e.prev = tail_;
    e.next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = &e;
    tail_ = &e;
  }
  void erase(wait_entry& e) noexcept {
    (e.prev != nullptr ? e.prev->next : head_) = e.next;
    (e.next != nullptr ? e.next->prev : tail_) = e.prev;
    e.prev = e.next = nullptr;
  }

 private:
  wait_entry* head_ = nullptr;
  wait_entry* tail_ = nullptr;
};

/// Waiters claimed inside a critical section, completed after it (C5). Reuses the entries'
/// links, which are free once the entries are unlinked from their queue.
class completion_list {
 public:
  void add(wait_entry& e, status result) noexcept;
  /// Completes every collected waiter. Call with no channel lock held.
  void complete_all() noexcept;

 private:
  wait_entry* head_ = nullptr;
};

class channel_core {
 public:
  channel_core(std::string name, std::string flavor, std::string type)
      : name_(std::move(name)), flavor_(std::move(flavor)), type_(std::move(type)) {}
  channel_core(const channel_core&) = delete;
  channel_core& operator=(const channel_core&) = delete;
  virtual ~channel_core() = default;

  const std::string& name() const noexcept { return name_; }
  /// A number no other channel of this program has (--csp-trace names channels by it).
  std::uint64_t serial() const noexcept { return serial_; }
  /// "rendezvous", "bounded(64)", "unbounded", "overwriting(4)"
  const std::string& flavor() const noexcept { return flavor_; }
  /// The element type, as the compiler spells it.
  const std::string& type() const noexcept { return type_; }

  // Ends. join: a new end of that side. leave: an end of that side retired (or was destroyed
  // without retiring). The last writer to leave ends the stream; the last reader fails writers.
  void join(op_kind side) noexcept;
  void leave(op_kind side) noexcept;
  /// Poisons the channel: every pending and later operation fails with csp::poisoned.
  /// Buffered values are discarded.
  void poison() noexcept;

  // The guard protocol; see the top of this file. While a remote port is installed, callers
  // use the port's instead (detail/remote.hpp): see operate.hpp and src/alt.cpp.
  virtual status attempt(wait_entry& e, bool enlist) noexcept = 0;
  virtual bool enable(wait_entry& e) noexcept = 0;
  void disable(wait_entry& e) noexcept;

  /// The flavor's buffer: {0, block} for a rendezvous.
  virtual buffer_shape shape() const noexcept = 0;

  /// The port that carries this channel between address spaces for the current run, or null
  /// (detail/remote.hpp). Set by the backend before any process starts and cleared after the
  /// last has ended; join, leave, poison and disable go through it meanwhile.
  detail::remote_port* remote() const noexcept { return remote_; }
  void set_remote(detail::remote_port* port) noexcept { remote_ = port; }
  /// The element type's codec, without the type (set by csp::channel<T>::make).
  const detail::value_codec& codec() const noexcept { return codec_; }
  void set_codec(const detail::value_codec& c) noexcept { codec_ = c; }

  /// Snapshot, for checks and reports.
  struct counts {
    std::size_t readers, writers;  // ends not yet retired
    std::size_t reader_joins, writer_joins;  // ends ever created
    std::uint64_t messages;        // values delivered to readers
    bool poisoned;
  };
  counts snapshot() const noexcept;
  /// Values delivered to readers so far, read without the lock (--csp-graph, --csp-stats,
  /// --csp-progress).
  std::uint64_t delivered() const noexcept { return messages_.load(std::memory_order_relaxed); }

  /// --csp-stats: time that writers (send) or readers (recv) spent parked in single
  /// operations on this channel. Added to only while the run observes (stats.hpp).
  void add_wait(op_kind side, detail::clock::duration d) noexcept {
    waited_[side == op_kind::send].fetch_add(static_cast<std::uint64_t>(d.count()), std::memory_order_relaxed);
  }
  detail::clock::duration waited(op_kind side) const noexcept {
    return detail::clock::duration(static_cast<detail::clock::rep>(waited_[side == op_kind::send].load(std::memory_order_relaxed)));
  }

  /// Binds the lock to the calling thread for a single-threaded run, or unbinds it (see
  /// detail::channel_lock).
  void bind_to_this_thread() noexcept { lock_.bind_to_this_thread(); }
  void unbind() noexcept { lock_.unbind(); }

 protected:
  /// model/alt.pml: claim_partner. The model makes the whole critical section one step; the
/// argument that this loses no interleaving is at the model's "Steps" comment.
/// Claims the first linked entry of `q` whose owner is not `self` and whose slot is open.
  /// Unlinks and returns it (C2), or returns null. Caller holds lock_.
  wait_entry* claim_partner(entry_queue& q, const detail::waiter* self) noexcept;
  /// True if `q` has an entry of another owner with an open slot. Caller holds lock_.
  /// model/alt.pml: has_partner
  static bool has_partner(const entry_queue& q, const detail::waiter* self) noexcept;
  /// Links `e` into the queue of its side. Caller holds lock_.
  void link(wait_entry& e) noexcept;
  /// Status of `e` when the channel alone (no partner) decides it: poisoned, retired, or
  /// would_block. Caller holds lock_. `buffered_values` is whether a reader could still drain.
  status closed_status(const wait_entry& e, bool buffered_values) const noexcept;

  /// Flavor hook, called under lock_ when poisoned: drop buffered values.
  virtual void discard_buffer() noexcept {}
  /// Flavor hook, called under lock_: whether values are buffered (readers can still drain).
  virtual bool has_buffered() const noexcept { return false; }

  std::string name_, flavor_, type_;  // before lock_, which refers to name_
  const std::uint64_t serial_ = next_serial();
  static std::uint64_t next_serial() noexcept;
  mutable detail::channel_lock lock_{name_};
  entry_queue receivers_;  // linked recv entries
  entry_queue senders_;    // linked send entries
  std::size_t reader_ends_ = 0, writer_ends_ = 0;
  std::size_t reader_joins_ = 0, writer_joins_ = 0;
  /// Values delivered to readers: written only under lock_ (count_message), read without it
  /// (delivered()).
  std::atomic<std::uint64_t> messages_{0};
  /// Returns the new count.
  std::uint64_t count_message() noexcept {
    const std::uint64_t n = messages_.load(std::memory_order_relaxed) + 1;
    messages_.store(n, std::memory_order_relaxed);
    return n;
  }
  bool poisoned_ = false;
  detail::remote_port* remote_ = nullptr;
  detail::value_codec codec_{};
  std::atomic<std::uint64_t> waited_[2]{};  // add_wait: [0] readers, [1] writers, in clock ticks
};

inline wait_entry* channel_core::claim_partner(entry_queue& q, const detail::waiter* self) noexcept {
  for (wait_entry* e = q.front(); e != nullptr; e = e->next) {
    if (e->owner != self && e->owner->claim(e->index)) {
      q.erase(*e);
      e->linked = false;
      return e;
    }
  }
  return nullptr;
}

inline bool channel_core::has_partner(const entry_queue& q, const detail::waiter* self) noexcept {
  for (const wait_entry* e = q.front(); e != nullptr; e = e->next) {
    if (e->owner != self && e->owner->slot.load(std::memory_order_acquire) == detail::waiter::open) {
      return true;
    }
  }
  return false;
}

inline status channel_core::closed_status(const wait_entry& e, bool buffered_values) const noexcept {
  if (poisoned_) return status::poisoned;
  if (e.kind == op_kind::recv) {
    return writer_ends_ == 0 && !buffered_values ? status::retired : status::would_block;
  }
  return reader_ends_ == 0 ? status::retired : status::would_block;
}

/// The spelling of T in messages: demangled where the compiler allows.
std::string type_name_of(const char* mangled);

}  // namespace csp::channels
