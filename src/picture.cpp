// Pictures of a network: picture.hpp says what is drawn and how.
#include <csp/detail/picture.hpp>

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <channels/channel_core.hpp>
#include <csp/codec.hpp>
#include <csp/errors.hpp>

extern char** environ;

namespace csp::detail {
namespace {

using end_key = std::pair<const channels::channel_core*, op_kind>;

// The ends held below each process: by the processes of every sub-network it ran, and below
// them. Groups come parents first, so one pass from the back sees every child before its parent.
std::map<const process_state*, std::set<end_key>> ends_below(const std::vector<group*>& groups) {
  std::map<const process_state*, std::set<end_key>> below;
  for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
    const process_state* runner = (*g)->join.proc;
    if (g + 1 == groups.rend() || runner == nullptr) continue;  // the top-level group
    std::set<end_key>& into = below[runner];
    for (const auto& p : (*g)->processes) {
      for (const end_ref& e : p->ends) into.emplace(e.channel.get(), e.side);
      if (auto it = below.find(p.get()); it != below.end()) into.insert(it->second.begin(), it->second.end());
    }
  }
  return below;
}

}  // namespace

picture picture_of(const std::vector<group*>& groups, bool counts) {
  picture pic;
  if (groups.empty()) return pic;
  pic.network = groups.front()->name;
  const auto below = ends_below(groups);

  std::map<const process_state*, int> index;
  std::map<const channels::channel_core*, int> channel_index;
  auto channel_of = [&](const channels::channel_core& c) {
    auto [it, added] = channel_index.emplace(&c, static_cast<int>(pic.channels.size()));
    if (added) {
      picture::channel ch{.name = c.name(), .type = c.type(), .flavor = c.flavor(), .messages = {}, .writers = {}, .readers = {}};
      if (counts) ch.messages = c.delivered();
      pic.channels.push_back(std::move(ch));
    }
    return it->second;
  };
  for (const group* g : groups) {
    int cluster = -1;
    if (g != groups.front() && g->join.proc != nullptr) {
      const auto runner = index.find(g->join.proc);
      const int parent = runner == index.end() ? -1 : pic.processes[static_cast<std::size_t>(runner->second)].cluster;
      if (runner != index.end()) ++pic.processes[static_cast<std::size_t>(runner->second)].runs;
      pic.clusters.push_back({.name = g->join.proc->name, .network = g->name, .parent = parent});
      cluster = static_cast<int>(pic.clusters.size()) - 1;
    }
    for (const auto& c : g->channels) channel_of(*c);
    for (const auto& p : g->processes) {
      const int me = static_cast<int>(pic.processes.size());
      index.emplace(p.get(), me);
      pic.processes.push_back({.name = p->name, .cluster = cluster});
    }
  }
  // The edges, now that every process has its index. A process that ran a sub-network keeps
  // only the ends none of the sub-network's processes hold.
  for (const group* g : groups) {
    for (const auto& p : g->processes) {
      const int me = index.at(p.get());
      const auto mine = below.find(p.get());
      for (const end_ref& e : p->ends) {
        if (mine != below.end() && mine->second.contains({e.channel.get(), e.side})) continue;
        std::vector<int>& side = e.side == op_kind::send ? pic.channels[static_cast<std::size_t>(channel_of(*e.channel))].writers
                                                         : pic.channels[static_cast<std::size_t>(channel_of(*e.channel))].readers;
        if (std::find(side.begin(), side.end(), me) == side.end()) side.push_back(me);
      }
    }
  }
  return pic;
}

namespace {

using wire_picture =
    std::tuple<std::string, std::string, std::vector<std::tuple<std::string, int, int, int>>,
               std::vector<std::tuple<std::string, std::string, int>>,
               std::vector<std::tuple<std::string, std::string, std::string, std::optional<std::uint64_t>, std::vector<int>,
                                      std::vector<int>>>>;

}  // namespace

std::vector<std::byte> encode_picture(const picture& p) {
  wire_picture w{p.network, p.where, {}, {}, {}};
  for (const auto& x : p.processes) std::get<2>(w).emplace_back(x.name, x.rank, x.cluster, x.runs);
  for (const auto& c : p.clusters) std::get<3>(w).emplace_back(c.name, c.network, c.parent);
  for (const auto& c : p.channels) std::get<4>(w).emplace_back(c.name, c.type, c.flavor, c.messages, c.writers, c.readers);
  return csp::encode(w);
}

picture decode_picture(std::span<const std::byte> bytes) {
  auto [network, where, processes, clusters, channels] = csp::decode<wire_picture>(bytes);
  picture p{.network = std::move(network), .where = std::move(where)};
  for (auto& [name, rank, cluster, runs] : processes) p.processes.push_back({std::move(name), rank, cluster, runs});
  for (auto& [name, net, parent] : clusters) p.clusters.push_back({std::move(name), std::move(net), parent});
  for (auto& [name, type, flavor, messages, writers, readers] : channels) {
    p.channels.push_back({std::move(name), std::move(type), std::move(flavor), messages, std::move(writers), std::move(readers)});
  }
  // Indices that point nowhere would make a drawing read out of bounds: bytes from elsewhere
  // are checked like any input.
  const auto n = static_cast<int>(p.processes.size());
  const auto k = static_cast<int>(p.clusters.size());
  auto bad = [&](int i, int size) { return i < -1 || i >= size; };
  for (const auto& x : p.processes) {
    if (bad(x.cluster, k)) throw csp::codec_error("csp::detail::picture", "a process is in a cluster the picture does not have");
  }
  for (const auto& c : p.clusters) {
    if (bad(c.parent, k)) throw csp::codec_error("csp::detail::picture", "a cluster has a parent the picture does not have");
  }
  for (const auto& c : p.channels) {
    for (const std::vector<int>* side : {&c.writers, &c.readers}) {
      for (int i : *side) {
        if (i < 0 || i >= n) throw csp::codec_error("csp::detail::picture", "a channel has an end at a process the picture does not have");
      }
    }
  }
  return p;
}

void add_sub_networks(picture& into, const picture& from, std::size_t top_processes, std::size_t top_channels,
                      int rank) {
  const std::size_t tp = std::min({top_processes, into.processes.size(), from.processes.size()});
  const std::size_t tc = std::min({top_channels, into.channels.size(), from.channels.size()});
  const auto cluster_base = static_cast<int>(into.clusters.size());
  std::vector<int> index(from.processes.size());
  for (std::size_t i = 0; i < from.processes.size(); ++i) {
    if (i < tp) {
      index[i] = static_cast<int>(i);
      continue;
    }
    picture::process x = from.processes[i];
    x.rank = rank;
    if (x.cluster >= 0) x.cluster += cluster_base;
    index[i] = static_cast<int>(into.processes.size());
    into.processes.push_back(std::move(x));
  }
  for (picture::cluster c : from.clusters) {
    if (c.parent >= 0) c.parent += cluster_base;
    into.clusters.push_back(std::move(c));
  }
  auto mapped = [&](const std::vector<int>& ends) {
    std::vector<int> out;
    for (int i : ends) out.push_back(index[static_cast<std::size_t>(i)]);
    return out;
  };
  for (std::size_t i = 0; i < tp; ++i) {
    if (from.processes[i].runs == 0) continue;
    // A top-level process that ran sub-networks there: its ends are where `from` draws them.
    into.processes[i].runs += from.processes[i].runs;
    const int me = static_cast<int>(i);
    for (std::size_t c = 0; c < tc; ++c) {
      for (auto side : {&picture::channel::writers, &picture::channel::readers}) {
        std::vector<int>& ends = into.channels[c].*side;
        const std::vector<int>& there = from.channels[c].*side;
        const bool keeps = std::find(there.begin(), there.end(), me) != there.end();
        if (!keeps) std::erase(ends, me);
      }
    }
  }
  for (std::size_t c = 0; c < from.channels.size(); ++c) {
    const picture::channel& ch = from.channels[c];
    if (c < tc) {  // a top-level channel: the ends the sub-networks' processes hold
      for (auto side : {&picture::channel::writers, &picture::channel::readers}) {
        for (int i : ch.*side) {
          if (static_cast<std::size_t>(i) >= tp) (into.channels[c].*side).push_back(index[static_cast<std::size_t>(i)]);
        }
      }
      continue;
    }
    picture::channel copy = ch;
    copy.writers = mapped(ch.writers);
    copy.readers = mapped(ch.readers);
    into.channels.push_back(std::move(copy));
  }
}

namespace {

// Which processes are drawn: every one that holds an end, or that ran no sub-network. A
// process that ran one and holds nothing itself is its cluster.
std::vector<bool> drawn(const picture& p) {
  std::vector<bool> out(p.processes.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = p.processes[i].runs == 0;
  for (const picture::channel& c : p.channels) {
    for (int w : c.writers) out[static_cast<std::size_t>(w)] = true;
    for (int r : c.readers) out[static_cast<std::size_t>(r)] = true;
  }
  return out;
}

// A channel with one writer and one reader is an edge; any other is a node of its own.
bool is_edge(const picture::channel& c) { return c.writers.size() == 1 && c.readers.size() == 1; }

std::vector<std::string> channel_lines(const picture::channel& c) {
  std::vector<std::string> lines{c.name, fmt::format("{}, {}", c.type, c.flavor)};
  if (c.messages) lines.push_back(fmt::format("{} message{}", *c.messages, *c.messages == 1 ? "" : "s"));
  return lines;
}

std::vector<std::string> process_lines(const picture::process& p) {
  std::vector<std::string> lines{p.name};
  if (p.rank >= 0) lines.push_back(fmt::format("rank {}", p.rank));
  return lines;
}

std::string title(const picture& p) {
  return p.where.empty() ? fmt::format("network '{}'", p.network) : fmt::format("network '{}' on {}", p.network, p.where);
}

// DOT: a quoted string, its lines joined by \n.
std::string dot_text(const std::vector<std::string>& lines) {
  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i) joined += (i > 0 ? "\n" : "") + lines[i];
  return dot_string(joined);
}

// Mermaid: a quoted label, with the characters its parser takes for syntax as entity codes.
std::string mermaid_text(const std::vector<std::string>& lines) {
  std::string s = "\"";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) s += "<br/>";
    for (char ch : lines[i]) {
      switch (ch) {
        case '"': s += "#quot;"; break;
        case '<': s += "#lt;"; break;
        case '>': s += "#gt;"; break;
        case '#': s += "#35;"; break;
        case '\n': s += "<br/>"; break;
        default: s += ch;
      }
    }
  }
  return s + "\"";
}

// The processes and clusters inside cluster `at` (-1: the top level), nested.
template <class Node, class Open, class Close>
void nest(const picture& p, const std::vector<bool>& shown, int at, int depth, std::string& out, Node node, Open open,
          Close close) {
  for (std::size_t i = 0; i < p.processes.size(); ++i) {
    if (shown[i] && p.processes[i].cluster == at) node(i, depth, out);
  }
  for (std::size_t c = 0; c < p.clusters.size(); ++c) {
    if (p.clusters[c].parent != at) continue;
    open(c, depth, out);
    nest(p, shown, static_cast<int>(c), depth + 1, out, node, open, close);
    close(depth, out);
  }
}

std::string indent(int depth) { return std::string(static_cast<std::size_t>(2 * depth), ' '); }

std::string cluster_label(const picture::cluster& c) {
  return c.network == c.name ? c.name : fmt::format("{} (sub-network '{}')", c.name, c.network);
}

}  // namespace

std::string dot_string(const std::string& text) {
  std::string s = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') s += '\\';
    if (ch == '\n') {
      s += "\\n";
      continue;
    }
    s += ch;
  }
  return s + "\"";
}

std::string to_dot(const picture& p) {
  const std::vector<bool> shown = drawn(p);
  std::string out = fmt::format("digraph {} {{\n", dot_text({p.network}));
  out += fmt::format("  graph [label={}, labelloc=t, rankdir=LR, fontname=\"Helvetica\"];\n", dot_text({title(p)}));
  out += "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  nest(
      p, shown, -1, 1, out,
      [&](std::size_t i, int depth, std::string& o) {
        o += fmt::format("{}p{} [label={}];\n", indent(depth), i, dot_text(process_lines(p.processes[i])));
      },
      [&](std::size_t c, int depth, std::string& o) {
        o += fmt::format("{}subgraph cluster_{} {{\n{}  label={}; style=rounded;\n", indent(depth), c, indent(depth),
                         dot_text({cluster_label(p.clusters[c])}));
      },
      [](int depth, std::string& o) { o += indent(depth) + "}\n"; });
  for (std::size_t i = 0; i < p.channels.size(); ++i) {
    const picture::channel& c = p.channels[i];
    if (is_edge(c)) {
      out += fmt::format("  p{} -> p{} [label={}];\n", c.writers[0], c.readers[0], dot_text(channel_lines(c)));
      continue;
    }
    out += fmt::format("  c{} [shape=ellipse, style=solid, label={}];\n", i, dot_text(channel_lines(c)));
    for (int w : c.writers) out += fmt::format("  p{} -> c{};\n", w, i);
    for (int r : c.readers) out += fmt::format("  c{} -> p{};\n", i, r);
  }
  return out + "}\n";
}

std::string to_mermaid(const picture& p) {
  const std::vector<bool> shown = drawn(p);
  std::string out = fmt::format("---\ntitle: {}\n---\nflowchart LR\n", mermaid_text({title(p)}));
  nest(
      p, shown, -1, 1, out,
      [&](std::size_t i, int depth, std::string& o) {
        o += fmt::format("{}p{}[{}]\n", indent(depth), i, mermaid_text(process_lines(p.processes[i])));
      },
      [&](std::size_t c, int depth, std::string& o) {
        o += fmt::format("{}subgraph s{}[{}]\n", indent(depth), c, mermaid_text({cluster_label(p.clusters[c])}));
      },
      [](int depth, std::string& o) { o += indent(depth) + "end\n"; });
  for (std::size_t i = 0; i < p.channels.size(); ++i) {
    const picture::channel& c = p.channels[i];
    if (is_edge(c)) {
      out += fmt::format("  p{} -->|{}| p{}\n", c.writers[0], mermaid_text(channel_lines(c)), c.readers[0]);
      continue;
    }
    out += fmt::format("  c{}([{}])\n", i, mermaid_text(channel_lines(c)));
    for (int w : c.writers) out += fmt::format("  p{} --> c{}\n", w, i);
    for (int r : c.readers) out += fmt::format("  c{} --> p{}\n", i, r);
  }
  return out;
}

std::string picture_format(const std::string& file) {
  const std::size_t dot = file.rfind('.');
  if (dot == std::string::npos || file.find('/', dot) != std::string::npos) return {};
  std::string ext = file.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "dot" || ext == "gv") return "dot";
  if (ext == "mmd" || ext == "mermaid") return "mermaid";
  if (ext == "svg" || ext == "png" || ext == "pdf") return ext;
  return {};
}

namespace {

void write_text(const std::string& file, const std::string& text) {
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  if (f) f << text;
  if (!f || !f.flush()) throw error(fmt::format("cannot write the picture '{}': {}", file, std::strerror(errno)));
}

// Runs `dot -T<format> -o <file> <a temporary file holding text>`. Returns false when no
// `dot` program can be started; throws when it runs and fails. (A file, not a pipe: a dot that
// ends early would have the pipe's SIGPIPE end this program.)
bool render(const std::string& format, const std::string& file, const std::string& text) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string tmp = fmt::format("{}/csp-picture-XXXXXX", tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
  const int fd = mkstemp(tmp.data());
  if (fd < 0) throw error(fmt::format("cannot render the picture '{}': a temporary file: {}", file, std::strerror(errno)));
  close(fd);
  struct remove_tmp {
    const std::string& path;
    ~remove_tmp() { unlink(path.c_str()); }
  } cleanup{tmp};
  write_text(tmp, text);
  std::string type = "-T" + format, out = "-o" + file;
  char dot_name[] = "dot";
  char* argv[] = {dot_name, type.data(), out.data(), tmp.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ);
  if (spawned == ENOENT) return false;
  if (spawned != 0) {
    throw error(fmt::format("cannot render the picture '{}': cannot start Graphviz's dot: {}", file, std::strerror(spawned)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return false;  // the child found no dot to run
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw error(fmt::format("cannot render the picture '{}': Graphviz's dot failed (wait status {})", file, status));
  }
  return true;
}

}  // namespace

void write_dot(const std::string& text, const std::string& file) {
  const std::string format = picture_format(file);
  if (format == "dot") return write_text(file, text);
  if (format.empty() || format == "mermaid") {
    throw error(fmt::format("cannot write the picture '{}': not a Graphviz file name", file));
  }
  if (render(format, file, text)) return;
  write_text(file + ".dot", text);
  std::cerr << fmt::format("csp: cannot render '{}': Graphviz's dot program is not installed (apt-get install graphviz); "
                           "wrote the picture as DOT to '{}.dot'\n",
                           file, file);
}

void write_picture(const picture& p, const std::string& file) {
  if (picture_format(file) == "mermaid") return write_text(file, to_mermaid(p));
  write_dot(to_dot(p), file);
}

std::string deadlock_file(const std::string& graph_file) {
  const std::string format = picture_format(graph_file);
  const std::size_t dot = graph_file.rfind('.');
  if (format.empty() || dot == std::string::npos) return graph_file + ".deadlock.dot";
  const std::string stem = graph_file.substr(0, dot);
  return format == "mermaid" ? stem + ".deadlock.dot" : stem + ".deadlock" + graph_file.substr(dot);
}

}  // namespace csp::detail
