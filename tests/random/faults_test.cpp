// The random tier with faults: random networks in which random processes, at random points,
// throw an injected_failure (carrying their name), poison a channel, or retire an end, and in
// which sub-networks (csp::run inside a process) fail or strand values. Checked (checks.hpp):
// run() ends and every process exits; run() throws csp::process_error exactly when a process
// let a failure escape, naming such a process (the only one if only one; on fiber_1 the first),
// with the cause chain down to the process that threw; poison and retire alone end with run()
// returning 0, whatever poisoned/retired exceptions processes let escape (docs/termination.md:
// that is a normal ending); no value invented, duplicated or lost beyond what poison and
// retire are documented to drop; no value leaked.
//
//   CSP_RANDOM_SEED=S CSP_RANDOM_NETWORKS=N ./csp_random_tests --gtest_filter='backends/fault_injection.*'
#include <gtest/gtest.h>

#include "random/harness.hpp"
#include "support/backends.hpp"

namespace {

using namespace csp_random;

class fault_injection : public ::testing::TestWithParam<csp::config> {};

TEST_P(fault_injection, run_ends_and_names_the_process_that_failed) {
  const figures f = run_tier(tier::faults, GetParam());
  // Enough networks must have met every kind of fault and both outcomes, or the tier checks
  // nothing: the default budget gives each dozens of times this.
  if (f.networks >= 100) {
    for (std::size_t k = 0; k < fault_kinds; ++k) EXPECT_GT(f.faults[k], 0u) << "fault kind " << k << " never happened";
    EXPECT_GT(f.clean, 0u);
    EXPECT_GT(f.process_errors, 0u);
    EXPECT_GT(f.stranded, 0u) << "no value was ever left in a buffer by poison or retire";
  }
}

INSTANTIATE_TEST_SUITE_P(backends, fault_injection, ::testing::ValuesIn(csp_test::backend_configs()),
                         csp_test::config_name);

}  // namespace
