// The messages of the mpi backend's channel protocol (README.md beside this file has the
// protocol itself). One record is a fixed header and, for some types, the bytes of a value (its
// codec's encoding) or of a text; one MPI message carries the records a rank had for another.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/status.hpp>

namespace csp::mpi {

enum class msg : std::uint8_t {
  // owner's rank -> home rank
  offer,        // a send or receive posted: channel, owner, guard, kind, flags, [value of a send]
  withdraw,     // an alt guard disabled: channel, owner, guard
  join,         // an end made: channel, kind
  leave,        // an end retired or dropped: channel, kind
  poison,       // channel
  claim_reply,  // match, yes (1) or no (0) in `result`
  // home rank -> owner's rank
  claim,        // claim owner's slot for guard: channel, owner, guard, match, result, flags,
                // [value delivered to a receive]
  complete,     // the owner's operation is decided: owner, result, [value for a receive]
  // control, any rank <-> rank 0
  failed,        // a process failed: text = "process\nrank\nmessage"
  done,          // every process of the sending rank has ended
  finish,        // rank 0 -> all: the run is over; kind = outcome (0 ok, 1 failed, 2 deadlock),
                 // text = the failure or the deadlock report
  // global deadlock detection (engine.hpp, E5), rank 0 <-> any rank
  probe,         // rank 0 -> all: wave `match`: are you passive, and what are your counts?
  probe_reply,   // match = the wave, result ok if passive; payload = counts (u64 sent,
                 // received, live processes)
  report,        // rank 0 -> all: the run is deadlocked; describe your blocked processes
  report_reply,  // payload = csp::encode of the rank's blocked processes
  deadlock,      // rank 0 -> all: fail the run with this report (text)
  lost,          // rank 0 -> all: rank `guard` is lost (watchdog.hpp); end the run without it
  progress,      // any rank -> rank 0, with --csp-progress: payload = the rank's u64 messages
                 // delivered, i64 processes blocked, i64 processes live (engine.hpp, progress_board)
};

/// Whether a message is part of the channel protocol, as opposed to control: only these can
/// wake a process, so only these are counted by the deadlock detection (engine.hpp, E5).
constexpr bool is_data(msg m) noexcept { return m <= msg::complete; }

/// Bits of header::flags.
namespace flag {
inline constexpr std::uint8_t committed = 1;  // offer of a single operation: its slot needs no claim
inline constexpr std::uint8_t try_only = 2;   // offer of a try_send / try_recv: answer at once
inline constexpr std::uint8_t final = 4;      // claim that completes the owner when it succeeds
inline constexpr std::uint8_t no_reply = 8;   // claim whose outcome the home does not need
inline constexpr std::uint8_t detached = 16;  // offer, claim or complete whose value is the next
                                              // message, not the payload; the payload is its
                                              // length, a u64 (engine.hpp, E7)
}  // namespace flag

/// The size from which a committed send's value travels detached, from its own storage
/// (engine.hpp, E7), when its type allows (value_codec::in_place): below it, copying the value
/// into the batch costs less than a message of its own.
inline constexpr std::size_t detach_at = 64 * 1024;

struct header {
  msg type;
  std::uint8_t kind = 0;    // 0 recv, 1 send (detail::op_kind)
  std::uint8_t flags = 0;
  status result = status::ok;
  std::uint32_t channel = 0;
  std::uint32_t guard = 0;
  std::uint32_t size = 0;   // the payload's length in bytes (set by append)
  std::uint64_t owner = 0;  // the waiter's id on the owner's rank (detail::waiter::remote_id)
  std::uint64_t match = 0;  // the home's id of a claim in flight
  std::uint64_t seq = 0;    // claim, complete: the message's number on its channel (--csp-trace)
};
static_assert(sizeof(header) % 8 == 0, "records keep every header and payload 8-aligned");

// One MPI message (a batch) carries one or more records, in the order they were sent: a
// header, its payload, and zero bytes up to a multiple of 8. So every header and payload
// starts 8-aligned in a receive buffer that is, and a codec can read a payload's elements in
// place (csp/codec.hpp, codec<std::vector<T>>).

/// The most bytes one batch may hold: MPI counts a message's bytes in an int.
inline constexpr std::size_t max_batch = std::numeric_limits<int>::max() / 2;

inline std::size_t padded(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }

/// Appends a record to `out`: h, then the payload that `fill(out)` appends, then padding.
template <class Fill>
  requires std::invocable<Fill&, std::vector<std::byte>&>
void append(std::vector<std::byte>& out, header h, Fill&& fill) {
  const std::size_t at = out.size();
  const auto* head = reinterpret_cast<const std::byte*>(&h);
  out.insert(out.end(), head, head + sizeof(header));
  fill(out);
  const std::size_t size = out.size() - at - sizeof(header);
  if (size > max_batch - sizeof(header)) {
    out.resize(at);
    throw std::length_error("csp mpi: a value of " + std::to_string(size) +
                            " bytes encoded is larger than one MPI message may carry here (1 GiB)");
  }
  h.size = static_cast<std::uint32_t>(size);
  std::memcpy(out.data() + at, &h, sizeof(header));
  out.insert(out.end(), padded(out.size()) - out.size(), std::byte{0});
}

/// A fill for append() that appends `payload` (which must outlive the call).
inline auto payload_of(std::span<const std::byte> payload) {
  return [payload](std::vector<std::byte>& out) { out.insert(out.end(), payload.begin(), payload.end()); };
}

inline void append(std::vector<std::byte>& out, const header& h, std::span<const std::byte> payload) {
  append(out, h, payload_of(payload));
}

/// Reads the records of one batch, front to back.
class records {
 public:
  explicit records(std::span<const std::byte> batch) : rest_(batch) {}

  /// The next record into h and payload; false at the end of the batch.
  bool next(header& h, std::span<const std::byte>& payload) {
    if (rest_.empty()) return false;
    if (rest_.size() < sizeof(header)) throw std::runtime_error("csp mpi: a message shorter than its header");
    std::memcpy(&h, rest_.data(), sizeof(header));
    rest_ = rest_.subspan(sizeof(header));
    if (h.size > rest_.size()) throw std::runtime_error("csp mpi: a message shorter than its payload");
    payload = rest_.first(h.size);
    rest_ = rest_.subspan(std::min(rest_.size(), padded(h.size)));
    return true;
  }

 private:
  std::span<const std::byte> rest_;
};

}  // namespace csp::mpi
