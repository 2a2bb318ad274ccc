// Pictures of a network (DESIGN.md section 5, docs/observability.md): its processes, the
// channels between them, and the sub-networks they ran, as Graphviz DOT or Mermaid.
//
// The picture is built in two steps, like the deadlock report (report.hpp): picture_of() turns
// the groups of a run into plain values, and to_dot() / to_mermaid() draw such values. A
// channel with one process at each end is an edge from its writer to its reader; a channel
// whose ends are shared (more than one writer or reader) or held by no process on one side is
// a node of its own, with an edge from each writer and to each reader, so that sharing shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include <csp/detail/runtime.hpp>

namespace csp::detail {

struct picture {
  struct process {
    std::string name;
    int rank = -1;     // where the mpi backend placed it; -1 elsewhere
    int cluster = -1;  // the sub-network it belongs to (index into clusters), -1 at top level
    int runs = 0;      // sub-networks it ran
  };
  /// A sub-network that a process ran: drawn as a box around its processes, labelled with the
  /// process that ran it, in place of that process.
  struct cluster {
    std::string name;  // the process that ran it
    std::string network;
    int parent = -1;  // the cluster of that process, -1 at top level
  };
  struct channel {
    std::string name, type, flavor;
    std::optional<std::uint64_t> messages;  // values delivered to readers, once the run is over
    std::vector<int> writers, readers;      // processes holding an end (indices into processes)
  };
  std::string network;
  std::string where;  // the backend, e.g. "fiber, 2 threads"
  std::vector<process> processes;
  std::vector<cluster> clusters;
  std::vector<channel> channels;
};

/// The picture of a run's groups (top-level first, as runtime::groups() gives them), with
/// each channel's message count when `counts`. A process that ran a sub-network becomes that
/// sub-network's cluster; an end it holds and a process of the sub-network also holds is
/// drawn only at the latter (csp::parallel gives its ends to its children).
picture picture_of(const std::vector<group*>& groups, bool counts);

/// A picture as bytes (csp::encode), and back: how another address space's picture of the
/// same run travels (the mpi backend).
std::vector<std::byte> encode_picture(const picture& p);
picture decode_picture(std::span<const std::byte> bytes);

/// Adds to `into` what `from`, another address space's picture of the same run, has beyond the
/// top-level network that both begin with (its first `top_processes` processes and
/// `top_channels` channels, alike in both): the sub-networks that top-level processes placed
/// there ran, with their processes (on `rank`), clusters and channels. The ends a top-level
/// process placed there handed down to them are taken off that process in `into`, as
/// picture_of() does in one address space.
void add_sub_networks(picture& into, const picture& from, std::size_t top_processes, std::size_t top_channels,
                      int rank);

std::string to_dot(const picture& p);
/// `text` as a DOT string: quoted, its quotes and backslashes escaped, its lines joined by \n.
std::string dot_string(const std::string& text);
std::string to_mermaid(const picture& p);

/// What `file`'s extension asks for: "dot" (.dot, .gv), "mermaid" (.mmd, .mermaid), or a
/// Graphviz output format ("svg", "png", "pdf"); empty when the extension is none of these.
std::string picture_format(const std::string& file);

/// Writes `p` to `file` in the format its extension names. An image is rendered by Graphviz's
/// `dot` program; where that is not installed, writes the DOT to `file` + ".dot" instead and
/// says so on stderr. Throws csp::error naming the file when it cannot be written.
void write_picture(const picture& p, const std::string& file);
/// Writes DOT `text` to `file`: as it is for .dot and .gv, rendered by Graphviz for .svg,
/// .png and .pdf (with write_picture's fallback).
void write_dot(const std::string& text, const std::string& file);

/// Where a deadlock's wait-for graph goes beside the picture `graph_file`: "net.svg" gives
/// "net.deadlock.svg", and a Mermaid file "net.mmd" gives "net.deadlock.dot" (the wait-for
/// graph is drawn as DOT only).
std::string deadlock_file(const std::string& graph_file);

}  // namespace csp::detail
