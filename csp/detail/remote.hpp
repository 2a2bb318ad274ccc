// The seam for a channel whose ends live in different address spaces (the mpi backend,
// backends/mpi/README.md). Channels and alt know only this interface; the backend that carries
// the channel implements it.
//
// A backend that carries a channel between address spaces installs a `remote_port` in the
// channel's core for the run (channel_core::set_remote). From then on every operation on that
// channel in this address space goes through the port instead of the channel's own queues:
//
//   operate      attempt(e, enlist = true): the port posts the operation and returns
//                would_block; the caller parks as for a local channel, and the port's
//                backend completes the waiter (waiter.hpp, step 3) when the operation is decided.
//   try_operate  try_attempt(e): the port asks whoever decides the channel and returns what
//                the operation did, waiting only for that answer, never for a partner.
//   alt          phase 1 attempt(e, enlist = false) returns would_block (nothing is known
//                here without asking); phase 2 enable(e) posts the guard and returns false;
//                phase 3 disable(e) withdraws it.
//
// Invariants a port keeps, on top of waiter.hpp's:
//   R1  A port claims a waiter's slot (I1) before it moves a value through one of its entries,
//       exactly as a local decider does; claims for one address space's waiters are made in
//       that address space, so the slot's CAS stays the single decision.
//   R2  A port that has claimed an alt's slot but can then not complete the communication (the
//       partner it had found withdrew meanwhile) completes the waiter with result
//       `status::would_block`: no guard fired and nothing moved, and the alt starts its select
//       over (src/alt.cpp). A single operation (operate) is never completed that way.
//   R3  No channel lock is held while calling the port.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <csp/detail/waiter.hpp>
#include <csp/status.hpp>

namespace csp::detail {

/// The values of one channel as bytes: csp::codec<T> for the T the channel was made with,
/// without T. Both functions are null when T has no codec.
struct value_codec {
  /// Appends the bytes of *static_cast<const T*>(value) to out.
  void (*encode)(const void* value, std::vector<std::byte>& out) = nullptr;
  /// Decodes all of `bytes` into *static_cast<std::optional<T>*>(slot); throws
  /// csp::codec_error when they are not a T.
  void (*decode)(std::span<const std::byte> bytes, void* slot) = nullptr;

  /// For a T whose value is one run of bytes in memory (a vector or string of trivially
  /// copyable elements): what moves it between address spaces in place, from and into the T's
  /// own storage, without encoding. Null for every other T.
  struct in_place_ops {
    /// The bytes of *static_cast<const T*>(object).
    std::span<const std::byte> (*bytes)(const void* object);
    /// The storage of *static_cast<T*>(object), to be written.
    std::span<std::byte> (*storage)(void* object);
    /// A new T moved from *static_cast<T*>(value).
    void* (*adopt)(void* value);
    /// A T whose bytes are `size` long, contents unspecified: `reuse` (a T made by adopt or
    /// make, whose storage it keeps where it can) resized, or a new one if that is null.
    /// Throws csp::codec_error when `size` is no whole number of elements.
    void* (*make)(std::size_t size, void* reuse);
    /// Emplaces *static_cast<T*>(object), moved or copied, into *static_cast<std::optional<T>*>(slot).
    void (*settle)(void* object, void* slot, bool move);
    /// Deletes a T made by adopt or make.
    void (*destroy)(void* object);
  };
  const in_place_ops* in_place = nullptr;
  /// sizeof(T) for a trivially copyable T, whose every value is that many bytes; 0 where the
  /// size varies or is not known (--csp-stats counts bytes where it is known).
  std::size_t fixed_size = 0;

  bool available() const noexcept { return encode != nullptr; }
};

class remote_port {
 public:
  virtual ~remote_port() = default;
  /// See the top of this file. `e.owner` is set; for enlist, the caller parks on it next.
  virtual status attempt(wait_entry& e, bool enlist) = 0;
  virtual status try_attempt(wait_entry& e) = 0;
  virtual bool enable(wait_entry& e) = 0;
  virtual void disable(wait_entry& e) = 0;
  /// An end of `side` was made, retired or dropped here.
  virtual void join(op_kind side) = 0;
  virtual void leave(op_kind side) = 0;
  virtual void poison() = 0;
};

}  // namespace csp::detail
