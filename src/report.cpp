// The deadlock report: who waits on whom.
//
// The wait-for graph has an edge P -> Q when P waits to receive on a channel of which Q holds
// a writer end (or to send, and Q holds a reader end), or when P waits for a sub-network of
// which Q is a process. Ends are those handed to a process as spawn arguments (end_ref).
#include <csp/detail/report.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include <channels/channel_core.hpp>

namespace csp::detail {
namespace {

struct node {
  const process_state* proc;
  const waiter* wait;
  std::vector<std::pair<std::size_t, std::string>> out;  // (node, why)
};

std::string describe_entry(const wait_entry& e) {
  return fmt::format("{} '{}' ({} of {})", e.kind == op_kind::recv ? "receive on" : "send on",
                     e.channel->name(), e.channel->flavor(), e.channel->type());
}

std::string describe_wait(const waiter& w) {
  if (w.joining != nullptr) return fmt::format("waits for its sub-network '{}' to end", w.joining->name);
  if (w.entries.size() == 1) return "waits to " + describe_entry(w.entries[0]);  // send or recv
  std::string s = "waits in an alt to";
  const char* sep = " ";
  for (const wait_entry& e : w.entries) {
    if (!e.linked) continue;
    s += sep + describe_entry(e);
    sep = ", or ";
  }
  return s;
}

bool holds(const process_state& p, const channels::channel_core* c, op_kind side) {
  return std::any_of(p.ends.begin(), p.ends.end(),
                     [&](const end_ref& e) { return e.channel.get() == c && e.side == side; });
}

std::vector<node> build_graph(const std::vector<group*>& groups) {
  std::vector<node> nodes;
  std::map<const process_state*, std::size_t> index;
  for (group* g : groups) {
    for (auto& p : g->processes) {
      if (const waiter* w = p->blocked_on.load(std::memory_order_acquire)) {
        index[p.get()] = nodes.size();
        nodes.push_back({p.get(), w, {}});
      }
    }
  }
  for (node& n : nodes) {
    for (const wait_entry& e : n.wait->entries) {
      if (!e.linked) continue;  // a disabled guard, or a timeout/skip guard
      const op_kind other = e.kind == op_kind::recv ? op_kind::send : op_kind::recv;
      for (const node& m : nodes) {
        if (&m != &n && holds(*m.proc, e.channel, other)) {
          n.out.emplace_back(index[m.proc], fmt::format(
              "waits to {} '{}', of which '{}' holds a {} end", e.kind == op_kind::recv ? "receive on" : "send on",
              e.channel->name(), m.proc->name, other == op_kind::recv ? "reader" : "writer"));
        }
      }
    }
    if (n.wait->joining != nullptr) {
      for (auto& child : n.wait->joining->processes) {
        if (auto it = index.find(child.get()); it != index.end()) {
          n.out.emplace_back(it->second, fmt::format("waits for its sub-network '{}', in which '{}' is blocked",
                                                     n.wait->joining->name, child->name));
        }
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
    for (const auto& [w, why] : nodes[v].out) {
      if (color[w] == grey) {
        cycle.assign(std::find(stack.begin(), stack.end(), w), stack.end());
        return true;
      }
      if (color[w] == white && self(self, w)) return true;
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

std::string describe_deadlock(const std::vector<group*>& groups) {
  const std::vector<node> nodes = build_graph(groups);
  std::string s = fmt::format(
      "deadlock: {} process{} blocked and none can proceed (none waits on a timer)\n",
      nodes.size(), nodes.size() == 1 ? " is" : "es are");
  for (const node& n : nodes) s += fmt::format("  '{}' {}\n", n.proc->name, describe_wait(*n.wait));
  const std::vector<std::size_t> cycle = find_cycle(nodes);
  if (cycle.empty()) {
    s += "no wait-for cycle: these processes wait on channels whose other ends no blocked "
         "process holds as a spawn argument (an end kept outside the network, or never retired)\n";
    return s;
  }
  s += "wait-for cycle:";
  for (std::size_t v : cycle) s += fmt::format(" '{}' ->", nodes[v].proc->name);
  s += fmt::format(" '{}'\n", nodes[cycle.front()].proc->name);
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const node& from = nodes[cycle[i]];
    const std::size_t to = cycle[(i + 1) % cycle.size()];
    for (const auto& [w, why] : from.out) {
      if (w == to) {
        s += fmt::format("  '{}' {}\n", from.proc->name, why);
        break;
      }
    }
  }
  return s;
}

}  // namespace csp::detail
