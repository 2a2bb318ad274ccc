// Running a generated network (generator.hpp) on one backend configuration, and recording what
// every process did: values sent and received, ends seen closed, faults done, how its body
// ended. Each process writes only its own log; the logs are read after run() returned, which
// orders every write before the read, so the bookkeeping needs no lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "random/generator.hpp"
#include "random/token.hpp"

namespace csp_random {

/// What a `fail` step (or a failing sink) throws: it carries the name of the process that threw.
class injected_failure : public std::runtime_error {
 public:
  explicit injected_failure(const std::string& process)
      : std::runtime_error("injected failure in " + process), process_(process) {}
  const std::string& process() const noexcept { return process_; }

 private:
  std::string process_;
};

/// A process spec gives up to four processes, each with a log slot: the process itself (for a
/// sub-network host, the host), and for a host the script, source and sink inside its
/// sub-network. A value's tag names its writer by slot.
enum role : std::size_t { self = 0, script = 1, source = 2, sink = 3, roles = 4 };
inline std::size_t slot_of(std::size_t process, role r) { return process * roles + r; }

/// Channel ids in tags and logs: the network's channels first, then the sub-network channel of
/// process p as channels.size() + p.
inline std::uint32_t inner_channel(const network_spec& s, std::size_t p) {
  return static_cast<std::uint32_t>(s.channels.size() + p);
}

enum class fault : std::uint8_t { fail, poison, retire, sink_fail, sink_retire };
inline constexpr std::size_t fault_kinds = 5;

/// How a process body ended, as its own wrapper saw it.
enum class ending : std::uint8_t {
  not_started,
  returned,
  closed,      // csp::poisoned or csp::retired escaped: a normal ending
  injected,    // injected_failure escaped
  nested,      // csp::process_error escaped: its sub-network failed
  unexpected,  // anything else escaped: a bug
};

struct sent_rec {
  std::uint32_t channel;
  std::uint32_t seq;
};
struct recv_rec {
  std::uint32_t channel;  // the channel it was received from
  tag value;              // what the token said
};

struct proc_log {
  std::string name;
  bool used = false;  // this slot is a process of the network
  bool entered = false, exited = false;
  ending end = ending::not_started;
  std::uint64_t end_seq = 0;  // event clock when a failure (injected, nested, unexpected) escaped
  std::string what;           // the what() of what escaped
  std::vector<sent_rec> sent;           // values sent ok, in order
  std::vector<recv_rec> got;            // values received, in order
  std::vector<std::uint32_t> eos;       // channels on which end-of-stream was seen
  std::uint64_t failed_sends = 0;       // a send that got csp::retired / csp::poisoned
  std::uint64_t refused = 0;            // try_send: would_block
  std::uint64_t timeouts = 0, skips = 0;
  std::array<std::uint64_t, fault_kinds> faults{};
  std::uint64_t retires = 0;            // retire steps (plain tier: budget spent)
  std::string handback;                 // non-empty: a refused try_send did not hand its value back
  // A sub-network host: its sub-network channel when the sub-network had ended.
  std::optional<csp::channels::channel_core::counts> inner;
};

struct run_result {
  enum class outcome { clean, process_error, deadlock, other } result = outcome::clean;
  std::string what;  // what() of the exception run() threw
  std::exception_ptr error;
  std::vector<proc_log> logs;  // slot_of(process, role)
  std::vector<csp::channels::channel_core::counts> channels;  // after run()
  long leaked_tokens = 0;  // tokens alive once the network was destroyed, minus before it ran
};

/// Builds the network of `spec` and runs it on `cfg`.
run_result execute(const network_spec& spec, const csp::config& cfg);

}  // namespace csp_random
