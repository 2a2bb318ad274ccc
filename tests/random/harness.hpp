// Seeds, budgets, reports and the summary line of the random tier (tests/random/README.md).
//
//   CSP_RANDOM_SEED=S       first seed (default 1000, so that CI is reproducible)
//   CSP_RANDOM_NETWORKS=N   networks per test case: seeds S .. S+N-1 (default: see
//                           default_networks, fewer under sanitizers)
//   CSP_RANDOM_SUMMARY=FILE append each case's summary line to FILE
//   CSP_RANDOM_DUMP=1       print every network before running it
//
// A failing network is reported with its seed, backend, violations, what each process did, the
// network's listing and the command that runs exactly that network again.
#pragma once

#include <cstdint>

#include <csp/config.hpp>

#include "random/checks.hpp"
#include "random/generator.hpp"

namespace csp_random {

/// Runs and checks the networks of `level` on `cfg` (a GoogleTest failure for the first one
/// that breaks an invariant), then prints the summary line. Returns the figures.
figures run_tier(tier level, const csp::config& cfg);

}  // namespace csp_random
