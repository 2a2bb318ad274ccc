// Running a network.
#pragma once

#include <csp/config.hpp>
#include <csp/network.hpp>

namespace csp {

/// Runs every process of `net` until all have ended, on the backend `cfg` names.
///   - returns 0 when every process ended normally (poison and retire are normal endings);
///   - throws csp::process_error for the first process that failed (its name and exception),
///     after every other process has ended (a failure poisons the whole network);
///   - throws csp::deadlock when every process is blocked and none waits on a timer;
///   - throws csp::network_error before anything runs if the network is wrong (see
///     network::check), and csp::config_error for a configuration that cannot run here.
/// Called from inside a running process, it runs `net` as a sub-network on the same backend
/// (cfg is then ignored) and returns when the sub-network has ended.
int run(network& net, const config& cfg);
/// run(net, config::from_env()), or a sub-network run from inside a process.
int run(network& net);

}  // namespace csp
