// The deadlock report: who waits on whom.
//
// The wait-for graph has an edge P -> Q when P waits to receive on a channel of which Q holds
// a writer end (or to send, and Q holds a reader end), or when P waits for a sub-network of
// which Q is a process. Ends are those handed to a process as spawn arguments (end_ref).
#include <csp/detail/report.hpp>

#include <csp/detail/picture.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <channels/channel_core.hpp>

namespace csp::detail {
namespace {

std::string describe_entry(const wait_entry& e) {
  return fmt::format("{} '{}' ({} of {})", e.kind == op_kind::recv ? "receive on" : "send on",
                     e.channel->name(), e.channel->flavor(), e.channel->type());
}

// A single operation waits on its one entry; an alt on the guards it enabled (linked: in a
// channel's queue, or posted to a remote channel's home).
bool waits_on(const waiter& w, const wait_entry& e) { return w.entries.size() == 1 || e.linked; }

std::string describe_wait(const waiter& w) {
  if (w.joining != nullptr) return fmt::format("waits for its sub-network '{}' to end", w.joining->name);
  if (w.entries.size() == 1) return "waits to " + describe_entry(w.entries[0]);  // send or recv
  std::string s = "waits in an alt to";
  const char* sep = " ";
  for (const wait_entry& e : w.entries) {
    if (!waits_on(w, e)) continue;
    s += sep + describe_entry(e);
    sep = ", or ";
  }
  return s;
}

std::string group_key(const group& g, int rank) { return fmt::format("group {}:{}", rank, static_cast<const void*>(&g)); }

std::string shown(const blocked_process& p) {
  return p.rank < 0 ? fmt::format("'{}'", p.name) : fmt::format("'{}' (rank {})", p.name, p.rank);
}

struct arc {
  std::size_t to;
  std::string why;    // for the report: the whole sentence
  std::string label;  // for the picture: what the waiting process wants
};

struct node {
  const blocked_process* proc;
  std::vector<arc> out;
};

bool holds(const blocked_process& p, const std::string& key, op_kind side) {
  return std::any_of(p.holds.begin(), p.holds.end(), [&](const auto& h) { return h.first == key && h.second == side; });
}

std::vector<node> build_graph(const std::vector<blocked_process>& blocked) {
  std::vector<node> nodes;
  for (const blocked_process& p : blocked) nodes.push_back({&p, {}});
  for (node& n : nodes) {
    for (const blocked_process::want& w : n.proc->wants) {
      const op_kind other = w.kind == op_kind::recv ? op_kind::send : op_kind::recv;
      for (std::size_t m = 0; m < nodes.size(); ++m) {
        const blocked_process& q = *nodes[m].proc;
        if (&nodes[m] == &n || !holds(q, w.key, other)) continue;
        const char* verb = w.kind == op_kind::recv ? "receive on" : "send on";
        n.out.push_back(
            {m,
             w.joining ? fmt::format("waits for its sub-network '{}', in which {} is blocked", w.what, shown(q))
                       : fmt::format("waits to {} '{}', of which {} holds a {} end", verb, w.what, shown(q),
                                     other == op_kind::recv ? "reader" : "writer"),
             w.joining ? fmt::format("sub-network '{}'", w.what) : fmt::format("{} '{}'", verb, w.what)});
      }
    }
  }
  return nodes;
}

// Depth-first search for a cycle; returns its nodes in order, or nothing.
std::vector<std::size_t> find_cycle(const std::vector<node>& nodes) {
  enum : char { white, grey, black };
  std::vector<char> color(nodes.size(), white);
  std::vector<std::size_t> stack;
  std::vector<std::size_t> cycle;
  auto visit = [&](auto& self, std::size_t v) -> bool {
    color[v] = grey;
    stack.push_back(v);
    for (const arc& a : nodes[v].out) {
      if (color[a.to] == grey) {
        cycle.assign(std::find(stack.begin(), stack.end(), a.to), stack.end());
        return true;
      }
      if (color[a.to] == white && self(self, a.to)) return true;
    }
    stack.pop_back();
    color[v] = black;
    return false;
  };
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    if (color[v] == white && visit(visit, v)) break;
  }
  return cycle;
}

}  // namespace

std::vector<blocked_process> blocked_processes(const std::vector<group*>& groups, const channel_key& key, int rank) {
  std::vector<blocked_process> out;
  for (group* g : groups) {
    for (auto& p : g->processes) {
      const waiter* w = p->blocked_on.load(std::memory_order_acquire);
      if (w == nullptr) continue;
      blocked_process b{.name = p->name, .rank = rank, .doing = describe_wait(*w)};
      if (w->joining != nullptr) {
        b.wants.push_back({group_key(*w->joining, rank), w->joining->name, op_kind::recv, true});
      } else {
        for (const wait_entry& e : w->entries) {
          if (waits_on(*w, e)) b.wants.push_back({key(*e.channel), e.channel->name(), e.kind, false});
        }
      }
      for (const end_ref& e : p->ends) b.holds.emplace_back(key(*e.channel), e.side);
      b.holds.emplace_back(group_key(*g, rank), op_kind::send);  // a member of its network
      out.push_back(std::move(b));
    }
  }
  return out;
}

std::string describe_deadlock(const std::vector<blocked_process>& blocked) {
  const std::vector<node> nodes = build_graph(blocked);
  std::string s = fmt::format(
      "deadlock: {} process{} blocked and none can proceed (none waits on a timer)\n",
      nodes.size(), nodes.size() == 1 ? " is" : "es are");
  for (const node& n : nodes) s += fmt::format("  {} {}\n", shown(*n.proc), n.proc->doing);
  const std::vector<std::size_t> cycle = find_cycle(nodes);
  if (cycle.empty()) {
    s += "no wait-for cycle: these processes wait on channels whose other ends no blocked "
         "process holds as a spawn argument (an end kept outside the network, or never retired)\n";
    return s;
  }
  s += "wait-for cycle:";
  for (std::size_t v : cycle) s += fmt::format(" {} ->", shown(*nodes[v].proc));
  s += fmt::format(" {}\n", shown(*nodes[cycle.front()].proc));
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const node& from = nodes[cycle[i]];
    const std::size_t to = cycle[(i + 1) % cycle.size()];
    for (const arc& a : from.out) {
      if (a.to == to) {
        s += fmt::format("  {} {}\n", shown(*from.proc), a.why);
        break;
      }
    }
  }
  return s;
}

std::string deadlock_dot(const std::vector<blocked_process>& blocked) {
  const std::vector<node> nodes = build_graph(blocked);
  const std::vector<std::size_t> cycle = find_cycle(nodes);
  auto in_cycle = [&](std::size_t v) { return std::find(cycle.begin(), cycle.end(), v) != cycle.end(); };
  auto next_in_cycle = [&](std::size_t v) {
    const auto it = std::find(cycle.begin(), cycle.end(), v);
    return cycle[static_cast<std::size_t>(it - cycle.begin() + 1) % cycle.size()];
  };
  std::string s = "digraph \"deadlock\" {\n";
  s += fmt::format("  graph [label={}, labelloc=t, fontname=\"Helvetica\"];\n",
                   dot_string(cycle.empty() ? "deadlock: wait-for graph (no cycle among the blocked processes)"
                                            : "deadlock: wait-for graph, the cycle in red"));
  s += "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  s += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    const blocked_process& p = *nodes[v].proc;
    std::string label = p.rank < 0 ? p.name : fmt::format("{}\nrank {}", p.name, p.rank);
    if (nodes[v].out.empty()) label += "\n" + p.doing;  // no edge says what it waits for
    s += fmt::format("  b{} [label={}{}];\n", v, dot_string(label),
                     in_cycle(v) ? ", color=red, fontcolor=red, penwidth=2" : "");
  }
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    for (const arc& a : nodes[v].out) {
      const bool red = in_cycle(v) && next_in_cycle(v) == a.to;
      s += fmt::format("  b{} -> b{} [label={}{}];\n", v, a.to, dot_string(a.label),
                       red ? ", color=red, fontcolor=red, penwidth=2" : "");
    }
  }
  return s + "}\n";
}

std::vector<blocked_process> blocked_processes(const std::vector<group*>& groups) {
  return blocked_processes(
      groups, [](const channels::channel_core& c) { return fmt::format("{}", static_cast<const void*>(&c)); });
}


}  // namespace csp::detail
