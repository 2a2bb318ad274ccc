#include <backends/mpi/placement.hpp>

#include <cstddef>

#include <fmt/format.h>

#include <csp/errors.hpp>

namespace csp::mpi {

bool glob_match(std::string_view pattern, std::string_view name) noexcept {
  // Iterative matching with one backtrack point: the last `*` seen and where it resumed.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<int> place(const std::vector<std::string>& names,
                       const std::vector<config::placement_rule>& rules, int ranks) {
  for (const config::placement_rule& rule : rules) {
    for (int r : rule.ranks) {
      if (r < 0 || r >= ranks) {
        throw config_error(fmt::format(
            "mpi.placement.\"{}\": rank {} does not exist; this run has {} rank(s), 0 to {}", rule.pattern, r,
            ranks, ranks - 1));
      }
    }
  }
  std::vector<std::size_t> matched(rules.size(), 0);
  std::vector<int> rank_of;
  rank_of.reserve(names.size());
  int next = 0;
  for (const std::string& name : names) {
    int rank = -1;
    for (std::size_t i = 0; i < rules.size() && rank < 0; ++i) {
      if (!rules[i].ranks.empty() && glob_match(rules[i].pattern, name)) {
        rank = rules[i].ranks[matched[i]++ % rules[i].ranks.size()];
      }
    }
    if (rank < 0) {
      rank = next;
      next = (next + 1) % ranks;
    }
    rank_of.push_back(rank);
  }
  return rank_of;
}

}  // namespace csp::mpi
