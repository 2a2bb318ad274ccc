// Words for what a blocked network is doing: the deadlock report of DESIGN.md section 2.
//
// The report is built in two steps so that a backend whose processes live in several address
// spaces (mpi) can gather the first step's results from each and make one report of them:
// blocked_processes() describes the blocked processes of some groups in plain values, and
// describe_deadlock() finds the wait-for cycle among such descriptions.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <csp/detail/runtime.hpp>

namespace csp::channels {
class channel_core;
}

namespace csp::detail {

/// One blocked process, in values that can cross address spaces. An edge P -> Q of the
/// wait-for graph exists when P wants a key with one side and Q holds that key with the other.
struct blocked_process {
  std::string name;
  int rank = -1;      // the rank it runs on, or -1 where there is one address space
  std::string doing;  // e.g. "waits to receive on 'c' (rendezvous of int)"
  struct want {
    std::string key;   // a channel's key, or a sub-network's
    std::string what;  // the channel's or sub-network's name
    op_kind kind;      // recv / send on a channel; recv for a sub-network (its members hold send)
    bool joining;      // waits for a sub-network to end
  };
  std::vector<want> wants{};
  std::vector<std::pair<std::string, op_kind>> holds{};  // ends held (key, side), and sub-networks joined
};

/// A name for a channel that every address space of the run gives it alike.
using channel_key = std::function<std::string(const channels::channel_core&)>;

/// The blocked processes of `groups`. Caller guarantees that no process can run meanwhile.
std::vector<blocked_process> blocked_processes(const std::vector<group*>& groups, const channel_key& key,
                                               int rank = -1);

/// The report: every blocked process, then the wait-for cycle among them (or why there is none).
std::string describe_deadlock(const std::vector<blocked_process>& blocked);

/// The wait-for graph among `blocked` as Graphviz DOT: a node per blocked process (its name
/// and rank), an edge P -> Q labelled with what P waits to do when Q holds the other end (a
/// process no edge leaves says in its node what it waits for); the cycle, if there is one, in
/// red.
std::string deadlock_dot(const std::vector<blocked_process>& blocked);

/// The blocked processes of `groups`, in one address space (channels keyed by address).
std::vector<blocked_process> blocked_processes(const std::vector<group*>& groups);

}  // namespace csp::detail
