// Every conformance case on every built backend configuration: thread, fiber on one thread,
// fiber on two threads.
#include "conformance/conformance.hpp"

INSTANTIATE_TEST_SUITE_P(backends, conformance, ::testing::ValuesIn(csp_test::backend_configs()),
                         csp_test::config_name);
