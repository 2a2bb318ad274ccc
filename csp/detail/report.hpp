// Words for what a blocked network is doing: the deadlock report of DESIGN.md section 2.
#pragma once

#include <string>
#include <vector>

#include <csp/detail/runtime.hpp>

namespace csp::detail {

/// Describes every live process of `groups` (each in an untimed wait, since nothing runs) and
/// the wait-for cycle among them. Caller guarantees that no process can run meanwhile.
std::string describe_deadlock(const std::vector<group*>& groups);

}  // namespace csp::detail
