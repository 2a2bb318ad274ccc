// The random tier without faults: random networks (generator.hpp) on every built backend
// configuration, each run checked against DESIGN.md section 2 (checks.hpp). Here nothing
// excuses a missing value: every value sent is received exactly once (overwriting channels
// aside, which drop the oldest by design), every channel reaches end-of-stream, and run()
// returns 0.
//
//   CSP_RANDOM_SEED=S CSP_RANDOM_NETWORKS=N ./csp_random_tests --gtest_filter='backends/random_networks.*'
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "random/generator.hpp"
#include "random/harness.hpp"
#include "support/backends.hpp"

namespace {

using namespace csp_random;

class random_networks : public ::testing::TestWithParam<csp::config> {};

TEST_P(random_networks, deliver_every_value_exactly_once_and_end) {
  const figures f = run_tier(tier::plain, GetParam());
  EXPECT_EQ(f.process_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(backends, random_networks, ::testing::ValuesIn(csp_test::backend_configs()),
                         csp_test::config_name);

// The generator keeps the rules the termination argument rests on (generator.hpp), for many
// more seeds than the runs can afford: every channel has a writer and a reader; no process
// holds more ends than the alts have guards; in an acyclic network every channel's writers come
// before its readers (rule B). And one seed always gives the same network.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t generator_seeds = 2000;  // the sanitizers slow generation down tenfold
#else
constexpr std::uint64_t generator_seeds = 20000;
#endif

TEST(random_generator, keeps_the_rules_that_make_every_network_end) {
  for (std::uint64_t seed = 0; seed < generator_seeds; ++seed) {
    for (tier level : {tier::plain, tier::faults}) {
      const network_spec s = generate(seed, level);
      SCOPED_TRACE(dump(s));
      ASSERT_GE(s.processes.size(), 2u);
      std::vector<int> readers(s.channels.size(), 0), writers(s.channels.size(), 0);
      for (const auto& p : s.processes) {
        ASSERT_LE(p.reads.size(), max_ends);
        ASSERT_LE(p.writes.size(), max_ends);
        for (std::size_t c : p.reads) ++readers.at(c);
        for (std::size_t c : p.writes) ++writers.at(c);
        ASSERT_EQ(std::set<std::size_t>(p.reads.begin(), p.reads.end()).size(), p.reads.size());
        ASSERT_EQ(std::set<std::size_t>(p.writes.begin(), p.writes.end()).size(), p.writes.size());
        for (const step& st : p.script) {
          if (level == tier::plain) {
            ASSERT_NE(st.kind, op::fail);
            ASSERT_NE(st.kind, op::poison);
            ASSERT_FALSE(st.kind == op::retire && st.reader) << "a reader retiring early strands values";
          }
        }
      }
      for (std::size_t c = 0; c < s.channels.size(); ++c) {
        ASSERT_GE(readers[c], 1) << s.channels[c].name;
        ASSERT_GE(writers[c], 1) << s.channels[c].name;
        if (!s.acyclic) continue;
        std::size_t last_writer = 0, first_reader = s.processes.size();
        for (std::size_t i = 0; i < s.processes.size(); ++i) {
          const auto& p = s.processes[i];
          if (std::find(p.writes.begin(), p.writes.end(), c) != p.writes.end()) last_writer = i;
          if (std::find(p.reads.begin(), p.reads.end(), c) != p.reads.end()) first_reader = std::min(first_reader, i);
        }
        ASSERT_LT(last_writer, first_reader) << s.channels[c].name << ": rule B";
      }
      if (seed % 1000 == 0) {
        ASSERT_EQ(dump(generate(seed, level)), dump(s));
      }
    }
  }
}

}  // namespace
