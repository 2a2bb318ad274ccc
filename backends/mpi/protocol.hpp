// The messages of the mpi backend's channel protocol (README.md beside this file has the
// protocol itself). One message is a fixed header and, for some types, the bytes of a value
// (its codec's encoding) or of a text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
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
}  // namespace flag

struct header {
  msg type;
  std::uint8_t kind = 0;    // 0 recv, 1 send (detail::op_kind)
  std::uint8_t flags = 0;
  status result = status::ok;
  std::uint32_t channel = 0;
  std::uint32_t guard = 0;
  std::uint64_t owner = 0;  // the waiter's id on the owner's rank (detail::waiter::remote_id)
  std::uint64_t match = 0;  // the home's id of a claim in flight
};

/// header then payload, as one buffer.
inline std::vector<std::byte> pack(const header& h, std::span<const std::byte> payload) {
  std::vector<std::byte> out(sizeof(header) + payload.size());
  std::memcpy(out.data(), &h, sizeof(header));
  if (!payload.empty()) std::memcpy(out.data() + sizeof(header), payload.data(), payload.size());
  return out;
}

inline header unpack(std::span<const std::byte> bytes, std::span<const std::byte>& payload) {
  if (bytes.size() < sizeof(header)) throw std::runtime_error("csp mpi: a message shorter than its header");
  header h;
  std::memcpy(&h, bytes.data(), sizeof(header));
  payload = bytes.subspan(sizeof(header));
  return h;
}

}  // namespace csp::mpi
