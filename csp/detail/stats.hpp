// --csp-stats (DESIGN.md section 5, docs/observability.md): when a run ends, a table of its
// channels (messages, bytes where the type's size is fixed, time writers and readers spent
// parked on them) and of its processes (life, running and parked time, of which in alts).
//
// The times come from the runtime, which observes only when asked (runtime::observe()): each
// process then stamps its start and end (execute) and each wait's length (wait), adding a
// single operation's wait to its channel's writers' or readers' total. Parked means in
// wait(): blocked on a channel, in an alt, or on a timer; running is the rest of its life,
// including the time it was ready but not scheduled.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <csp/detail/runtime.hpp>

namespace csp::detail {

/// The figures of a run's top-level processes and channels, in their order in its group, as
/// plain numbers, so that a backend running processes in several address spaces (mpi) can sum
/// them: each process runs in one, and each channel's messages are counted in one.
struct run_figures {
  struct channel {
    std::uint64_t messages = 0, writers_waited_ns = 0, readers_waited_ns = 0;
  };
  struct process {
    std::uint64_t life_ns = 0, waited_ns = 0, in_alts_ns = 0;  // life 0: it did not run here
  };
  std::vector<channel> channels;
  std::vector<process> processes;

  /// As one array (channels then processes, three numbers each), and back.
  std::vector<std::uint64_t> flat() const;
  static run_figures from_flat(std::span<const std::uint64_t> numbers, std::size_t channels, std::size_t processes);
};

/// What this address space saw of `top`'s processes and channels.
run_figures figures_of(const group& top);

/// What names a sub-network's processes in tables and traces: the processes that ran it, as
/// "outer/inner/" (then the process's own name); "" for the top-level group (groups.front()).
std::map<const group*, std::string> name_prefixes(const std::vector<group*>& groups);

/// Rows of a table, as cells: channels (name, type, flavor, messages, bytes, writers' and
/// readers' waits) and processes (name, life, running, parked, in alts, running %).
struct stats_rows {
  std::vector<std::vector<std::string>> channels{}, processes{};
};

/// The rows of the sub-networks among `groups` (all but the first, the top-level group), as
/// this address space timed them: what another address space adds to the table (mpi).
stats_rows sub_network_rows(const std::vector<group*>& groups);

/// The table for the run of `groups` (top-level first): the top-level network from `top`
/// (figures_of, or a backend's sums), then the sub-networks as this address space saw them,
/// then the rows of sub-networks that ran `elsewhere`. `where` names the backend; `wall` is
/// the run's length.
std::string stats_table(const std::vector<group*>& groups, const run_figures& top, const std::string& where,
                        clock::duration wall, const std::vector<stats_rows>& elsewhere = {});

}  // namespace csp::detail
