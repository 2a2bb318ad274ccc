// The checks catch what they claim. The logs of a real clean run are tampered with, one way at
// a time, as a library bug would have left them (a value lost, received twice, invented, out of
// order, leaked; a process that never exited or failed oddly), and each must be reported.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>

#include "random/checks.hpp"
#include "random/executor.hpp"
#include "random/generator.hpp"

namespace {

using namespace csp_random;
using ::testing::HasSubstr;

std::string joined(const verdict& v) {
  std::string s;
  for (const auto& x : v.violations) s += x + '\n';
  return s;
}

// The first clean plain-tier run, from seed 1000 on, in which some reader received two values
// from one writer on a channel of flavor `k`. Returns the position of the first of them in
// that reader's log.
struct sample {
  network_spec spec;
  run_result run;
  std::size_t reader = 0, first = 0, second = 0;
};

sample find_sample(csp::flavor::kind k) {
  const csp::config cfg{.backend = "thread"};
  for (std::uint64_t seed = 1000; seed < 1200; ++seed) {
    sample s{generate(seed, tier::plain), {}};
    if (!s.spec.acyclic) continue;
    s.run = execute(s.spec, cfg);
    if (s.run.result != run_result::outcome::clean || !check(s.spec, s.run, cfg).violations.empty()) continue;
    for (s.reader = 0; s.reader < s.run.logs.size(); ++s.reader) {
      const auto& got = s.run.logs[s.reader].got;
      for (s.first = 0; s.first < got.size(); ++s.first) {
        const recv_rec& a = got[s.first];
        if (a.channel >= s.spec.channels.size() || s.spec.channels[a.channel].flavor.k != k) continue;
        for (s.second = s.first + 1; s.second < got.size(); ++s.second) {
          const recv_rec& b = got[s.second];
          if (b.channel == a.channel && b.value.writer == a.value.writer) return s;
        }
      }
    }
  }
  ADD_FAILURE() << "no seed in 1000..1199 gives a suitable run";
  return {};
}

std::string tampered(const sample& s, const std::function<void(run_result&, std::vector<recv_rec>&)>& change) {
  run_result r = s.run;
  change(r, r.logs[s.reader].got);
  return joined(check(s.spec, r, csp::config{.backend = "thread"}));
}

TEST(random_checks, report_lost_duplicated_invented_and_reordered_values) {
  const sample s = find_sample(csp::flavor::kind::rendezvous);
  ASSERT_FALSE(s.spec.channels.empty());
  using log = std::vector<recv_rec>;
  const auto at = [](std::size_t i) { return static_cast<std::ptrdiff_t>(i); };
  EXPECT_THAT(tampered(s, [&](run_result&, log& g) { g.erase(g.begin() + at(s.second)); }),
              HasSubstr("sent ok on a rendezvous channel never received"));
  EXPECT_THAT(tampered(s, [&](run_result&, log& g) { g.erase(g.begin() + at(s.second)); }),
              HasSubstr("its readers recorded"));
  EXPECT_THAT(tampered(s, [&](run_result&, log& g) { g.push_back(g[s.first]); }), HasSubstr("received twice"));
  EXPECT_THAT(tampered(s, [&](run_result&, log& g) { g[s.first].value.seq += 1u << 30; }), HasSubstr("never sent ok"));
  EXPECT_THAT(tampered(s, [&](run_result&, log& g) { g[s.first].value.channel += 1; }), HasSubstr("sent to channel"));
  EXPECT_THAT(tampered(s, [&](run_result&, log& g) { std::swap(g[s.first], g[s.second]); }),
              HasSubstr("after a later one of that writer"));
}

TEST(random_checks, report_a_hole_in_a_fifo_channel) {
  const sample s = find_sample(csp::flavor::kind::bounded);
  ASSERT_FALSE(s.spec.channels.empty());
  EXPECT_THAT(tampered(s, [&](run_result&, std::vector<recv_rec>& g) { g.erase(g.begin() + static_cast<std::ptrdiff_t>(s.first)); }),
              HasSubstr("never received though later ones were"));
}

TEST(random_checks, report_leaks_processes_that_never_exited_and_unexpected_failures) {
  const sample s = find_sample(csp::flavor::kind::rendezvous);
  ASSERT_FALSE(s.spec.channels.empty());
  EXPECT_THAT(tampered(s, [](run_result& r, auto&) { r.leaked_tokens = 1; }), HasSubstr("values leaked"));
  EXPECT_THAT(tampered(s, [](run_result& r, auto&) { r.logs[0].exited = false; }), HasSubstr("never exited"));
  EXPECT_THAT(tampered(s, [](run_result& r, auto&) { r.logs[0].end = ending::unexpected; }),
              HasSubstr("unexpected exception"));
  EXPECT_THAT(tampered(s, [](run_result& r, auto&) { r.result = run_result::outcome::deadlock; }),
              HasSubstr("acyclic network, which cannot deadlock"));
}

// A faults-tier run that ended in csp::process_error: the named process must be one that failed,
// and on fiber_1 the first one.
TEST(random_checks, report_a_process_error_naming_the_wrong_process) {
  const csp::config cfg{.backend = "thread"};
  for (std::uint64_t seed = 1000; seed < 1200; ++seed) {
    const network_spec spec = generate(seed, tier::faults);
    const run_result run = execute(spec, cfg);
    if (run.result != run_result::outcome::process_error || !check(spec, run, cfg).violations.empty()) continue;
    std::size_t named = 0;
    try {
      std::rethrow_exception(run.error);
    } catch (const csp::process_error& e) {
      while (run.logs[named].name != e.process()) ++named;
    }
    std::size_t other = 0;  // a top-level process other than the named one
    while (other == named) other += roles;
    ASSERT_LT(other, run.logs.size());

    run_result r = run;
    r.logs[named].end = ending::returned;
    EXPECT_THAT(joined(check(spec, r, cfg)), HasSubstr("which did not fail"));

    r = run;
    r.logs[other].end = ending::injected;
    r.logs[other].end_seq = 0;  // before every real failure
    EXPECT_THAT(joined(check(spec, r, csp::config{.backend = "fiber", .threads = 1})), HasSubstr("failed first"));
    return;
  }
  FAIL() << "no seed in 1000..1199 gives a clean process_error run";
}

}  // namespace
