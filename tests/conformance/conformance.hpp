// The conformance suite: DESIGN.md section 2, the contract every backend keeps. Every TEST_P of
// the `conformance` fixture runs once per built backend configuration (instantiate.cpp); each
// case names the rule it checks in a comment of the form `// §2 <rule>: "<quote>"`.
//
// Ground rules: no sleeps to let things settle, no assertion on elapsed time. Readiness is
// arranged with channels (a signal sent after the state to test is in place), so every case is
// deterministic on every backend; a bug makes a case fail, or show up as csp::deadlock.
//
// The same cases run on the mpi backend under mpirun (mpi_instantiate.cpp), one address space
// per rank. There a case names the variables its processes write and it checks after the run
// with CSP_SHARED (support/shared.hpp), may give placement rules with place_on_mpi, and skips
// itself, saying why, where it cannot work across address spaces:
//   `if (skip_on_mpi("the writer reads counters the reader updates")) return;`
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csp/csp.hpp>

#include "support/backends.hpp"
#include "support/shared.hpp"

class conformance : public ::testing::TestWithParam<csp::config> {
 protected:
  /// Runs `net` on this case's configuration (on mpi, then merges the CSP_SHARED variables).
  int run(csp::network& net) const { return csp_test::run(net, config()); }
  /// This case's backend configuration, with its place_on_mpi rules.
  csp::config config() const {
    csp::config c = GetParam();
    c.mpi.placement = placement_;
    return c;
  }
  bool on_fiber() const { return GetParam().backend == "fiber"; }
  bool on_mpi() const { return GetParam().backend == "mpi"; }

  /// On mpi, where this case's processes go: `place_on_mpi({{"source*", {0}}, {"merge", {1}}})`
  /// (the first rule that matches a name decides; the rest go round-robin in spawn order). For
  /// a case whose default placement would leave both ends of a channel it checks on one rank;
  /// name ranks 0 and 1 only, which every mpi run of the suite has.
  void place_on_mpi(std::vector<csp::config::placement_rule> rules) { placement_ = std::move(rules); }

  /// On mpi, marks the case skipped with `reason` and returns true: the case cannot work where
  /// processes do not share memory. Call as `if (skip_on_mpi("why")) return;`, before any run,
  /// so that every rank decides the same.
  bool skip_on_mpi(std::string_view reason) const {
    if (!on_mpi()) return false;
    [reason] { GTEST_SKIP() << "not on mpi: " << reason; }();
    return true;
  }

 private:
  std::vector<csp::config::placement_rule> placement_;
};

/// The message of the exception `f()` throws as E, or a test failure if it throws none.
template <class E, class F>
std::string what_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}
