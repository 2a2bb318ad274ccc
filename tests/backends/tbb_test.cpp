// What only the tbb backend does (backends/tbb/README.md): its limit on processes alive at once,
// which it reports instead of hanging inside oneTBB. Skipped where the tbb backend is not built.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csp/csp.hpp>

#include "support/backends.hpp"

namespace {

using ::testing::HasSubstr;

/// The tbb backend's configurations that backend_configs() runs here (none where it is not
/// built, or under AddressSanitizer).
bool tbb_tested() {
  for (const csp::config& c : csp_test::backend_configs()) {
    if (c.backend == "tbb") return true;
  }
  return false;
}

/// `n` writers, each sending its index once on one channel, and a reader summing them.
long fan_in(int n, const csp::config& cfg) {
  csp::network net("fan-in");
  auto c = net.channel<int>("values");
  net.spawn_n(static_cast<std::size_t>(n), "writer", [](csp::replica r, csp::writer<int> out) {
    out.send(static_cast<int>(r.index));
  }, c.writer());
  long sum = 0;
  net.spawn("reader", [&](csp::reader<int> in) { for (int v : in) sum += v; }, c.reader());
  csp::run(net, cfg);
  return sum;
}

TEST(tbb_backend, runs_a_network_as_wide_as_its_limit) {
  if (!tbb_tested()) GTEST_SKIP() << "the tbb backend is not built here, or this is an AddressSanitizer build";
  for (int threads : {1, 2}) {
    const int n = 4000 - threads - 1;  // writers, plus the reader: exactly the limit
    EXPECT_EQ(fan_in(n, csp::config{.backend = "tbb", .threads = threads}), long{n} * (n - 1) / 2)
        << threads << " thread(s)";
  }
}

TEST(tbb_backend, refuses_a_wider_network_with_an_error_naming_it_and_the_way_out) {
  if (!tbb_tested()) GTEST_SKIP() << "the tbb backend is not built here, or this is an AddressSanitizer build";
  try {
    fan_in(4000, csp::config{.backend = "tbb", .threads = 2});
    FAIL() << "expected csp::process_error";
  } catch (const csp::process_error& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("at most 3998 processes"));
    EXPECT_THAT(what, HasSubstr("'fan-in' would make 4001"));
    EXPECT_THAT(what, HasSubstr("fiber or thread backend"));
  }
}

}  // namespace
