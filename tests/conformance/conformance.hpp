// The conformance suite: DESIGN.md section 2, the contract every backend keeps. Every TEST_P of
// the `conformance` fixture runs once per built backend configuration (instantiate.cpp); each
// case names the rule it checks in a comment of the form `// §2 <rule>: "<quote>"`.
//
// Ground rules: no sleeps to let things settle, no assertion on elapsed time. Readiness is
// arranged with channels (a signal sent after the state to test is in place), so every case is
// deterministic on every backend; a bug makes a case fail, or show up as csp::deadlock.
#pragma once

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csp/csp.hpp>

#include "support/backends.hpp"

class conformance : public ::testing::TestWithParam<csp::config> {
 protected:
  /// Runs `net` on this case's backend configuration.
  int run(csp::network& net) const { return csp::run(net, GetParam()); }
  bool on_fiber() const { return GetParam().backend == "fiber"; }
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
