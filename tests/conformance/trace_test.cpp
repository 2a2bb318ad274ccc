// Conformance: traces (DESIGN.md section 5, docs/observability.md). --csp-trace writes a
// Chrome/Perfetto JSON trace; the cases read it back (support/trace.hpp) and check it against
// the run: a track per process, slices that tile each track, and one flow per message from its
// writer's track to its reader's, numbered as the channel numbered the values.
//
// The cases send each channel the numbers 1, 2, 3, ...: a channel numbers the values that
// enter it in the same way, so a message's flow number is the value it carried.
//
// On mpi every rank traces its own processes and rank 0 writes the whole trace, a pid per rank
// (support/outputs.hpp: draws_here).
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "conformance/conformance.hpp"
#include "support/outputs.hpp"
#include "support/trace.hpp"

namespace {

using ::testing::HasSubstr;

const std::set<std::string> states{"running", "read", "write", "alt", "timer", "join"};

void count_to(csp::writer<long> out, long n) {
  for (long i = 1; i <= n; ++i) out.send(i);
}

/// What every trace keeps: slices of known states that tile each track without overlapping,
/// and flow ends inside slices, each flow going forward in time.
void expect_well_formed(const csp_test::trace_file& t) {
  for (const auto& [track, slices] : t.slices) {
    EXPECT_TRUE(t.tracks.contains(track)) << "slices on an unnamed track " << track.first << "/" << track.second;
    for (std::size_t i = 0; i < slices.size(); ++i) {
      EXPECT_TRUE(states.contains(slices[i].state)) << slices[i].state;
      EXPECT_LE(slices[i].from, slices[i].to);
      if (i > 0) {
        EXPECT_LE(slices[i - 1].to, slices[i].from + 1e-3) << t.tracks.at(track) << ": slices overlap at " << slices[i].from;
      }
    }
  }
  for (const auto& f : t.flows) {
    EXPECT_LE(f.writer.at, f.reader.at) << f.name << " goes back in time";
    EXPECT_TRUE(t.inside_a_slice(f.writer)) << f.name << ": its writer's end is outside every slice";
    EXPECT_TRUE(t.inside_a_slice(f.reader)) << f.name << ": its reader's end is outside every slice";
  }
}

/// The flows of `channel` are numbered `numbers`, each from `writer`'s track to `reader`'s.
void expect_flows(const csp_test::trace_file& t, const std::string& channel, const std::set<long>& numbers,
                  const std::string& writer, const std::string& reader) {
  const auto flows = t.flows_of(channel);
  std::set<long> got;
  for (const auto& [n, f] : flows) {
    got.insert(n);
    EXPECT_EQ(f.writer.track, t.track(writer)) << f.name;
    EXPECT_EQ(f.reader.track, t.track(reader)) << f.name;
  }
  EXPECT_EQ(got, numbers) << "the messages of '" << channel << "'";
}

std::set<long> one_to(long n) {
  std::set<long> s;
  for (long i = 1; i <= n; ++i) s.insert(i);
  return s;
}

}  // namespace

// §5 "--csp-trace writes a track per process, its running and blocked intervals, and every
// communication as a flow from writer to reader": through a rendezvous, a buffered channel and
// an alt. Each value through a rendezvous found its partner parked, so the channel has at least
// as many blocked slices as messages.
TEST_P(conformance, trace_has_a_track_per_process_and_a_flow_per_message) {
  place_on_mpi({{"count", {0}}, {"relay", {1}}, {"left", {0}}, {"right", {1}}, {"merge", {0}}});
  csp::network net("traced");
  auto numbers = net.channel<long>("numbers");
  auto relayed = net.channel<long>("relayed", csp::buffered(2));
  auto others = net.channel<long>("others");
  net.spawn("count", count_to, numbers.writer(), 10);
  net.spawn("relay", [](csp::reader<long> in, csp::writer<long> out) {
    for (long v : in) out.send(v);
  }, numbers.reader(), relayed.writer());
  net.spawn("left", count_to, others.writer(), 5);
  long merged = 0;
  CSP_SHARED(merged);
  net.spawn("merge", [&merged](csp::reader<long> a, csp::reader<long> b) {
    csp::alt alt;
    bool a_open = true, b_open = true;
    while (a_open || b_open) {
      try {
        alt.select(csp::input(a, [&](long) { ++merged; }).when(a_open),
                   csp::input(b, [&](long) { ++merged; }).when(b_open));
      } catch (const csp::retired& r) {
        (r.guard() == 0 ? a_open : b_open) = false;
      }
    }
  }, relayed.reader(), others.reader());
  const csp_test::output_file file("json");
  csp::config cfg = config();
  cfg.trace = file.path;
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  EXPECT_EQ(merged, 15);
  if (!csp_test::draws_here()) return;

  const csp_test::trace_file t = csp_test::read_trace(file.path);
  std::set<std::string> names;
  for (const auto& [id, name] : t.tracks) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"count", "relay", "left", "merge"}));
  expect_well_formed(t);
  expect_flows(t, "numbers", one_to(10), "count", "relay");
  expect_flows(t, "relayed", one_to(10), "relay", "merge");
  expect_flows(t, "others", one_to(5), "left", "merge");
  EXPECT_EQ(t.flows.size(), 25u);
  EXPECT_GE(t.count_slices("blocked on write 'numbers'") + t.count_slices("blocked on read 'numbers'"), 10u);
  EXPECT_EQ(t.other.value("messages", 0), 25);
  EXPECT_EQ(t.other.value("network", ""), "traced");
}

// A buffer that overwrites keeps the newest values: the flows are those of the values the
// reader got, numbered as they entered, so the dropped ones leave gaps.
TEST_P(conformance, trace_numbers_the_values_an_overwriting_buffer_kept) {
  place_on_mpi({{"count", {0}}, {"keep", {1}}});
  csp::network net("dropping");
  auto latest = net.channel<long>("latest", csp::overwriting(1));
  net.spawn("count", count_to, latest.writer(), 20);
  std::vector<long> got;
  CSP_SHARED(got);
  net.spawn("keep", [&got](csp::reader<long> in) {
    for (long v : in) got.push_back(v);
  }, latest.reader());
  const csp_test::output_file file("json");
  csp::config cfg = config();
  cfg.trace = file.path;
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), 20);  // the last value is never overwritten
  if (!csp_test::draws_here()) return;

  const csp_test::trace_file t = csp_test::read_trace(file.path);
  expect_well_formed(t);
  expect_flows(t, "latest", std::set<long>(got.begin(), got.end()), "count", "keep");
}

// A sub-network's processes have tracks named after the process that ran it, and the process
// that ran it is seen joining it.
TEST_P(conformance, trace_names_a_sub_network_after_the_process_that_ran_it) {
  csp::network net("outer");
  auto squares = net.channel<long>("squares");
  net.spawn("stage", [](csp::writer<long> out) {
    csp::network inner("inner");
    auto numbers = inner.channel<long>("numbers");
    inner.spawn("count", count_to, numbers.writer(), 4);
    inner.spawn("square", [](csp::reader<long> in, csp::writer<long> o) {
      for (long v : in) o.send(v * v);
    }, numbers.reader(), std::move(out));
    csp::run(inner);
  }, squares.writer());
  net.spawn("sink", [](csp::reader<long> in) {
    for (long v : in) (void)v;
  }, squares.reader());
  const csp_test::output_file file("json");
  csp::config cfg = config();
  cfg.trace = file.path;
  EXPECT_EQ(csp_test::run(net, cfg), 0);
  if (!csp_test::draws_here()) return;

  const csp_test::trace_file t = csp_test::read_trace(file.path);
  expect_well_formed(t);
  std::set<std::string> names;
  for (const auto& [id, name] : t.tracks) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"stage", "sink", "stage/count", "stage/square"}));
  expect_flows(t, "numbers", one_to(4), "stage/count", "stage/square");
  expect_flows(t, "squares", one_to(4), "stage/square", "sink");
  EXPECT_GE(t.count_slices("joining 'inner'"), 1u);
}

// A trace keeps the last trace_limit records of each thread: a long run's trace is the end of
// the run, whole on every track (the last message's flow is there, and the ones kept are the
// last ones, without gaps), and says how much it dropped.
TEST_P(conformance, trace_keeps_the_end_of_a_run_longer_than_its_limit) {
  place_on_mpi({{"count", {0}}, {"sink", {1}}});
  csp::network net("long");
  auto numbers = net.channel<long>("numbers");
  net.spawn("count", count_to, numbers.writer(), 2000);
  net.spawn("sink", [](csp::reader<long> in) {
    for (long v : in) (void)v;
  }, numbers.reader());
  const csp_test::output_file file("json");
  csp::config cfg = config();
  cfg.trace = file.path;
  cfg.trace_limit = 100;
  ::testing::internal::CaptureStderr();
  const int rc = csp_test::run(net, cfg);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 0);
  if (!csp_test::draws_here()) return;

  EXPECT_THAT(err, HasSubstr("holds the end of the run only"));
  const csp_test::trace_file t = csp_test::read_trace(file.path);
  expect_well_formed(t);
  EXPECT_GT(t.other.value("dropped_records", 0), 0);
  const auto flows = t.flows_of("numbers");
  ASSERT_FALSE(flows.empty());
  EXPECT_LT(flows.size(), 2000u);
  EXPECT_EQ(flows.rbegin()->first, 2000);
  EXPECT_EQ(static_cast<std::size_t>(flows.rbegin()->first - flows.begin()->first + 1), flows.size())
      << "a gap among the last messages";
}

// A run that deadlocks still writes its trace, which ends with each process blocked where the
// deadlock report says.
TEST_P(conformance, trace_is_written_when_the_run_deadlocks) {
  place_on_mpi({{"a", {0}}, {"b", {1}}});
  csp::network net("stuck");
  auto ab = net.channel<long>("ab");
  auto ba = net.channel<long>("ba");
  net.spawn("a", [](csp::reader<long> in, csp::writer<long> out) {
    (void)in.recv();
    out.send(1);
  }, ba.reader(), ab.writer());
  net.spawn("b", [](csp::reader<long> in, csp::writer<long> out) {
    (void)in.recv();
    out.send(1);
  }, ab.reader(), ba.writer());
  const csp_test::output_file file("json");
  csp::config cfg = config();
  cfg.trace = file.path;
  EXPECT_THROW(csp_test::run(net, cfg), csp::deadlock);
  if (!csp_test::draws_here()) return;

  const csp_test::trace_file t = csp_test::read_trace(file.path);
  expect_well_formed(t);
  EXPECT_TRUE(t.flows.empty());
  for (const auto& [process, channel] : {std::pair{"a", "ba"}, std::pair{"b", "ab"}}) {
    const auto it = t.slices.find(t.track(process));
    ASSERT_NE(it, t.slices.end()) << process;
    const auto blocked = std::find_if(it->second.begin(), it->second.end(), [](const auto& s) { return s.state == "read"; });
    ASSERT_NE(blocked, it->second.end()) << process << " never blocked";
    EXPECT_EQ(blocked->name, std::string("blocked on read '") + channel + "'");
  }
}

// A process on a timer is on a `timer` slice at least as long as it slept; --csp-stats, on at
// the same time, counts that wait as the process's own (no channel's).
TEST_P(conformance, trace_shows_a_timer_and_stats_count_it) {
  place_on_mpi({{"nap", {0}}, {"wake", {1}}});
  csp::network net("timed");
  auto done = net.channel<long>("done");
  net.spawn("nap", [](csp::writer<long> out) {
    csp::sleep_for(std::chrono::milliseconds(2));
    out.send(1);
  }, done.writer());
  net.spawn("wake", [](csp::reader<long> in) { (void)in.recv(); }, done.reader());
  const csp_test::output_file file("json");
  csp::config cfg = config();
  cfg.trace = file.path;
  cfg.stats = true;
  ::testing::internal::CaptureStderr();
  const int rc = csp_test::run(net, cfg);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 0);
  if (!csp_test::draws_here()) return;

  EXPECT_THAT(err, HasSubstr("nap"));
  const csp_test::trace_file t = csp_test::read_trace(file.path);
  expect_well_formed(t);
  const auto it = t.slices.find(t.track("nap"));
  ASSERT_NE(it, t.slices.end());
  const auto timer = std::find_if(it->second.begin(), it->second.end(), [](const auto& s) { return s.state == "timer"; });
  ASSERT_NE(timer, it->second.end()) << "no timer slice";
  EXPECT_GE(timer->to - timer->from, 2000.0);  // microseconds: sleep_for waits at least that long
  expect_flows(t, "done", {1}, "nap", "wake");
}
