// Regressions: the networks in which the random tier found a library bug, kept as cases, with
// the bug reduced to a small network of its own where that was possible.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include <csp/csp.hpp>

#include "random/checks.hpp"
#include "random/executor.hpp"
#include "random/generator.hpp"
#include "support/backends.hpp"

namespace {

using namespace csp_random;

class regressions : public ::testing::TestWithParam<csp::config> {};

// Seeds that once broke an invariant or drew a sanitizer report, each run many times (the
// interleaving that showed the bug is the scheduler's, not the seed's).
struct known_seed {
  std::uint64_t seed;
  tier level;
  const char* what;
};
const known_seed known_seeds[] = {
    {5089, tier::plain,
     "cyclic network that deadlocks: while the first detector aborted the run, a process it had "
     "woken blocked again on a channel not yet poisoned, and a second deadlock detection read "
     "the wait queues and waiters as the abort changed them (ThreadSanitizer, thread backend)"},
};

TEST_P(regressions, known_seeds_keep_every_invariant) {
  for (const known_seed& k : known_seeds) {
    const network_spec spec = generate(k.seed, k.level);
    for (int i = 0; i < 20; ++i) {
      const verdict v = check(spec, execute(spec, GetParam()), GetParam());
      ASSERT_TRUE(v.violations.empty()) << "seed " << k.seed << " (" << k.what << "):\n" << v.violations.front();
    }
  }
}

// Seed 5089, reduced. x waits on `first`, w waits on `w_in`: a deadlock. The detector's abort
// poisons the channels in the order they were made: `first`, then many fillers, then `last`.
// x wakes poisoned from `first` and blocks on `last`, which the abort has not reached yet: for
// a moment nothing runs again, and x runs a second deadlock detection while the first one's
// abort is still under way. That second detection must not read the wait queues and waiters
// that the abort is changing (it did: a data race in the report, and a report written about
// waits that had already ended). The run must end with csp::deadlock and every process ended.
TEST_P(regressions, a_process_woken_by_the_deadlock_abort_that_blocks_again) {
  constexpr int fillers = 5000;
  for (int round = 0; round < 10; ++round) {
    csp::network net("reblock");
    auto first = net.channel<int>("first");
    for (int i = 0; i < fillers; ++i) net.channel<int>("filler");
    auto last = net.channel<int>("last");
    auto w_in = net.channel<int>("w_in");
    std::atomic<int> ended{0};
    // Each holds the other side's ends, so that neither channel ends by retiring.
    net.spawn("x", [&ended](csp::reader<int> first, csp::reader<int> last, csp::writer<int>) {
      try {
        first.recv();
      } catch (const csp::channel_error&) {  // poisoned, or retired when the other ended first
      }
      try {
        last.recv();
      } catch (const csp::channel_error&) {  // poisoned, or retired when the other ended first
      }
      ++ended;
    }, first.reader(), last.reader(), w_in.writer());
    net.spawn("w", [&ended](csp::writer<int>, csp::writer<int>, csp::reader<int> w_in) {
      try {
        w_in.recv();
      } catch (const csp::channel_error&) {  // poisoned, or retired when the other ended first
      }
      ++ended;
    }, first.writer(), last.writer(), w_in.reader());
    EXPECT_THROW(csp::run(net, GetParam()), csp::deadlock);
    EXPECT_EQ(ended, 2);
  }
}

INSTANTIATE_TEST_SUITE_P(backends, regressions, ::testing::ValuesIn(csp_test::backend_configs()),
                         csp_test::config_name);

}  // namespace
