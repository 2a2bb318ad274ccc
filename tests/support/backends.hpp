// The backend configurations the conformance and stress tiers run on: every one built into
// this copy of csp (DESIGN.md section 3), as csp::config values.
//
//   INSTANTIATE_TEST_SUITE_P(backends, conformance,
//                            ::testing::ValuesIn(csp_test::backend_configs()),
//                            csp_test::config_name);
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <csp/config.hpp>

namespace csp_test {

/// Under ThreadSanitizer every fiber is a sanitizer thread, and it allows 8128 at once: the
/// cases that spawn 10,000 processes spawn 1,000 there.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool under_thread_sanitizer = true;
#else
inline constexpr bool under_thread_sanitizer = false;
#endif
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_address_sanitizer = true;
#else
inline constexpr bool under_address_sanitizer = false;
#endif

/// thread; fiber and tbb, each on one thread and on two; cuda on one (each only where built;
/// tbb not under AddressSanitizer, see below).
inline std::vector<csp::config> backend_configs() {
  const auto& built = csp::config::built_backends();
  auto has = [&](const char* name) { return std::find(built.begin(), built.end(), name) != built.end(); };
  std::vector<csp::config> out;
  out.push_back(csp::config{.backend = "thread"});
  if (has("fiber")) {
    out.push_back(csp::config{.backend = "fiber", .threads = 1});
    out.push_back(csp::config{.backend = "fiber", .threads = 2});
  }
  // Not under AddressSanitizer: libtbb switches a suspended task's stack with swapcontext, which
  // AddressSanitizer follows only partly (it warns so), and an exception thrown after such a
  // switch leaves false stack-use-after-scope reports behind. ThreadSanitizer runs tbb instead
  // (backends/tbb/README.md).
  if (has("tbb") && !under_address_sanitizer) {
    out.push_back(csp::config{.backend = "tbb", .threads = 1});
    out.push_back(csp::config{.backend = "tbb", .threads = 2});
  }
  // cuda: its processes are fibers, and its stages run on the GPU when there is one, else on
  // the host. One thread: the fiber cases cover two.
  if (has("cuda")) out.push_back(csp::config{.backend = "cuda", .threads = 1});
  return out;
}

/// `text` without the line the cuda backend writes, once per program, where there is no usable
/// GPU ("csp: cuda: no usable GPU (...); the stages run on the host ...").
inline std::string without_device_notice(std::string text) {
  const std::string start = "csp: cuda: no usable GPU";
  if (const auto at = text.find(start); at != std::string::npos) {
    const auto end = text.find('\n', at);
    text.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
  }
  return text;
}

/// "thread", "fiber_1", "fiber_2", "tbb_1", "tbb_2", "cuda_1": test names and messages.
inline std::string describe(const csp::config& c) {
  return c.backend == "thread" ? c.backend : c.backend + "_" + std::to_string(c.threads);
}

inline std::string config_name(const ::testing::TestParamInfo<csp::config>& info) {
  return describe(info.param);
}

}  // namespace csp_test

namespace csp {
// So that GoogleTest prints a parameter as "fiber_2" rather than as bytes.
inline void PrintTo(const config& c, std::ostream* os) { *os << csp_test::describe(c); }
}  // namespace csp
