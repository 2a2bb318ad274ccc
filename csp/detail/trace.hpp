// --csp-trace (DESIGN.md section 5, docs/observability.md): a Chrome/Perfetto JSON trace of a
// run. Each process is a track of alternating slices: running, blocked on a read or a write
// of one channel, in an alt, on a timer, or joining a sub-network. Each message is a flow
// arrow from the moment its writer offered it to the moment its reader had it.
//
// How it is gathered
//   While the run goes on, processes append trace_records to a ring of their thread's own
//   (record(): no lock, no sharing; a fiber appends to the ring of the thread it is on). A
//   ring keeps its thread's last `limit` records: older ones are overwritten, so a trace
//   costs bounded memory however long the run. Records are turned into slices and flow ends
//   only when the run has ended (part()), and written as JSON (trace_json()).
//
// What it costs when off
//   The runtime has no tracer: each wait tests one flag it already tested for --csp-stats,
//   and each channel operation tests one pointer. The channels number their messages always
//   (wait_entry::seq, a store beside the message count they already keep under their lock).
//
// Pairing writer and reader
//   A channel numbers the values that enter it, 1, 2, 3, ..., under its lock, and writes the
//   number into the entries of the writer and of the reader of each (wait_entry::seq): into
//   its own entry by the process that moves the value, into the partner's before completing
//   it (waiter.hpp, I2). A buffered value keeps the number it entered with, computed when it
//   leaves (FIFO order; an overwriting buffer counts what it dropped). A channel carried
//   between address spaces (mpi) is numbered by its home, which sends each number with the
//   completion. So a flow is (channel, number), and its two ends are recorded apart, each by
//   its own process; the arrow is drawn only when both ends are in the trace.
//
// The window of a wrapped ring
//   Once a ring has wrapped, what its thread did before its oldest kept record is unknown;
//   the trace then starts at the latest such moment over all rings (the cutoff), so that
//   every track shows all of the same window and no flow loses one end to a ring that wrapped
//   sooner than another.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <csp/detail/runtime.hpp>

namespace csp::detail {

/// Nanoseconds of the steady clock: the trace's time.
inline std::int64_t trace_ns(clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline std::int64_t trace_now() noexcept { return trace_ns(clock::now()); }

/// One thing a process did, as its thread's ring keeps it.
struct trace_record {
  enum class what : std::uint8_t {
    started,   // at: it began
    ended,     // at: it ended
    parked,    // at..until: in wait()
    sent,      // at: the send (or the alt that sent) began; message `seq` of `channel`
    received,  // at: the receive (or the alt that received) returned with message `seq`
  };
  what type = what::started;
  op_kind side = op_kind::recv;  // parked on one channel: which side
  std::uint16_t guards = 0;      // parked: the channel guards waited on (1: a single operation)
  std::int64_t at = 0;
  std::int64_t until = 0;        // parked only
  const process_state* proc = nullptr;
  const void* on = nullptr;      // parked: the channel_core of one guard, or the group joined
  std::uint64_t channel = 0;     // the channel's serial (channel_core::serial)
  std::uint64_t seq = 0;         // sent, received

  /// When the record was appended: records of one ring are in this order.
  std::int64_t stamp() const noexcept { return type == what::parked ? until : at; }
};

/// What one address space saw of a run, resolved: tracks, slices and flow ends. Plain values,
/// so that a backend with several address spaces (mpi) can gather them into one trace.
struct trace_part {
  int rank = -1;  // -1 where the run has one address space
  struct track {
    std::uint64_t id;  // unique within the part; its order in the network
    std::string name;  // the process ("runner/process" in a sub-network)
  };
  struct slice {
    std::uint64_t track;
    std::int64_t from, to;  // ns of the steady clock
    std::string state;      // running, read, write, alt, timer, join
    std::string name;       // e.g. "blocked on read 'numbers'"
  };
  struct flow_end {
    std::uint64_t channel;  // the same key in every address space for the same channel
    std::uint64_t seq;
    bool writer;
    std::uint64_t track;
    std::int64_t at;
    std::string channel_name;
  };
  std::vector<track> tracks{};
  std::vector<slice> slices{};
  std::vector<flow_end> flows{};
  std::uint64_t dropped = 0;  // records overwritten in wrapped rings
  std::int64_t cutoff = 0;    // the window's start, when a ring wrapped; else 0

  /// As bytes (csp::encode), and back.
  std::vector<std::byte> encode() const;
  static trace_part decode(std::span<const std::byte> bytes);
};

class tracer {
 public:
  /// Keeps at most `limit` records per thread.
  explicit tracer(std::size_t limit);
  tracer(const tracer&) = delete;
  tracer& operator=(const tracer&) = delete;
  ~tracer();

  /// Appends `r` to the calling thread's ring. Never throws: a ring that cannot grow wraps.
  void record(const trace_record& r) noexcept;

  // What the runtime, operate() and alt record.
  void started(const process_state& p) noexcept { record({.type = trace_record::what::started, .at = trace_now(), .proc = &p}); }
  void ended(const process_state& p) noexcept { record({.type = trace_record::what::ended, .at = trace_now(), .proc = &p}); }
  /// `p` was parked in `w` from `from` to `to`.
  void parked(const process_state& p, const waiter& w, std::int64_t from, std::int64_t to) noexcept;
  /// `p` completed `e` with ok: an operation that began at `began` and, if it waited, woke at
  /// `woke` (else zero). A send's end of the flow is `began`; a receive's is `woke`, or now
  /// when it did not wait (the value may have moved after `began`).
  void communicated(const process_state& p, const wait_entry& e, clock::time_point began,
                    clock::time_point woke) noexcept;

  /// Turns what every thread recorded of the run of `groups` (the top-level group first)
  /// into a part. Call after every process has ended. `rank` names the address space.
  trace_part part(const std::vector<group*>& groups, int rank) const;

 private:
  struct ring;
  ring& attach() noexcept;

  const std::uint64_t id_;  // tells this tracer's rings from another's in a thread's cache
  const std::size_t limit_;
  mutable std::mutex mu_;   // guards rings_ (the list; each ring belongs to its thread)
  std::vector<std::unique_ptr<ring>> rings_;
};

/// The trace of `parts` as Chrome/Perfetto JSON ("JSON Object Format"): a pid per part
/// (rank), a tid per track, X events for slices, s/f events for the flows whose ends are
/// both present. `where` names the backend.
std::string trace_json(const std::vector<trace_part>& parts, const std::string& network, const std::string& where);

/// Writes trace_json() to `file`; throws csp::error naming the file when it cannot.
void write_trace(const std::vector<trace_part>& parts, const std::string& network, const std::string& where,
                 const std::string& file);

/// The tracer of the run `p` belongs to, or null (off, or a thread outside any run).
inline tracer* tracing(const process_state& p) noexcept { return p.rt != nullptr ? p.rt->tracing() : nullptr; }

}  // namespace csp::detail
