// Reads back the Graphviz DOT that csp writes (src/picture.cpp), for tests: its title, nodes,
// edges and clusters, with labels unescaped. It knows csp's layout (one statement per line),
// not the whole DOT language, and fails the test on a line it does not understand.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace csp_test {

struct dot_graph {
  struct node {
    std::string id, label;
    int cluster = -1;  // innermost cluster, -1 at top level
    std::string attributes;  // everything between the brackets, as written
  };
  struct edge {
    std::string from, to, label;  // from and to are node ids
    std::string attributes;
  };
  struct cluster {
    std::string label;
    std::vector<std::string> node_labels;  // of the nodes directly inside
  };
  std::string label;
  std::vector<node> nodes;
  std::vector<edge> edges;
  std::vector<cluster> clusters;

  std::vector<std::string> node_labels() const {
    std::vector<std::string> v;
    for (const node& n : nodes) v.push_back(n.label);
    return v;
  }
  const node* by_label(const std::string& l) const {
    for (const node& n : nodes) {
      if (n.label == l) return &n;
    }
    return nullptr;
  }
  /// Labels of the edges from the node labelled `from` to the node labelled `to`.
  std::vector<std::string> edges_between(const std::string& from, const std::string& to) const {
    std::vector<std::string> v;
    const node* a = by_label(from);
    const node* b = by_label(to);
    if (a == nullptr || b == nullptr) return v;
    for (const edge& e : edges) {
      if (e.from == a->id && e.to == b->id) v.push_back(e.label);
    }
    return v;
  }
};

namespace dot_detail {

/// The quoted string starting at s[at] (a '"'), unescaped; `at` moves past its closing quote.
inline std::string quoted(std::string_view s, std::size_t& at) {
  std::string out;
  for (++at; at < s.size() && s[at] != '"'; ++at) {
    if (s[at] == '\\' && at + 1 < s.size()) {
      ++at;
      out += s[at] == 'n' ? '\n' : s[at];
    } else {
      out += s[at];
    }
  }
  ++at;
  return out;
}

/// The value of `label="..."` in `attributes`, or empty.
inline std::string label_of(std::string_view attributes) {
  std::size_t at = attributes.find("label=\"");
  if (at == std::string_view::npos) return {};
  at += 6;
  return quoted(attributes, at);
}

inline std::string trim(std::string_view s) {
  const std::size_t a = s.find_first_not_of(' ');
  if (a == std::string_view::npos) return {};
  return std::string(s.substr(a, s.find_last_not_of(' ') - a + 1));
}

}  // namespace dot_detail

inline dot_graph parse_dot(const std::string& text) {
  using namespace dot_detail;
  dot_graph g;
  std::vector<int> open;  // clusters being read, innermost last
  std::istringstream in(text);
  std::string raw;
  bool started = false;
  while (std::getline(in, raw)) {
    const std::string line = trim(raw);
    if (line.empty()) continue;
    if (!started) {
      EXPECT_TRUE(line.starts_with("digraph ")) << "not a digraph: " << line;
      started = true;
      continue;
    }
    if (line == "}") {
      if (!open.empty()) open.pop_back();
      continue;
    }
    if (line.starts_with("graph [")) {
      g.label = label_of(line);
      continue;
    }
    if (line.starts_with("node [") || line.starts_with("edge [")) continue;
    if (line.starts_with("subgraph cluster_")) {
      open.push_back(static_cast<int>(g.clusters.size()));
      g.clusters.push_back({});
      continue;
    }
    if (line.starts_with("label=") && !open.empty()) {
      g.clusters[static_cast<std::size_t>(open.back())].label = label_of(line);
      continue;
    }
    const std::size_t bracket = line.find(" [");
    const std::string head = line.substr(0, bracket == std::string::npos ? line.size() - 1 : bracket);
    const std::string attributes =
        bracket == std::string::npos ? std::string() : line.substr(bracket + 2, line.rfind(']') - bracket - 2);
    if (const std::size_t arrow = head.find(" -> "); arrow != std::string::npos) {
      g.edges.push_back({head.substr(0, arrow), head.substr(arrow + 4), label_of(attributes), attributes});
      continue;
    }
    if (head.find(' ') != std::string::npos || attributes.empty()) {
      ADD_FAILURE() << "a DOT line csp does not write: " << line;
      continue;
    }
    const int cluster = open.empty() ? -1 : open.back();
    g.nodes.push_back({head, label_of(attributes), cluster, attributes});
    if (cluster >= 0) g.clusters[static_cast<std::size_t>(cluster)].node_labels.push_back(g.nodes.back().label);
  }
  return g;
}

}  // namespace csp_test
