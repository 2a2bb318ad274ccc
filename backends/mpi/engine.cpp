// The mpi backend's channel protocol: ports post, homes decide, owners' ranks claim. The
// protocol and the argument that nothing is lost or done twice are in README.md beside this
// file; the invariants E1-E4 are at the top of engine.hpp.
#include <backends/mpi/engine.hpp>

#include <boost/fiber/operations.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include <csp/codec.hpp>
#include <csp/detail/report.hpp>
#include <csp/errors.hpp>

namespace csp::mpi {

namespace {

constexpr int tag = 7;  // every message of a run; the run has a communicator of its own
constexpr std::chrono::microseconds spin_window{2000};  // engine::serve

std::uint8_t kind_bits(detail::op_kind k) { return k == detail::op_kind::send ? 1 : 0; }
detail::op_kind kind_of(std::uint8_t bits) { return bits ? detail::op_kind::send : detail::op_kind::recv; }

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw csp::error(fmt::format("csp mpi: {} failed: {}", what, std::string(text, static_cast<std::size_t>(len))));
  }
}

std::string text_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const csp::process_error& pe) {
    try {
      pe.rethrow_cause();
    } catch (const std::exception& cause) {
      return cause.what();
    } catch (...) {
      return "an exception that is not a std::exception";
    }
  } catch (const std::exception& other) {
    return other.what();
  } catch (...) {
  }
  return "an exception that is not a std::exception";
}

// A failure on the wire: "process\nrank\nmessage".
std::string failure_text(const outcome& o) { return fmt::format("{}\n{}\n{}", o.process, o.rank, o.message); }

outcome failure_from(const std::string& text) {
  const std::size_t a = text.find('\n');
  const std::size_t b = text.find('\n', a + 1);
  if (a == std::string::npos || b == std::string::npos) throw csp::error("csp mpi: a malformed failure message");
  return {.ok = false, .process = text.substr(0, a), .rank = std::stoi(text.substr(a + 1, b - a - 1)),
          .message = text.substr(b + 1)};
}

}  // namespace

std::exception_ptr error_of(const outcome& o) {
  if (o.deadlock) return std::make_exception_ptr(csp::deadlock(o.message, o.graph));
  if (o.process.empty()) return std::make_exception_ptr(csp::error(o.message));  // a rank lost
  return std::make_exception_ptr(
      csp::process_error(o.process, std::make_exception_ptr(csp::error(fmt::format("rank {}: {}", o.rank, o.message)))));
}

// ---------------------------------------------------------------------------------------
// The home of a channel.

channel_server::channel_server(engine& eng, std::uint32_t id, const channels::channel_core& core)
    : eng_(eng), id_(id), codec_(core.codec()), shape_(core.shape()) {
  const channels::channel_core::counts n = core.snapshot();
  readers_ = n.readers;
  writers_ = n.writers;
}

// model/remote.pml: on_offer
void channel_server::on_offer(offer o) {
  (o.kind == detail::op_kind::send ? senders_ : receivers_).push_back(std::move(o));
  pump();
  // A remote offer's value is borrowed from the batch being handled: an offer that stays
  // keeps a copy.
  for (offer& s : senders_) s.value.keep();
  if (flight_) flight_->sender.value.keep();
}

// model/remote.pml: on_withdraw
void channel_server::on_withdraw(int rank, std::uint64_t owner, std::uint32_t guard, detail::op_kind kind) {
  auto& q = kind == detail::op_kind::send ? senders_ : receivers_;
  std::erase_if(q, [&](const offer& o) { return o.rank == rank && o.owner == owner && o.guard == guard; });
}

void channel_server::on_join(detail::op_kind side) {
  ++(side == detail::op_kind::recv ? readers_ : writers_);
}

// model/remote.pml: on_leave
void channel_server::on_leave(detail::op_kind side) {
  std::size_t& n = side == detail::op_kind::recv ? readers_ : writers_;
  if (n > 0) --n;
  pump();
}

// model/remote.pml: on_poison. The buffer is dropped in step(), once no claim is in flight:
// a claim delivering the buffer's first value may win meanwhile, and settle() then pops it.
void channel_server::on_poison() {
  poisoned_ = true;
  pump();
}

void channel_server::store(value_bytes value) {
  value.keep();
  if (shape_.policy == channels::when_full::overwrite && buffer_.size() >= shape_.capacity) {
    buffer_.pop_front();
    ++dropped_;
  }
  buffer_.push_back(std::move(value));
  ++entered_;
}

// Fires every offer of q with `why` (retired or poisoned). An alt's guard fires only through
// a claim of its slot; its reply is not needed, since the offer goes either way.
// model/remote.pml: fail_all
void channel_server::fail_all(std::deque<offer>& q, status why) {
  std::deque<offer> failing;
  failing.swap(q);
  value_bytes none;
  for (offer& o : failing) {
    if (o.committed()) {
      eng_.complete(o, why);
    } else {
      claim(o, flag::final | flag::no_reply, why, 0, none);
    }
  }
}

// model/remote.pml: claim
std::optional<bool> channel_server::claim(const offer& o, std::uint8_t flags, status result, std::uint64_t match,
                                          value_bytes& value, std::uint64_t seq) {
  if (o.rank == eng_.rank()) return eng_.claim_here(o.owner, o.guard, result, value, (flags & flag::final) != 0, seq);
  eng_.send_value(o.rank,
                  header{.type = msg::claim, .kind = kind_bits(o.kind), .flags = flags, .result = result,
                         .channel = id_, .guard = o.guard, .owner = o.owner, .match = match, .seq = seq},
                  value);
  return std::nullopt;
}

// Claims are made one at a time: that of an owner on this rank is answered at once, that of
// an owner on another rank is sent, and `flight_` keeps the decision until the reply (resume).
//
// A meeting of a sender and a receiver claims those of the two that are not single
// operations, in the order of their owners (rank, then id): the first of two is only held (its
// owner stays parked), the last is claimed "final" and completes its owner as it wins. The
// order keeps a ring of alts from failing for ever: a cycle of homes, each holding one owner
// and failing to claim the next, would need the owners to increase all round the cycle.
namespace {
// model/remote.pml: to_claim (the model orders owners of one rank by process, not by id)
std::vector<const offer*> to_claim(const offer& s, const offer& r) {
  const bool sender_first = s.rank != r.rank ? s.rank < r.rank : s.owner < r.owner;
  const std::array<const offer*, 2> order = sender_first ? std::array{&s, &r} : std::array{&r, &s};
  std::vector<const offer*> seq;
  for (const offer* o : order) {
    if (!o->committed()) seq.push_back(o);
  }
  return seq;
}
}  // namespace

// model/remote.pml: advance (one claim per pass of pump there)
void channel_server::advance(decision d) {
  for (;;) {
    const offer* target = nullptr;
    bool final = true;
    value_bytes none;
    value_bytes* value = &none;
    if (d.kind == decision::accept) {
      target = &d.sender;
    } else if (d.kind == decision::deliver) {
      target = &d.receiver;
      value = &buffer_.front();
    } else {
      const std::vector<const offer*> seq = to_claim(d.sender, d.receiver);
      if (static_cast<std::size_t>(d.claimed) == seq.size()) {
        // Every claim won. The last one completed its owner; complete the others.
        const offer* last = seq.empty() ? nullptr : seq.back();
        if (last != &d.receiver) eng_.complete(d.receiver, status::ok, d.sender.value, d.seq);
        if (last != &d.sender) eng_.complete(d.sender, status::ok, d.seq);
        count_delivery();
        return;
      }
      target = seq[static_cast<std::size_t>(d.claimed)];
      final = static_cast<std::size_t>(d.claimed) + 1 == seq.size();
      if (final && target == &d.receiver) value = &d.sender.value;
    }
    d.match = next_match_++;
    const std::optional<bool> yes =
        claim(*target, static_cast<std::uint8_t>(final ? flag::final : 0), status::ok, d.match, *value, d.seq);
    if (!yes) {  // sent (with a copy of `value`): wait for the reply
      flight_ = std::move(d);
      return;
    }
    if (!settle(d, *yes)) return;
  }
}

void channel_server::resume(decision d, bool yes) {
  if (settle(d, yes)) advance(std::move(d));
}

// The claim just answered: false if d is over, true if advance() goes on with it.
// model/remote.pml: settle
bool channel_server::settle(decision& d, bool yes) {
  if (d.kind == decision::accept) {
    if (yes) store(std::move(d.sender.value));
    return false;
  }
  if (d.kind == decision::deliver) {
    if (yes) {
      buffer_.pop_front();
      count_delivery();
    }
    return false;
  }
  if (yes) {
    ++d.claimed;
    return true;
  }
  // The claimed owner fired elsewhere or gave up: its offer is gone. An owner held by the
  // first claim selects again (R2); an offer not touched yet goes back to the front.
  const std::vector<const offer*> seq = to_claim(d.sender, d.receiver);
  const offer* failed = seq[static_cast<std::size_t>(d.claimed)];
  const offer* held = d.claimed == 1 ? seq[0] : nullptr;
  for (offer* o : {&d.sender, &d.receiver}) {
    if (o == failed) continue;
    if (o == held) {
      eng_.complete(*o, status::would_block);
    } else {
      (o->kind == detail::op_kind::send ? senders_ : receivers_).push_front(std::move(*o));
    }
  }
  return false;
}

// model/remote.pml: on_claim_reply
void channel_server::on_claim_reply(std::uint64_t match, bool yes) {
  if (!flight_ || flight_->match != match) return;
  decision d = std::move(*flight_);
  flight_.reset();
  resume(std::move(d), yes);
  pump();
}

// model/remote.pml: pump
void channel_server::pump() {
  while (!flight_ && step()) {
  }
  if (flight_) return;
  // What could be decided is decided: a try that found no partner gets would_block.
  for (auto* q : {&senders_, &receivers_}) {
    std::deque<offer> keep;
    for (offer& o : *q) {
      if (o.try_only()) {
        eng_.complete(o, status::would_block);
      } else {
        keep.push_back(std::move(o));
      }
    }
    q->swap(keep);
  }
}

// Decides one thing, if anything can be decided; true if it did (or started a claim).
// model/remote.pml: step
bool channel_server::step() {
  if (poisoned_) {
    buffer_.clear();
    if (senders_.empty() && receivers_.empty()) return false;
    fail_all(senders_, status::poisoned);
    fail_all(receivers_, status::poisoned);
    return true;
  }
  if (readers_ == 0 && !senders_.empty()) {
    fail_all(senders_, status::retired);
    return true;
  }
  if (writers_ == 0 && buffer_.empty() && !receivers_.empty()) {
    fail_all(receivers_, status::retired);
    return true;
  }
  if (buffered()) {
    if (!buffer_.empty() && !receivers_.empty()) {
      // C7: every value before the front was delivered or dropped.
      decision d{.kind = decision::deliver, .receiver = std::move(receivers_.front()), .seq = delivered() + dropped_ + 1};
      receivers_.pop_front();
      if (d.receiver.committed()) {
        eng_.complete(d.receiver, status::ok, buffer_.front(), d.seq);
        buffer_.pop_front();
        count_delivery();
      } else {
        advance(std::move(d));
      }
      return true;
    }
    if (!senders_.empty() && room()) {
      decision d{.kind = decision::accept, .sender = std::move(senders_.front()), .seq = entered_ + 1};
      senders_.pop_front();
      if (d.sender.committed()) {
        store(std::move(d.sender.value));
        eng_.complete(d.sender, status::ok, d.seq);
      } else {
        advance(std::move(d));
      }
      return true;
    }
    return false;
  }
  // Rendezvous: the first receiver and the first sender of another owner.
  for (auto r = receivers_.begin(); r != receivers_.end(); ++r) {
    auto s = std::find_if(senders_.begin(), senders_.end(), [&](const offer& o) { return !o.same_owner(*r); });
    if (s == senders_.end()) continue;
    decision d{.kind = decision::meet, .sender = std::move(*s), .receiver = std::move(*r), .seq = delivered() + 1};
    senders_.erase(s);
    receivers_.erase(r);
    advance(std::move(d));
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Held values' Ts (E7).

object_pool::~object_pool() {
  for (auto [ops, object] : kept_) ops->destroy(object);
}

value_bytes object_pool::hold(const detail::value_codec& codec, void* object) {
  const detail::value_codec::in_place_ops* ops = codec.in_place;
  std::shared_ptr<void> held(object, [pool = shared_from_this(), ops](void* t) { pool->put(ops, t); });
  return value_bytes::hold(codec, std::move(held));
}

value_bytes object_pool::make(const detail::value_codec& codec, std::size_t size) {
  const detail::value_codec::in_place_ops* ops = codec.in_place;
  void* reuse = nullptr;
  auto it = std::find_if(kept_.begin(), kept_.end(), [ops](const auto& k) { return k.first == ops; });
  if (it != kept_.end()) {
    reuse = it->second;
    kept_.erase(it);
  }
  void* object = nullptr;
  try {
    object = ops->make(size, reuse);
  } catch (...) {
    if (reuse != nullptr) ops->destroy(reuse);
    throw;
  }
  return hold(codec, object);
}

// Keeps a T with storage worth keeping (a T a value was moved out of has none), up to `most`.
void object_pool::put(const detail::value_codec::in_place_ops* ops, void* object) noexcept {
  if (kept_.size() < most && ops->bytes(object).size() >= detach_at) {
    kept_.emplace_back(ops, object);
  } else {
    ops->destroy(object);
  }
}

// ---------------------------------------------------------------------------------------
// The ports.

// model/remote.pml: post
void port::post(detail::wait_entry& e, std::uint8_t flags) {
  detail::waiter& w = *e.owner;
  if (w.remote_id == 0) w.remote_id = eng_.enroll(w);
  offer o{.rank = eng_.rank(), .owner = w.remote_id, .guard = static_cast<std::uint32_t>(e.index), .kind = e.kind,
          .flags = flags};
  e.linked = (flags & flag::try_only) == 0;  // posted: what the deadlock report says it waits on
  const detail::value_codec& codec = e.channel->codec();
  // A large value of a single send is held whole, moved from the sender, which stays parked
  // until the send is decided (E7).
  if (e.kind == detail::op_kind::send && (flags & flag::committed) != 0 && codec.in_place != nullptr &&
      codec.in_place->bytes(e.data).size() >= detach_at) {
    o.value = eng_.pool().hold(codec, codec.in_place->adopt(e.data));
  }
  if (home_ == eng_.rank()) {
    if (e.kind == detail::op_kind::send && !o.value.held()) {
      std::vector<std::byte> bytes;
      codec.encode(e.data, bytes);
      o.value = value_bytes(std::move(bytes));
    }
    eng_.server(id_)->on_offer(std::move(o));
    return;
  }
  header h{.type = msg::offer, .kind = kind_bits(o.kind), .flags = flags, .channel = id_, .guard = o.guard,
           .owner = o.owner};
  if (o.value.held()) return eng_.send_value(home_, h, o.value);
  eng_.send_with(home_, h, [&](std::vector<std::byte>& out) {
    if (e.kind == detail::op_kind::send) codec.encode(e.data, out);  // straight into the batch
  });
}

// model/remote.pml: single
status port::attempt(detail::wait_entry& e, bool enlist) {
  if (eng_.lost() >= 0) return status::poisoned;  // the run is ending without a rank
  if (!enlist) return status::would_block;
  e.index = 0;
  post(e, flag::committed);
  return status::would_block;
}

status port::try_attempt(detail::wait_entry& e) {
  if (eng_.lost() >= 0) return status::poisoned;
  detail::waiter& w = *e.owner;
  w.proc = &detail::current();
  w.entries = {&e, 1};
  w.counted = false;  // waits for the home's answer, which always comes
  e.index = 0;
  post(e, flag::try_only);
  detail::wait(w, nullptr);
  return w.result;
}

bool port::enable(detail::wait_entry& e) {
  if (eng_.lost() >= 0) {  // fires this guard as poisoned, unless another fired already
    if (e.owner->claim(e.index)) detail::complete(*e.owner, status::poisoned);
    return true;
  }
  post(e, 0);
  return false;
}

// model/remote.pml: disable
void port::disable(detail::wait_entry& e) {
  detail::waiter& w = *e.owner;
  e.linked = false;
  if (w.remote_id != 0) {
    eng_.drop(w.remote_id);
    const std::uint64_t id = w.remote_id;
    if (home_ == eng_.rank()) {
      eng_.server(id_)->on_withdraw(eng_.rank(), id, static_cast<std::uint32_t>(e.index), e.kind);
    } else {
      header h{.type = msg::withdraw, .kind = kind_bits(e.kind), .channel = id_,
               .guard = static_cast<std::uint32_t>(e.index), .owner = id};
      eng_.send(home_, h);
    }
  }
  // The waiter keeps its id through the disables of the episode, so that each withdraws its
  // own offer; select resets it before the next episode, which enrolls anew.
}

void port::join(detail::op_kind side) {
  if (home_ == eng_.rank()) return eng_.server(id_)->on_join(side);
  eng_.send(home_, header{.type = msg::join, .kind = kind_bits(side), .channel = id_});
}

void port::leave(detail::op_kind side) {
  if (home_ == eng_.rank()) return eng_.server(id_)->on_leave(side);
  eng_.send(home_, header{.type = msg::leave, .kind = kind_bits(side), .channel = id_});
}

void port::poison() {
  if (home_ == eng_.rank()) return eng_.server(id_)->on_poison();
  eng_.send(home_, header{.type = msg::poison, .channel = id_});
}

// ---------------------------------------------------------------------------------------
// The engine.

engine::engine(MPI_Comm comm, detail::runtime& rt, detail::group& top) : comm_(comm), rt_(rt), top_(top) {
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  sent_to_.assign(static_cast<std::size_t>(size_), 0);
  received_from_.assign(static_cast<std::size_t>(size_), 0);
  outbox_.resize(static_cast<std::size_t>(size_));
  detached_.resize(static_cast<std::size_t>(size_));
  inbound_.resize(static_cast<std::size_t>(size_));
}

void engine::add_server(std::uint32_t id, const channels::channel_core& c) {
  servers_.emplace(id, std::make_unique<channel_server>(*this, id, c));
}

void engine::install_port(std::uint32_t id, channels::channel_core& c, int home) {
  ports_.emplace_back(&c, std::make_unique<port>(*this, id, home));
  c.set_remote(ports_.back().second.get());
}

void engine::uninstall() {
  for (auto& [c, p] : ports_) c->set_remote(nullptr);
  ports_.clear();
}

std::uint64_t engine::enroll(detail::waiter& w) {
  const std::uint64_t id = next_waiter_++;
  waiters_[id] = &w;
  return id;
}

channel_server* engine::server(std::uint32_t id) noexcept {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : it->second.get();
}

// E6.
void engine::flush() {
  for (const int to : dirty_) {
    std::vector<std::byte>& batch = outbox_[static_cast<std::size_t>(to)];
    if (batch.empty()) continue;
    sends_.push_back(pending_send{std::move(batch), MPI_REQUEST_NULL});
    if (!spare_.empty()) {
      batch = std::move(spare_.back());
      spare_.pop_back();
    } else {
      batch = {};
    }
    pending_send& p = sends_.back();
    check(MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, to, tag, comm_, &p.request),
          "MPI_Isend");
    ++sent_to_[static_cast<std::size_t>(to)];
    // E7: the batch's detached values follow it, in the order of their records.
    for (detached_value& v : detached_[static_cast<std::size_t>(to)]) {
      sends_.push_back(pending_send{{}, MPI_REQUEST_NULL, std::move(v.object)});
      ++detached_sends_;
      check(MPI_Isend(v.bytes.data(), static_cast<int>(v.bytes.size()), MPI_BYTE, to, tag, comm_,
                      &sends_.back().request),
            "MPI_Isend");
      ++sent_to_[static_cast<std::size_t>(to)];
    }
    detached_[static_cast<std::size_t>(to)].clear();
  }
  dirty_.clear();
}

void engine::send_value(int to, header h, const value_bytes& value) {
  if (value.held() && to != rank_ && to != lost_) {
    h.flags |= flag::detached;
    const std::uint64_t size = value.raw().size();
    return send_with(to, h, payload_of(std::as_bytes(std::span(&size, 1))), &value);
  }
  send_with(to, h, [&value](std::vector<std::byte>& out) { value.encode(out); });
}

value_bytes engine::value_of(const header& h, std::span<const std::byte> payload, value_bytes* arrived) {
  if ((h.flags & flag::detached) == 0) return value_bytes::borrow(payload);
  if (arrived == nullptr) throw csp::error("csp mpi: a detached value handled before it arrived");
  return std::move(*arrived);
}

// E7.
void engine::take(int from, const header& h, std::span<const std::byte> payload) {
  std::deque<inbound_record>& q = inbound_[static_cast<std::size_t>(from)];
  const bool detached = (h.type == msg::offer || h.type == msg::claim || h.type == msg::complete) &&
                        (h.flags & flag::detached) != 0;
  if (q.empty() && !detached) {
    if (is_data(h.type)) ++data_received_;
    return handle(from, h, payload);
  }
  inbound_record& r = q.emplace_back();
  ++inbound_count_;
  r.h = h;
  if (!detached) {
    r.payload.assign(payload.begin(), payload.end());
    return;
  }
  std::uint64_t size = 0;
  if (payload.size() != sizeof size) throw csp::error("csp mpi: a detached value's record without its length");
  std::memcpy(&size, payload.data(), sizeof size);
  if (size > max_batch) throw csp::error("csp mpi: a detached value longer than one MPI message may carry");
  const detail::value_codec* codec = nullptr;
  if (h.type == msg::offer) {
    if (channel_server* home = server(h.channel)) codec = &home->codec();
  } else {
    codec = codec_of(h.owner, h.guard);
  }
  std::span<std::byte> into;
  if (codec != nullptr && codec->in_place != nullptr) {
    r.value = pool_->make(*codec, static_cast<std::size_t>(size));
    into = codec->in_place->storage(r.value.object().get());
  } else {  // its receiver is gone: the bytes are received, to keep the order, and dropped
    r.dropped.resize(static_cast<std::size_t>(size));
    into = r.dropped;
  }
  if (into.size() != size) throw csp::error("csp mpi: a detached value of the wrong length");
  check(MPI_Irecv(into.data(), static_cast<int>(size), MPI_BYTE, from, tag, comm_, &r.request), "MPI_Irecv");
  ++received_from_[static_cast<std::size_t>(from)];
}

bool engine::take_arrived() {
  if (inbound_count_ == 0) return false;
  bool any = false;
  for (std::size_t from = 0; from < inbound_.size(); ++from) {
    std::deque<inbound_record>& q = inbound_[from];
    while (!q.empty()) {
      if (q.front().request != MPI_REQUEST_NULL) {
        int done = 0;
        check(MPI_Test(&q.front().request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (!done) break;
      }
      inbound_record r = std::move(q.front());
      q.pop_front();
      --inbound_count_;
      if (is_data(r.h.type)) ++data_received_;
      handle(static_cast<int>(from), r.h, r.payload, &r.value);
      any = true;
    }
  }
  return any;
}

const detail::value_codec* engine::codec_of(std::uint64_t owner, std::uint32_t guard) const {
  auto it = waiters_.find(owner);
  if (it == waiters_.end() || guard >= it->second->entries.size()) return nullptr;
  return &it->second->entries[guard].channel->codec();
}

std::span<std::byte> engine::receive_buffer(std::size_t size) {
  if (size > inbox_capacity_) {
    inbox_capacity_ = std::max(size, inbox_capacity_ * 2);
    inbox_ = std::unique_ptr<std::byte[]>(new std::byte[inbox_capacity_]);  // not zero-filled
  }
  return {inbox_.get(), size};
}

// model/remote.pml: claim_here
bool engine::claim_here(std::uint64_t owner, std::uint32_t guard, status result, value_bytes& value, bool final,
                        std::uint64_t seq) {
  auto it = waiters_.find(owner);
  if (it == waiters_.end()) return false;  // E2: the episode is over
  detail::waiter& w = *it->second;
  if (!w.claim(static_cast<int>(guard))) return false;
  if (final) complete_here(owner, result, value, false, seq);
  return true;
}

// model/remote.pml: complete_here
void engine::complete_here(std::uint64_t owner, status result, value_bytes& value, bool committed, std::uint64_t seq) {
  auto it = waiters_.find(owner);
  if (it == waiters_.end()) return;
  detail::waiter& w = *it->second;
  if (committed) {
    // A single operation: its slot is claimed here, at its completion. It fails only if the
    // run aborted the wait meanwhile; then the value (if any) is dropped with the run.
    if (!w.claim(0)) return;
    waiters_.erase(it);
  }
  const int slot = w.slot.load(std::memory_order_relaxed);
  detail::wait_entry& e = w.entries[static_cast<std::size_t>(slot)];
  e.seq = seq;
  if (result == status::ok && e.kind == detail::op_kind::recv) {
    try {
      value.deliver(e.channel->codec(), e.data);
    } catch (...) {
      rt_.fail(top_, std::current_exception());
      result = status::poisoned;
    }
  }
  detail::complete(w, result);
}

// model/remote.pml: complete
void engine::complete(const offer& o, status result, value_bytes& value, std::uint64_t seq) {
  if (o.rank == rank_) return complete_here(o.owner, result, value, o.committed(), seq);
  header h{.type = msg::complete, .kind = kind_bits(o.kind),
           .flags = static_cast<std::uint8_t>(o.committed() ? flag::committed : 0), .result = result,
           .guard = o.guard, .owner = o.owner, .seq = seq};
  send_value(o.rank, h, value);
}

// model/remote.pml: engine
void engine::handle(int from, const header& h, std::span<const std::byte> payload, value_bytes* arrived) {
  channel_server* home = nullptr;
  switch (h.type) {
    case msg::offer:
    case msg::withdraw:
    case msg::join:
    case msg::leave:
    case msg::poison:
    case msg::claim_reply:
      home = server(h.channel);
      if (home == nullptr) throw csp::error(fmt::format("csp mpi: rank {} is not the home of channel {}", rank_, h.channel));
      break;
    default:
      break;
  }
  switch (h.type) {
    case msg::offer:
      home->on_offer(offer{.rank = from, .owner = h.owner, .guard = h.guard, .kind = kind_of(h.kind),
                           .flags = static_cast<std::uint8_t>(h.flags & ~flag::detached),
                           .value = value_of(h, payload, arrived)});
      break;
    case msg::withdraw: home->on_withdraw(from, h.owner, h.guard, kind_of(h.kind)); break;
    case msg::join: home->on_join(kind_of(h.kind)); break;
    case msg::leave: home->on_leave(kind_of(h.kind)); break;
    case msg::poison: home->on_poison(); break;
    case msg::claim_reply: home->on_claim_reply(h.match, h.result == status::ok); break;
    case msg::claim: {
      value_bytes value = value_of(h, payload, arrived);
      const bool yes = claim_here(h.owner, h.guard, h.result, value, (h.flags & flag::final) != 0, h.seq);
      if ((h.flags & flag::no_reply) == 0) {
        send(from, header{.type = msg::claim_reply, .result = yes ? status::ok : status::would_block,
                          .channel = h.channel, .match = h.match});
      }
      break;
    }
    case msg::complete: {
      value_bytes value = value_of(h, payload, arrived);
      complete_here(h.owner, h.result, value, (h.flags & flag::committed) != 0, h.seq);
      break;
    }
    case msg::failed:
    case msg::done:
    case msg::finish:
    case msg::deadlock: control(from, h, payload); break;
    case msg::probe:
      send(0, header{.type = msg::probe_reply, .result = passive() ? status::ok : status::would_block, .match = h.match},
           counts());
      break;
    case msg::probe_reply: on_probe_reply(from, h, payload); break;
    case msg::report: send(0, header{.type = msg::report_reply}, describe_blocked()); break;
    case msg::report_reply: on_report_reply(from, payload); break;
    case msg::lost: lose(static_cast<int>(h.guard)); break;
    case msg::progress:
      if (board_ != nullptr && rank_ == 0) {
        const auto [messages, blocked, live] = csp::decode<std::tuple<std::uint64_t, std::int64_t, std::int64_t>>(payload);
        board_->set(from, {.messages = messages, .blocked = static_cast<long>(blocked), .live = static_cast<long>(live)});
      }
      break;
  }
}

// failed: "process\nrank\nmessage". Rank 0 keeps the first and relays it to every rank, which
// fails its top-level group with it (so every process everywhere ends); done: counted by rank 0,
// which sends finish with the outcome once every rank is done.
void engine::control(int from, const header& h, std::span<const std::byte> payload) {
  const std::string text(reinterpret_cast<const char*>(payload.data()), payload.size());
  switch (h.type) {
    case msg::failed: {
      if (outcome_.deadlock) break;  // the deadlock's abort made it fail: the deadlock is the outcome
      const outcome o = failure_from(text);
      if (rank_ == 0) {
        if (failure_relayed_) break;
        failure_relayed_ = true;
        outcome_ = o;
        for (int r = 1; r < size_; ++r) send(r, h, payload);
      } else {
        outcome_ = o;
      }
      (void)from;
      if (o.rank != rank_) {
        report_local_failure();  // a failure of ours that came first still goes to rank 0
        failure_reported_ = true;  // one that comes later does not: rank 0 has its first
        rt_.fail(top_, error_of(o));
      }
      break;
    }
    case msg::done:
      if (++done_ranks_ == size_) {
        // ok: nothing; a deadlock: its report and graph; a failure: failure_text.
        std::vector<std::byte> out;
        if (outcome_.deadlock) {
          out = csp::encode(std::pair(outcome_.message, outcome_.graph));
        } else if (!outcome_.ok) {
          const std::string failure = failure_text(outcome_);
          const auto bytes = std::as_bytes(std::span(failure));
          out.assign(bytes.begin(), bytes.end());
        }
        const header f{.type = msg::finish, .kind = static_cast<std::uint8_t>(outcome_.ok ? 0 : outcome_.deadlock ? 2 : 1)};
        for (int r = 0; r < size_; ++r) send(r, f, out);
      }
      break;
    case msg::deadlock: {
      auto [report, graph] = csp::decode<std::pair<std::string, std::string>>(payload);
      found_deadlock(std::move(report), std::move(graph));
      break;
    }
    case msg::finish:
      finished_ = true;
      if (h.kind == 2) {
        auto [report, graph] = csp::decode<std::pair<std::string, std::string>>(payload);
        outcome_ = {.ok = false, .deadlock = true, .message = std::move(report), .graph = std::move(graph)};
      } else {
        outcome_ = h.kind == 0 ? outcome{} : failure_from(text);
      }
      break;
    default:
      break;
  }
}

void engine::report_local_failure() {
  // runtime::fail sets first_error, then aborted; both run on this thread, between two of the
  // engine's passes, so the flag is a lock-free test of whether there is anything to report.
  if (failure_reported_ || !top_.aborted.load(std::memory_order_acquire)) return;
  std::exception_ptr first;
  {
    std::lock_guard lk(top_.mu);
    first = top_.first_error;
  }
  if (!first) return;
  failure_reported_ = true;
  std::string process = "?";
  try {
    std::rethrow_exception(first);
  } catch (const csp::process_error& pe) {
    process = pe.process();
  } catch (...) {
  }
  const std::string text = failure_text({.ok = false, .process = process, .rank = rank_, .message = text_of(first)});
  send(0, header{.type = msg::failed}, std::as_bytes(std::span(text)));
}

// One pass: sends the batches the processes made since the last (E6), handles the records
// to this rank, up to 64 batches from others and the records whose detached values came in
// (E7), and retires the sends that completed.
bool engine::poll() {
  flush();
  bool any = false;
  header h;
  std::span<const std::byte> payload;
  while (!to_self_.empty()) {
    const std::vector<std::byte> record = std::move(to_self_.front());
    to_self_.pop_front();
    records batch(record);
    while (batch.next(h, payload)) handle(rank_, h, payload);
    any = true;
  }
  for (int budget = 64; budget > 0; --budget) {
    int flag = 0;
    MPI_Message message;
    MPI_Status st;
    check(MPI_Improbe(MPI_ANY_SOURCE, tag, comm_, &flag, &message, &st), "MPI_Improbe");
    if (!flag) break;
    int count = 0;
    check(MPI_Get_count(&st, MPI_BYTE, &count), "MPI_Get_count");
    const std::span<std::byte> bytes = receive_buffer(static_cast<std::size_t>(count));
    check(MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, &st), "MPI_Mrecv");
    ++received_from_[static_cast<std::size_t>(st.MPI_SOURCE)];
    // The handlers send, but never receive (E1): the buffer holds still until the next batch.
    records batch(bytes);
    while (batch.next(h, payload)) take(st.MPI_SOURCE, h, payload);
    any = true;
  }
  any = take_arrived() || any;
  while (!sends_.empty()) {
    int flag = 0;
    check(MPI_Test(&sends_.front().request, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    if (!flag) break;
    if (sends_.front().held) --detached_sends_;
    std::vector<std::byte> bytes = std::move(sends_.front().bytes);
    sends_.pop_front();
    if (bytes.capacity() > 0 && spare_.size() < 4) {  // kept for the next batches: no allocation, no page faults
      bytes.clear();
      spare_.push_back(std::move(bytes));
    }
  }
  return any;
}

void engine::serve(const std::size_t& live_fibers) {
  using namespace std::chrono;
  live_ = &live_fibers;
  auto quiet_since = steady_clock::now();
  int quiet_passes = 0;
  microseconds nap{10};
  while (!finished_) {
    if (dog_ != nullptr && lost_ < 0) {
      if (const int r = dog_->lost(); r >= 0) lose(r);
    }
    if (lost_ >= 0 && live_fibers == 0) break;  // no finish round: a rank is missing
    bool any = poll();
    report_local_failure();
    if (board_ != nullptr && (++passes_ & 63) == 0 && steady_clock::now() >= next_progress_) {
      send_progress();
      next_progress_ = steady_clock::now() + milliseconds{250};
    }
    if (!done_sent_ && live_fibers == 0) {
      if (board_ != nullptr) send_progress();  // the last figures, before rank 0 can finish
      done_sent_ = true;
      send(0, header{.type = msg::done});
      any = true;
    }
    if (any) {
      quiet_passes = 0;
      nap = microseconds{10};
      boost::this_fiber::yield();
      continue;
    }
    // Nothing moved. Spin (yielding to any process that is ready) for a while after the last
    // progress, then sleep, longer each time up to 1 ms: an idle rank does not burn its core.
    // The window is long because a short nap is not short: asking for 10 us sleeps 100-130 us
    // on a VM, and a window shorter than that let both ranks of an exchange nap on every hop
    // (bench/mpi/README.md). The clock is read on every 16th quiet pass only.
    if (quiet_passes++ == 0) quiet_since = steady_clock::now();
    // A detached value on its way in or out (E7) moves only while this rank calls MPI: no nap.
    if (quiet_passes % 16 != 0 || inbound_count_ > 0 || detached_sends_ > 0) {
      boost::this_fiber::yield();
      continue;
    }
    const auto now = steady_clock::now();
    if (now - quiet_since < spin_window) {
      boost::this_fiber::yield();
    } else {
      // Quiet for a while: rank 0 asks whether everything everywhere is stuck (E5).
      if (rank_ == 0 && wave_replies_ == 0 && report_replies_ < 0 && outcome_.ok && now >= next_wave_ && passive()) {
        start_wave();
        continue;
      }
      flush();  // what report_local_failure() sent
      napping_ = true;
      boost::this_fiber::sleep_for(nap);
      napping_ = false;
      nap = std::min(nap * 2, microseconds{1000});
    }
  }
  if (board_ != nullptr && rank_ == 0) send_progress();
  drain();
}

void engine::send_progress() {
  std::uint64_t homes = 0;
  for (const auto& [id, home] : servers_) homes += home->delivered();
  if (rank_ == 0) {
    board_->set(0, {.messages = homes});
    return;
  }
  detail::progress_sample s = detail::sample_of(rt_);
  s.messages += homes;
  send(0, header{.type = msg::progress},
       csp::encode(std::tuple<std::uint64_t, std::int64_t, std::int64_t>{s.messages, s.blocked, s.live}));
}

// ---------------------------------------------------------------------------------------
// Global deadlock (E5; README.md, "Global deadlock").

bool engine::passive() const noexcept {
  return rt_.running() == 1 && to_self_.empty() && dirty_.empty() && inbound_count_ == 0;
}

std::vector<std::byte> engine::counts() const {
  return csp::encode(std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>{data_sent_, data_received_, *live_});
}

void engine::start_wave() {
  ++wave_;
  this_wave_.assign(static_cast<std::size_t>(size_), sample{});
  wave_replies_ = size_;  // this rank's sample is the first
  for (int r = 1; r < size_; ++r) send(r, header{.type = msg::probe, .match = wave_});
  on_probe_reply(0, header{.type = msg::probe_reply, .match = wave_}, counts());
}

void engine::on_probe_reply(int from, const header& h, std::span<const std::byte> payload) {
  if (h.match != wave_ || wave_replies_ == 0) return;
  const auto [sent, received, live] = csp::decode<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>>(payload);
  this_wave_[static_cast<std::size_t>(from)] = {
      .passive = h.result == status::ok, .sent = sent, .received = received, .live = live};
  if (--wave_replies_ > 0) return;
  std::uint64_t total_sent = 0, total_received = 0, total_live = 0;
  bool all_passive = true;
  for (const sample& x : this_wave_) {
    all_passive = all_passive && x.passive;
    total_sent += x.sent;
    total_received += x.received;
    total_live += x.live;
  }
  const bool stuck = all_passive && total_sent == total_received && total_live > 0 && this_wave_ == last_wave_;
  last_wave_ = this_wave_;
  if (stuck && outcome_.ok) {  // a failure relayed earlier is the outcome already
    report_replies_ = size_;
    rank_reports_.assign(static_cast<std::size_t>(size_), {});
    for (int r = 1; r < size_; ++r) send(r, header{.type = msg::report});
    on_report_reply(0, describe_blocked());
    return;
  }
  // All passive (the first of two waves): the next comes soon. Otherwise something runs: the
  // waves thin out, to one per 100 ms, while it does.
  using namespace std::chrono;
  wave_gap_ = all_passive ? microseconds{200} : std::min(wave_gap_ * 2, microseconds{100'000});
  next_wave_ = steady_clock::now() + wave_gap_;
}

namespace {
// A blocked process on the wire: name, rank, doing, wants (key, what, kind, joining), holds.
using wire_want = std::tuple<std::string, std::string, std::uint8_t, bool>;
using wire_process = std::tuple<std::string, int, std::string, std::vector<wire_want>,
                                std::vector<std::pair<std::string, std::uint8_t>>>;
}  // namespace

// This rank's blocked processes. A channel of the top-level network is known by its index
// there, the same on every rank; any other channel lives on this rank only.
std::vector<std::byte> engine::describe_blocked() const {
  std::unordered_map<const channels::channel_core*, std::size_t> index;
  for (std::size_t i = 0; i < top_.channels.size(); ++i) index.emplace(top_.channels[i].get(), i);
  auto key = [&](const channels::channel_core& c) {
    auto it = index.find(&c);
    return it != index.end() ? fmt::format("channel {}", it->second)
                             : fmt::format("channel {}:{}", rank_, static_cast<const void*>(&c));
  };
  std::vector<wire_process> wire;
  for (const detail::blocked_process& b : detail::blocked_processes(rt_.groups(), key, rank_)) {
    std::vector<wire_want> wants;
    for (const auto& w : b.wants) wants.emplace_back(w.key, w.what, kind_bits(w.kind), w.joining);
    std::vector<std::pair<std::string, std::uint8_t>> holds;
    for (const auto& [k, side] : b.holds) holds.emplace_back(k, kind_bits(side));
    wire.emplace_back(b.name, b.rank, b.doing, std::move(wants), std::move(holds));
  }
  return csp::encode(wire);
}

void engine::on_report_reply(int from, std::span<const std::byte> payload) {
  if (report_replies_ <= 0) return;
  rank_reports_[static_cast<std::size_t>(from)].assign(payload.begin(), payload.end());
  if (--report_replies_ > 0) return;
  std::vector<detail::blocked_process> all;
  for (const std::vector<std::byte>& bytes : rank_reports_) {
    for (auto& [name, rank, doing, wants, holds] : csp::decode<std::vector<wire_process>>(bytes)) {
      detail::blocked_process b{.name = std::move(name), .rank = rank, .doing = std::move(doing)};
      for (auto& [k, what, kind, joining] : wants) b.wants.push_back({std::move(k), std::move(what), kind_of(kind), joining});
      for (auto& [k, side] : holds) b.holds.emplace_back(std::move(k), kind_of(side));
      all.push_back(std::move(b));
    }
  }
  std::string report = detail::describe_deadlock(all);
  std::string graph = detail::deadlock_dot(all);
  const std::vector<std::byte> both = csp::encode(std::pair(report, graph));
  for (int r = 1; r < size_; ++r) send(r, header{.type = msg::deadlock}, both);
  found_deadlock(std::move(report), std::move(graph));
}

// Fails the run on this rank with the report: every process here is woken and ends.
void engine::found_deadlock(std::string report, std::string graph) {
  if (!outcome_.ok) return;
  outcome_ = {.ok = false, .deadlock = true, .message = std::move(report), .graph = std::move(graph)};
  failure_reported_ = true;  // rank 0 knows: it found it
  rt_.fail(top_, error_of(outcome_));
}

// ---------------------------------------------------------------------------------------
// A rank lost (README.md, "A rank that dies").

// Ends this rank's part of the run without `rank`: the outcome names it; every process here
// is woken (local channels poisoned, remote operations completed as poisoned, since their
// answers may never come) and ends; serve() then stops without the finish round and drain()
// without anything collective. Rank 0 tells the others, which watch only rank 0 themselves.
void engine::lose(int rank) {
  if (lost_ >= 0) return;
  if (rank_ == 0) {
    for (int r = 1; r < size_; ++r) {
      if (r != rank) send(r, header{.type = msg::lost, .guard = static_cast<std::uint32_t>(rank)});
    }
  }
  lost_ = rank;
  if (outcome_.ok) {
    outcome_ = {.ok = false,
                .rank = rank,
                .message = fmt::format("rank {} is lost: it sent no heartbeat for {} ms (killed, crashed, or its host "
                                       "unreachable); the run ended on every other rank",
                                       rank, dog_ != nullptr ? dog_->timeout().count() : 0)};
  }
  failure_reported_ = true;
  rt_.fail(top_, error_of(outcome_));
  std::unordered_map<std::uint64_t, detail::waiter*> waiting;
  waiting.swap(waiters_);
  for (auto& [id, w] : waiting) {
    // Open: claimed for the run's end. Held by a claim whose completion may never come:
    // completed here. Already completed: its owner will see to it.
    if (w->claim(detail::waiter::aborted_by_run) || !w->done.load(std::memory_order_acquire)) {
      detail::complete(*w, status::poisoned);
    }
  }
}

// E4: every rank learns how many messages were sent to it, and receives them all, before the
// communicator is freed.
//
// Nothing here blocks in MPI: each wait also watches for a rank lost meanwhile, and then gives
// up (the sends left are released, and nothing collective is tried again).
void engine::drain() {
  auto give_up = [this] {
    if (lost_ < 0 && dog_ != nullptr) lost_ = dog_->lost();
    if (lost_ < 0) return false;
    for (pending_send& s : sends_) MPI_Request_free(&s.request);
    sends_.clear();
    for (auto& q : inbound_) {
      for (inbound_record& r : q) {
        if (r.request != MPI_REQUEST_NULL) MPI_Request_free(&r.request);  // its memory stays with the engine
      }
    }
    return true;
  };
  // Until `request` completes; false if a rank was lost meanwhile (and everything given up).
  auto wait = [&](MPI_Request& request) {
    for (int done = 0;;) {
      check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) return true;
      if (give_up()) return false;
      std::this_thread::yield();
    }
  };
  flush();  // a lost rank's notice to the others included
  if (give_up()) return;
  std::vector<std::uint64_t> expected(static_cast<std::size_t>(size_));
  MPI_Request all;
  check(MPI_Ialltoall(sent_to_.data(), 1, MPI_UINT64_T, expected.data(), 1, MPI_UINT64_T, comm_, &all),
        "MPI_Ialltoall");
  if (!wait(all)) return;
  for (int r = 0; r < size_; ++r) {
    while (received_from_[static_cast<std::size_t>(r)] < expected[static_cast<std::size_t>(r)]) {
      MPI_Status st;
      int count = 0, arrived = 0;
      check(MPI_Iprobe(r, tag, comm_, &arrived, &st), "MPI_Iprobe");
      if (!arrived) {
        if (give_up()) return;
        std::this_thread::yield();
        continue;
      }
      check(MPI_Get_count(&st, MPI_BYTE, &count), "MPI_Get_count");
      check(MPI_Recv(receive_buffer(static_cast<std::size_t>(count)).data(), count, MPI_BYTE, r, tag, comm_,
                     MPI_STATUS_IGNORE),
            "MPI_Recv");
      ++received_from_[static_cast<std::size_t>(r)];
    }
  }
  // Detached values still coming for records that will not be handled now (E7).
  for (auto& q : inbound_) {
    for (inbound_record& r : q) {
      if (!wait(r.request)) return;  // a null request (value in already) tests done at once
    }
  }
  while (!sends_.empty()) {
    if (!wait(sends_.front().request)) return;
    sends_.pop_front();
  }
}

}  // namespace csp::mpi
