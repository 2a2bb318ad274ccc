// Which rank runs each process of a network (DESIGN.md section 4, [mpi.placement]).
//
// The first rule whose glob pattern matches a process's name decides: its k-th match goes to
// the rule's ranks[k % ranks.size()]. Processes no rule matches go round-robin over all ranks,
// in spawn order. Every rank computes the same placement from the same network.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <csp/config.hpp>

namespace csp::mpi {

/// Whether `name` matches `pattern`: `*` any run of characters, `?` any one character.
bool glob_match(std::string_view pattern, std::string_view name) noexcept;

/// The rank of each process, in the order of `names`. Throws csp::config_error naming the
/// rule's key when one of its ranks is not below `ranks`.
std::vector<int> place(const std::vector<std::string>& names,
                       const std::vector<config::placement_rule>& rules, int ranks);

}  // namespace csp::mpi
