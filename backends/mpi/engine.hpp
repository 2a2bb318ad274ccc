// One rank's part of an mpi run: the progress engine, the homes of the cross-rank channels
// placed here (channel_server), the ports through which this rank's processes use cross-rank
// channels (port), and the waiters those processes park in (the registry).
//
// Invariants (README.md beside this file has the protocol and the argument):
//   E1  Everything here runs on the rank's one thread: process fibers call ports (which may
//       call a server of this rank directly), the engine fiber calls handlers and servers. No
//       code here suspends, so none of it runs interleaved with another part: no locks.
//   E2  A waiter is in the registry from the port's first post of an episode until its owner
//       disables it (an alt) or a final completion (a single operation). A claim or completion
//       for an id not in the registry is stale and is declined or dropped.
//   E3  A server has at most one claim in flight to another rank; it decides nothing else on
//       that channel until the reply comes, so values leave a buffer in order and an offer is
//       never matched twice.
//   E4  Every message on the run's communicator is counted by sender and receiver; the run
//       ends only after every rank has received all that was sent to it (finish()).
//   E5  A rank is passive when every process of it is ended or in an untimed wait, no
//       message to itself is queued, no batch is unsent and no record waits for its detached
//       value (E7): only a data message (is_data) can make it active again.
//       Rank 0 declares a global deadlock only after two waves of probes in a row found every
//       rank passive with the same data-message counts, sent equal to received in total, and
//       some process alive. Every rank's counts were then constant over an interval holding
//       the start of the second wave, so at that instant no data message was in flight and no
//       rank could become active: nothing anywhere can move (README.md, "Global deadlock").
//   E6  Records to another rank are batched: each rank's batch goes out as one MPI message at
//       the start of the engine's next pass, or at once while the engine naps. The engine's
//       pass follows every fiber made ready before it, so a completion and the offer its
//       woken process makes next travel together. Batches to one rank leave in order and MPI
//       does not reorder them, so records between two ranks arrive in the order sent. E4
//       counts batches and detached values (E7); E5 counts data records.
//   E7  A value held whole (value_bytes::hold: a committed send's T of detach_at bytes or more,
//       in place) goes to another rank detached: its record carries only its length, and its
//       bytes are the very next message to that rank, sent from the T's storage after the
//       record's batch. The receiver posts the receive of that message, into a T made for it,
//       as it reads the record, and handles that record, and every later one from the same
//       rank, only once the value is in (inbound_): to the protocol a detached value is part of
//       its record, as an inline one is, and records from one rank are handled in the order
//       sent. Nothing waits in MPI meanwhile. A held T lives until the last send reading it
//       completes.
#pragma once

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <backends/mpi/protocol.hpp>
#include <backends/mpi/watchdog.hpp>
#include <channels/channel_core.hpp>
#include <csp/detail/progress.hpp>
#include <csp/detail/remote.hpp>
#include <csp/detail/runtime.hpp>

namespace csp::mpi {

class engine;

/// A send's value: encoded bytes, its own or borrowed from the batch being handled (a remote
/// offer, which the home copies only if the offer outlives the handler: keep()); or the value
/// held whole (hold), a T too large to copy, which travels detached (E7). A rendezvous with a
/// receiver already waiting thus decodes straight from the receive buffer, or moves the T.
class value_bytes {
 public:
  value_bytes() = default;
  explicit value_bytes(std::vector<std::byte> own) : owned_(std::move(own)), view_(owned_) {}
  static value_bytes borrow(std::span<const std::byte> bytes) {
    value_bytes v;
    v.view_ = bytes;
    return v;
  }
  /// Holds `object`, a T made by codec.in_place (adopted from a sender, or received into).
  static value_bytes hold(const detail::value_codec& codec, std::shared_ptr<void> object) {
    value_bytes v;
    v.codec_ = &codec;
    v.object_ = std::move(object);
    return v;
  }
  // A moved vector keeps its storage, so the view stays valid; a copy would not, hence none.
  value_bytes(value_bytes&& o) noexcept
      : owned_(std::move(o.owned_)), view_(std::exchange(o.view_, {})), codec_(o.codec_), object_(std::move(o.object_)) {}
  value_bytes& operator=(value_bytes&& o) noexcept {
    owned_ = std::move(o.owned_);
    view_ = std::exchange(o.view_, {});
    codec_ = o.codec_;
    object_ = std::move(o.object_);
    return *this;
  }
  value_bytes(const value_bytes&) = delete;
  value_bytes& operator=(const value_bytes&) = delete;

  bool held() const noexcept { return object_ != nullptr; }
  /// A held value's T, shared with the sends that read its bytes until they complete.
  const std::shared_ptr<void>& object() const noexcept { return object_; }
  /// A held value's bytes, in its T's storage.
  std::span<const std::byte> raw() const { return codec_->in_place->bytes(object_.get()); }
  /// Appends the value's encoding to out.
  void encode(std::vector<std::byte>& out) const {
    if (held()) {
      codec_->encode(object_.get(), out);
    } else {
      out.insert(out.end(), view_.begin(), view_.end());
    }
  }
  /// Puts the value into a receive's std::optional<T> (`slot`, of the channel whose codec is
  /// `codec`): decoded, or a held T moved there, or copied while a send still reads it.
  void deliver(const detail::value_codec& codec, void* slot) {
    if (held()) {
      codec.in_place->settle(object_.get(), slot, object_.use_count() == 1);
    } else {
      codec.decode(view_, slot);
    }
  }
  /// Copies borrowed bytes into storage of its own.
  void keep() {
    if (view_.empty() || view_.data() == owned_.data()) return;
    owned_.assign(view_.begin(), view_.end());
    view_ = owned_;
  }

 private:
  std::vector<std::byte> owned_;
  std::span<const std::byte> view_;
  const detail::value_codec* codec_ = nullptr;
  std::shared_ptr<void> object_;
};

/// Held values' Ts that nothing holds any more, kept to receive the next detached values of
/// their type into (E7): the memory a rank sent a value from is what it receives the next one
/// into, as a raw MPI program reuses its buffer, with no allocation, zero-fill or page faults.
/// The deleters of the Ts it hands out share it, so it lives as long as the last of them.
class object_pool : public std::enable_shared_from_this<object_pool> {
 public:
  object_pool() { kept_.reserve(most); }  // so that put() never allocates
  object_pool(const object_pool&) = delete;
  object_pool& operator=(const object_pool&) = delete;
  ~object_pool();

  /// Holds `object`, a T made by codec.in_place: it comes back here when let go.
  value_bytes hold(const detail::value_codec& codec, void* object);
  /// A held T of `size` bytes, contents unspecified: one kept here, resized, or a new one.
  value_bytes make(const detail::value_codec& codec, std::size_t size);

 private:
  static constexpr std::size_t most = 2;  // Ts kept: one per direction of a pingpong
  void put(const detail::value_codec::in_place_ops* ops, void* object) noexcept;
  std::vector<std::pair<const detail::value_codec::in_place_ops*, void*>> kept_;
};

/// An operation posted to a channel's home: a send or receive, single or an alt's guard.
struct offer {
  int rank = 0;
  std::uint64_t owner = 0;
  std::uint32_t guard = 0;
  detail::op_kind kind = detail::op_kind::recv;
  std::uint8_t flags = 0;
  value_bytes value{};  // a send's value, encoded

  bool committed() const noexcept { return (flags & (flag::committed | flag::try_only)) != 0; }
  bool try_only() const noexcept { return (flags & flag::try_only) != 0; }
  bool same_owner(const offer& o) const noexcept { return rank == o.rank && owner == o.owner; }
};

/// The home of one cross-rank channel: its buffer, its end counts, and the offers waiting on
/// it. Decides every operation on the channel (README.md, "The home").
class channel_server {
 public:
  channel_server(engine& eng, std::uint32_t id, const channels::channel_core& core);

  /// The codec of the channel's values.
  const detail::value_codec& codec() const noexcept { return codec_; }
  /// Values this home has delivered to readers (for --csp-graph's message counts).
  std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }

  void on_offer(offer o);
  void on_withdraw(int rank, std::uint64_t owner, std::uint32_t guard, detail::op_kind kind);
  void on_join(detail::op_kind side);
  void on_leave(detail::op_kind side);
  void on_poison();
  void on_claim_reply(std::uint64_t match, bool yes);

 private:
  /// A decision that needs claims: which offers, and which claim is next (README.md, "The
  /// home"). At most one exists at a time; its claims to other ranks wait for their replies.
  struct decision {
    enum what {
      accept,   // a sender's value into the buffer: claim the sender
      deliver,  // the buffer's first value to a receiver: claim the receiver
      meet,     // a rendezvous: claim `first`, then the other, in the order of their owners
    } kind;
    offer sender{};
    offer receiver{};
    int claimed = 0;           // meet: how many of its claims won (see advance)
    std::uint64_t match = 0;   // the claim in flight, 0 if none
    std::uint64_t seq = 0;     // the number of the message it moves (channel_core.hpp, C7)
  };

  void pump();
  bool step();
  bool buffered() const noexcept { return shape_.capacity > 0 || shape_.policy != channels::when_full::block; }
  bool room() const noexcept {
    return shape_.policy != channels::when_full::block || buffer_.size() < shape_.capacity;
  }
  void store(value_bytes value);
  void fail_all(std::deque<offer>& q, status why);
  /// Claims o's slot: on this rank at once (the result says whether the claim won), on
  /// another by a message whose reply comes to on_claim_reply with `match` (nullopt).
  std::optional<bool> claim(const offer& o, std::uint8_t flags, status result, std::uint64_t match,
                            value_bytes& value, std::uint64_t seq = 0);
  /// Makes the next claim of d, or finishes it; returns with d in flight or decided.
  void advance(decision d);
  /// Goes on with d after its claim in flight was answered.
  void resume(decision d, bool yes);
  bool settle(decision& d, bool yes);

  engine& eng_;
  std::uint32_t id_;
  const detail::value_codec& codec_;
  channels::buffer_shape shape_;
  std::size_t readers_, writers_;
  bool poisoned_ = false;
  std::deque<offer> senders_, receivers_;
  std::deque<value_bytes> buffer_;
  std::optional<decision> flight_;  // E3
  std::uint64_t next_match_ = 1;
  // Written by the engine only, read by --csp-progress's thread too (progress_board).
  std::atomic<std::uint64_t> delivered_{0};
  void count_delivery() noexcept { delivered_.store(delivered_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  std::uint64_t entered_ = 0;  // values that entered the buffer (channel_core.hpp, C7)
  std::uint64_t dropped_ = 0;  // values an overwriting buffer dropped
};

/// How this rank's processes use one cross-rank channel (detail/remote.hpp).
class port final : public detail::remote_port {
 public:
  port(engine& eng, std::uint32_t id, int home) : eng_(eng), id_(id), home_(home) {}

  status attempt(detail::wait_entry& e, bool enlist) override;
  status try_attempt(detail::wait_entry& e) override;
  bool enable(detail::wait_entry& e) override;
  void disable(detail::wait_entry& e) override;
  void join(detail::op_kind side) override;
  void leave(detail::op_kind side) override;
  void poison() override;

 private:
  void post(detail::wait_entry& e, std::uint8_t flags);

  engine& eng_;
  std::uint32_t id_;
  int home_;
};

/// The outcome of a run as rank 0 decides it and every rank reports it.
struct outcome {
  bool ok = true;
  bool deadlock = false;  // not ok: a global deadlock, whose report is `message`
  std::string process{};  // the first process that failed, "" if none
  int rank = -1;          // its rank
  std::string message{};  // its error, or the deadlock report
  std::string graph{};    // a deadlock's wait-for graph (DOT)
};

/// The error run() throws on every rank for an outcome that is not ok:
/// "process 'NAME' failed: rank R: MESSAGE", or csp::deadlock with the report.
std::exception_ptr error_of(const outcome& o);

/// --csp-progress across ranks: what each rank last said of its channels and processes. Every
/// other rank sends rank 0 its progress_sample four times a second and once more before it says
/// it is done; rank 0's engine writes them here, and the live line's thread reads their sum.
/// Rank 0's own entry holds the values delivered by the homes it serves (its processes and
/// local channels the line counts itself). Lives in the backend, so that the line's last update
/// after the run still finds it.
class progress_board {
 public:
  explicit progress_board(int ranks) : samples_(static_cast<std::size_t>(ranks)) {}
  void set(int rank, const detail::progress_sample& s) {
    std::lock_guard lk(mu_);
    if (rank >= 0 && static_cast<std::size_t>(rank) < samples_.size()) samples_[static_cast<std::size_t>(rank)] = s;
  }
  detail::progress_sample total() const {
    std::lock_guard lk(mu_);
    detail::progress_sample t;
    for (const auto& s : samples_) {
      t.messages += s.messages;
      t.blocked += s.blocked;
      t.live += s.live;
    }
    return t;
  }

 private:
  mutable std::mutex mu_;
  std::vector<detail::progress_sample> samples_;
};

class engine {
 public:
  engine(MPI_Comm comm, detail::runtime& rt, detail::group& top);
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine() { uninstall(); }

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  /// Heeds `dog`'s verdict on lost ranks (null: no watchdog).
  void watch(const watchdog* dog) noexcept { dog_ = dog; }
  /// --csp-progress: rank 0 keeps `board` up to date; any other rank sends it its samples.
  void show_progress(progress_board* board) noexcept { board_ = board; }
  /// Whether rank 0's finish came: the run ended everywhere, with the same outcome.
  bool finished() const noexcept { return finished_; }
  /// The rank found lost, or -1 (README.md, "A rank that dies").
  int lost() const noexcept { return lost_; }

  /// Makes this rank the home of channel `id` (call on the home rank only).
  void add_server(std::uint32_t id, const channels::channel_core& c);
  /// Installs a port in `c` for the run. Removed by uninstall() or the destructor, whichever
  /// comes first (the channels outlive the engine).
  void install_port(std::uint32_t id, channels::channel_core& c, int home);
  void uninstall();

  // Registry (E2).
  std::uint64_t enroll(detail::waiter& w);
  void drop(std::uint64_t id) { waiters_.erase(id); }

  // What ports and servers do. A record for another rank waits in that rank's batch until the
  // engine's next pass (E6); one for this rank is handled on that pass.
  void send(int to, const header& h, std::span<const std::byte> payload = {}) { send_with(to, h, payload_of(payload)); }
  /// send() with the payload that `fill(out)` appends to the batch: a value encoded in place.
  /// With `held`, the record's value follows it detached (E7).
  template <class Fill>
  void send_with(int to, const header& h, Fill&& fill, const value_bytes* held = nullptr) {
    if (to == lost_) return;
    if (to == rank_) {
      std::vector<std::byte> record;
      append(record, h, fill);
      to_self_.push_back(std::move(record));
      return;
    }
    const auto r = static_cast<std::size_t>(to);
    if (outbox_[r].size() > max_batch / 2) flush();
    std::vector<std::byte>& batch = outbox_[r];
    if (batch.empty()) dirty_.push_back(to);
    append(batch, h, fill);
    if (held != nullptr) detached_[r].push_back({held->object(), held->raw()});
    if (is_data(h.type)) ++data_sent_;
    if (napping_) flush();
  }
  /// Sends record h with `value`: encoded into the batch, or detached when it is held (E7).
  void send_value(int to, header h, const value_bytes& value);
  /// The Ts of held values (E7).
  object_pool& pool() noexcept { return *pool_; }
  channel_server* server(std::uint32_t id) noexcept;
  /// Claims the slot of waiter `owner` of this rank for `guard`; when `final`, also delivers
  /// `value` (a receive with result ok) and completes it with `result`. True if the claim won.
  bool claim_here(std::uint64_t owner, std::uint32_t guard, status result, value_bytes& value, bool final,
                  std::uint64_t seq = 0);
  /// Completes waiter `owner` of this rank (a single operation, or one claimed earlier). `seq`:
  /// the number of the message it sent or received, for the trace (channel_core.hpp, C7).
  void complete_here(std::uint64_t owner, status result, value_bytes& value, bool committed, std::uint64_t seq = 0);
  /// complete_here on `rank`, by message when it is another.
  void complete(const offer& o, status result, value_bytes& value, std::uint64_t seq = 0);
  void complete(const offer& o, status result, std::uint64_t seq = 0) {
    value_bytes none;
    complete(o, result, none, seq);
  }

  /// The engine fiber's body: moves messages until the run is over everywhere, sleeping when
  /// there is nothing to do. `live_fibers` is how many process fibers of this rank still run.
  void serve(const std::size_t& live_fibers);
  const outcome& result() const noexcept { return outcome_; }

 private:
  bool poll();
  /// Sends every rank's batch (E6).
  void flush();
  /// The receive buffer, at least `size` bytes (its contents are garbage).
  std::span<std::byte> receive_buffer(std::size_t size);
  /// A record from `from`, read from its batch: handled now, or queued behind a detached
  /// value of its rank's that is still coming (E7).
  void take(int from, const header& h, std::span<const std::byte> payload);
  /// Handles the queued records whose values are in; true if it handled any.
  bool take_arrived();
  /// `arrived`: the record's detached value, received (E7).
  void handle(int from, const header& h, std::span<const std::byte> payload, value_bytes* arrived = nullptr);
  /// The value of record h: its payload, or its detached value, which has arrived.
  static value_bytes value_of(const header& h, std::span<const std::byte> payload, value_bytes* arrived);
  /// The codec of the channel of waiter `owner`'s entry `guard`, null if the waiter is gone.
  const detail::value_codec* codec_of(std::uint64_t owner, std::uint32_t guard) const;
  void control(int from, const header& h, std::span<const std::byte> payload);
  void report_local_failure();
  void drain();
  // Global deadlock detection (E5).
  bool passive() const noexcept;
  std::vector<std::byte> counts() const;
  void start_wave();
  void on_probe_reply(int from, const header& h, std::span<const std::byte> payload);
  void on_report_reply(int from, std::span<const std::byte> payload);
  std::vector<std::byte> describe_blocked() const;
  void found_deadlock(std::string report, std::string graph);
  void lose(int rank);

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  detail::runtime& rt_;
  detail::group& top_;
  std::unordered_map<std::uint64_t, detail::waiter*> waiters_;
  std::uint64_t next_waiter_ = 1;
  std::unordered_map<std::uint32_t, std::unique_ptr<channel_server>> servers_;
  std::vector<std::pair<channels::channel_core*, std::unique_ptr<port>>> ports_;

  struct pending_send {
    std::vector<std::byte> bytes;
    MPI_Request request;
    std::shared_ptr<void> held{};  // a detached value's T, which the send reads (E7)
  };
  struct detached_value {
    std::shared_ptr<void> object;
    std::span<const std::byte> bytes;
  };
  std::deque<pending_send> sends_;
  std::vector<std::vector<std::byte>> outbox_;  // E6: each rank's batch, not sent yet
  std::vector<std::vector<detached_value>> detached_;  // E7: each to follow its rank's batch
  // E7: the records from a rank waiting for a detached value of theirs, in the order sent.
  struct inbound_record {
    header h{};
    std::vector<std::byte> payload{};
    MPI_Request request = MPI_REQUEST_NULL;  // the detached value's receive, while it runs
    value_bytes value{};                     // what it receives into
    std::vector<std::byte> dropped{};        // or into this, for a receiver that is gone
  };
  std::vector<std::deque<inbound_record>> inbound_;
  std::size_t inbound_count_ = 0;  // records in inbound_
  std::size_t detached_sends_ = 0;  // detached values' sends in sends_
  std::shared_ptr<object_pool> pool_ = std::make_shared<object_pool>();
  std::vector<int> dirty_;                      // the ranks whose batch is not empty
  std::vector<std::vector<std::byte>> spare_;   // sent batches' buffers, for the next ones
  bool napping_ = false;                        // serve() sleeps: a record goes out at once
  std::deque<std::vector<std::byte>> to_self_;  // records to this rank, one per entry
  std::vector<std::uint64_t> sent_to_, received_from_;         // E4
  std::uint64_t data_sent_ = 0, data_received_ = 0;            // E5: to and from other ranks
  // The receive buffer: it only grows, and is never zero-filled (MPI writes it). new[] aligns
  // it for any scalar, so records' payloads are 8-aligned in it (protocol.hpp).
  std::unique_ptr<std::byte[]> inbox_;
  std::size_t inbox_capacity_ = 0;

  bool failure_reported_ = false;  // this rank told rank 0 of its first failure
  bool failure_relayed_ = false;   // (rank 0) the first failure went out to every rank
  bool done_sent_ = false;
  int done_ranks_ = 0;             // (rank 0)
  bool finished_ = false;
  outcome outcome_;

  // (rank 0) The detection's waves: each rank's sample (passive, sent, received, live).
  struct sample {
    bool passive = false;
    std::uint64_t sent = 0, received = 0, live = 0;
    bool operator==(const sample&) const = default;
  };
  std::uint64_t wave_ = 0;    // the wave in flight, or the last one
  int wave_replies_ = 0;      // replies still expected for wave_; 0 when none is in flight
  std::vector<sample> this_wave_, last_wave_;
  std::chrono::steady_clock::time_point next_wave_{};
  std::chrono::microseconds wave_gap_{200};
  int report_replies_ = -1;   // replies still expected to `report`; -1 before a deadlock
  std::vector<std::vector<std::byte>> rank_reports_;  // each rank's blocked processes, encoded
  const std::size_t* live_ = nullptr;  // serve()'s live_fibers

  const watchdog* dog_ = nullptr;
  progress_board* board_ = nullptr;  // --csp-progress (rank 0: the board; others: non-null to send)
  std::chrono::steady_clock::time_point next_progress_{};
  std::uint32_t passes_ = 0;
  /// --csp-progress: this rank's sample (channels' and homes' deliveries, its processes) to
  /// rank 0, or, on rank 0, its homes' deliveries onto the board.
  void send_progress();
  int lost_ = -1;  // a rank found lost: nothing more is sent to it, nothing collective done
};

}  // namespace csp::mpi
