// Every conformance case on every built backend configuration but mpi (support/backends.hpp):
// thread, fiber and tbb on one thread and on two. mpi_instantiate.cpp runs them on mpi.
#include "conformance/conformance.hpp"

INSTANTIATE_TEST_SUITE_P(backends, conformance, ::testing::ValuesIn(csp_test::backend_configs()),
                         csp_test::config_name);
