// What a run of a generated network must have kept (DESIGN.md section 2, docs/termination.md),
// checked from the logs of executor.hpp. Each violation is a sentence naming the processes,
// channels and values involved.
//
// Every run
//   - every process entered its body and exited it; run() returned (a hang is a ctest timeout);
//   - no value invented: each value received was sent successfully, on that channel;
//   - none received twice;
//   - per reader, per channel, per writer the sequence numbers received increase (FIFO per
//     writer; for rendezvous it follows from a writer doing one send at a time);
//   - the channel's own count of values delivered equals the values its readers recorded;
//   - a refused try_send hands its value back;
//   - no value leaked: with the network destroyed, no token is alive.
// Values sent but never received, per flavor ("nothing is lost": every value sent is
// received, or its sender gets an error; buffered values are dropped only by poison, or left
// when every reader has retired):
//   rendezvous   none, ever (a send returns ok only once a reader has the value);
//   bounded(n)   the unreceived values of each writer come after all its received ones (they
//                were the buffer's tail when it was dropped); at most n of them; none at all if
//                a reader saw end-of-stream (then the buffer was drained);
//   unbounded    the same, without the bound;
//   overwriting  may be overwritten by design; with one writer and end-of-stream seen, its
//                last min(n, sent) values were not (nothing came after them to push them out).
// Outcomes (the classes of generator.hpp): plain tier, run() returned 0: no send failed, every
// channel reached end-of-stream, every process ended by returning, and so (with the rules
// above) every value sent on a non-overwriting channel was received exactly once. Faults tier:
// run() throws csp::process_error when some process let a failure (not poisoned/retired)
// escape, and returns 0 when none did; the error names one of those; when only one, that one;
// on fiber_1, where one thread runs everything, the first one; its cause is the
// injected_failure, or for a sub-network host the sub-network's process_error, down to the
// process that threw. csp::deadlock only in cyclic networks (then failures may follow it, and
// its report must list processes of the network).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <csp/config.hpp>

#include "random/executor.hpp"
#include "random/generator.hpp"

namespace csp_random {

/// Figures of one or more runs, for the summary line.
struct figures {
  std::uint64_t networks = 0, cyclic = 0, processes = 0;
  std::uint64_t sent = 0, received = 0, overwritten = 0, stranded = 0, lost = 0;
  std::uint64_t failed_sends = 0, refused = 0, timeouts = 0, skips = 0, retires = 0;
  std::array<std::uint64_t, fault_kinds> faults{};
  std::uint64_t clean = 0, process_errors = 0, deadlocks = 0;

  figures& operator+=(const figures& o);
};

struct verdict {
  std::vector<std::string> violations;
  figures counts;
};

verdict check(const network_spec& spec, const run_result& run, const csp::config& cfg);

}  // namespace csp_random
