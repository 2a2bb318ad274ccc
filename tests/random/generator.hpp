// Random process networks, as data: a seed gives channels of random flavors, processes holding
// random ends of them (any-to-any), and a script for each process. executor.hpp runs one,
// checks.hpp says whether the run kept DESIGN.md section 2.
//
// Two kinds of network, and why the acyclic ones always end
//   Every script is finite: a send step ends when its value went out or its channel closed, a
//   receive step when a value came in or every input closed, an alt is one select. After its
//   script a process retires its writer ends and drains its reader ends to end-of-stream.
//   Acyclic networks (three in four) add two rules, which make them deadlock-free:
//   A. A process that waits without a timer accepts input on every reader end it still has
//      open. A blocking send is a select of the output guard with an input guard on every open
//      reader end (a plain send() only when the process has no open input, or on a flavor whose
//      sends never wait); a blocking receive is a select over all open inputs (a plain recv()
//      or range-for only when one input is open); an alt without a skip or timeout guard
//      enables every open input, whatever its random precondition says.
//   B. Every channel's writers come before its readers in process order (p0, p1, ...): the
//      processes and channels form a DAG. So no process holds both ends of one channel.
//   Suppose every live process waited for good. By A, one waiting to send on channel c, which
//   has a live reader, would be matched by that reader's enabled input on c (or, buffered, by
//   the room the reader frees): so every wait is for input only. Take the first live process
//   in process order: by B the writers of its inputs come before it, so they have ended and
//   their ends retired; each of its open inputs is either buffered or at end-of-stream, and by
//   A its wait accepts them all: it cannot be waiting for good. So there is no deadlock.
//   Faults keep this: poison and retire make operations fail at once, and a process that
//   throws aborts the run (every channel poisoned, every timed wait ended).
//   Cyclic networks (one in four) drop rule B: channels go any way, a process may hold both
//   ends of one. They deadlock now and then, which exercises the deadlock detector, the abort
//   that follows and the values it strands.
//
// Outcome classes (asserted by checks.cpp)
//   tier::plain, acyclic   run() returns 0, no send fails, every channel reaches end-of-stream.
//   tier::faults, acyclic  run() returns 0 when no process let an exception other than
//                          csp::poisoned / csp::retired escape (those end a process normally,
//                          docs/termination.md); otherwise it throws csp::process_error naming
//                          one of those processes.
//   cyclic, either tier    as above, or csp::deadlock, with a report naming blocked processes
//                          of the network. The failure that came first wins: a deadlock report
//                          may come with failures after it (the abort goes on to them).
//   Deadlock in an acyclic network, and anything else run() throws, is a bug.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <csp/channel.hpp>

namespace csp_random {

/// The no-fault tier (every value is received exactly once) or the fault-injection tier.
enum class tier : std::uint8_t { plain, faults };

/// Ends of one side a process may hold: the alts have this many input and output guards.
inline constexpr std::size_t max_ends = 4;

struct channel_spec {
  std::string name;
  csp::flavor flavor;
};

enum class op : std::uint8_t {
  send,      // `count` values on writer end `end`, one after another
  try_send,  // one value on writer end `end`, if that needs no waiting
  recv,      // `count` values, from reader end `end` when it is the only open input, else any
  try_recv,  // one value from reader end `end`, if one is there
  alt,       // one select over input and output guards (see alt_spec)
  retire,    // retire end `end` (a writer end, or a reader end with `reader`)
  poison,    // poison the channel of end `end` (fault)
  fail,      // throw injected_failure (fault)
};

enum class select_kind : std::uint8_t { pri, random, fair };
enum class extra_guard : std::uint8_t { none, skip, timeout };

struct alt_spec {
  select_kind kind = select_kind::pri;
  std::array<bool, max_ends> in_when{};  // precondition of the input guard on reader end i
  std::array<bool, max_ends> offer{};    // an output guard on writer end i
  extra_guard extra = extra_guard::none;
  std::uint32_t timeout_us = 0;
  bool outputs_first = false;            // guard order: outputs before inputs
};

struct step {
  op kind = op::send;
  std::uint8_t end = 0;
  bool reader = false;  // retire / poison: the end is a reader end
  std::uint8_t count = 1;
  alt_spec alt{};
};

/// What a process does when csp::poisoned or csp::retired reaches it: note the end as closed
/// and go on, or let the exception end the process (a normal ending, docs/termination.md).
enum class on_closed : std::uint8_t { carry_on, escape };

/// A process that runs its script inside a sub-network of its own, next to a source and a
/// sink joined by a channel: csp::run(sub) inside the body, so that a failing sink (or
/// script) fails the sub-network, and through it this process.
struct sub_spec {
  csp::flavor flavor;
  std::uint32_t values = 0;        // the source sends this many, then ends
  enum class sink_end : std::uint8_t { drain, retire, fail } sink = sink_end::drain;
  std::uint32_t sink_after = 0;    // retire / fail: after receiving this many
};

struct process_spec {
  std::string name;
  std::vector<std::size_t> reads{}, writes{};  // channel indices; reader end i is reads[i]
  std::vector<step> script{};
  bool propagate_poison = false;
  on_closed policy = on_closed::carry_on;
  select_kind drain_kind = select_kind::fair;
  bool in_subnetwork = false;
  sub_spec sub{};
};

struct network_spec {
  std::uint64_t seed = 0;
  tier level = tier::plain;
  bool acyclic = true;  // rule B above: may not deadlock
  std::vector<channel_spec> channels{};
  std::vector<process_spec> processes{};
};

/// The network of `seed` in `level`: the same seed and tier always give the same network.
network_spec generate(std::uint64_t seed, tier level);

/// A readable listing: channels and flavors, each process's ends, policy and script.
std::string dump(const network_spec& spec);

/// "rendezvous", "bounded(3)", "unbounded", "overwriting(2)".
std::string describe(const csp::flavor& f);
const char* to_string(tier t) noexcept;

/// True for the flavors whose send never waits (unbounded, overwriting).
bool never_waits(const csp::flavor& f) noexcept;

}  // namespace csp_random
