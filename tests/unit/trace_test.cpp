// csp/detail/trace.hpp: a thread's ring keeps its last records, a part of a trace crosses
// address spaces as bytes unchanged, and the JSON pairs flows, escapes names and counts time
// from the first slice. The conformance cases (trace_test.cpp there) trace real networks on
// every backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <csp/detail/trace.hpp>
#include <csp/errors.hpp>

#include "support/outputs.hpp"
#include "support/trace.hpp"

namespace {

using ::testing::HasSubstr;
using csp::detail::trace_part;
using csp::detail::trace_record;

// Two processes of one address space: "writer \"w\"" sent message 1 of channel 7 at 1.5 us into
// its running slice; "reader" got it at 2.5 us, after being blocked. Message 2 has its writer's
// end only.
trace_part sample() {
  trace_part p;
  p.tracks = {{0, "writer \"w\""}, {1, "reader"}};
  p.slices = {{0, 1000, 3000, "running", "running"},
              {1, 1000, 2000, "read", "blocked on read 'c'"},
              {1, 2000, 3000, "running", "running"}};
  p.flows = {{7, 1, true, 0, 1500, "c"}, {7, 1, false, 1, 2500, "c"}, {7, 2, true, 0, 2900, "c"}};
  return p;
}

TEST(trace, a_part_crosses_address_spaces_as_bytes_unchanged) {
  trace_part p = sample();
  p.rank = 3;
  p.dropped = 12;
  p.cutoff = 999;
  const trace_part q = trace_part::decode(p.encode());
  EXPECT_EQ(q.rank, 3);
  EXPECT_EQ(q.dropped, 12u);
  EXPECT_EQ(q.cutoff, 999);
  ASSERT_EQ(q.tracks.size(), 2u);
  EXPECT_EQ(q.tracks[0].name, "writer \"w\"");
  ASSERT_EQ(q.slices.size(), 3u);
  EXPECT_EQ(q.slices[1].name, "blocked on read 'c'");
  EXPECT_EQ(q.slices[1].to, 2000);
  ASSERT_EQ(q.flows.size(), 3u);
  EXPECT_FALSE(q.flows[1].writer);
  EXPECT_EQ(q.flows[1].at, 2500);
  EXPECT_THROW(trace_part::decode(std::vector<std::byte>(3)), csp::codec_error);
}

TEST(trace, json_pairs_the_flows_whose_two_ends_are_there_and_escapes_names) {
  const std::string json = csp::detail::trace_json({sample()}, "net", "fiber, 1 thread");
  EXPECT_THAT(json, HasSubstr(R"("name":"writer \"w\"")"));
  const csp_test::output_file file("json");
  csp::detail::write_trace({sample()}, "net", "fiber, 1 thread", file.path);
  const csp_test::trace_file t = csp_test::read_trace(file.path);
  EXPECT_EQ(t.tracks.size(), 2u);
  ASSERT_EQ(t.flows.size(), 1u) << "message 2 has no reader in the trace";
  EXPECT_EQ(t.flows[0].name, "'c' #1");
  EXPECT_DOUBLE_EQ(t.flows[0].writer.at, 0.5);  // microseconds from the first slice
  EXPECT_DOUBLE_EQ(t.flows[0].reader.at, 1.5);
  EXPECT_EQ(t.flows[0].writer.track, t.track("writer \"w\""));
  EXPECT_EQ(t.flows[0].reader.track, t.track("reader"));
  EXPECT_EQ(t.other.value("messages", 0), 1);
  EXPECT_EQ(t.other.value("backend", ""), "fiber, 1 thread");
}

TEST(trace, parts_of_ranks_are_processes_of_the_trace_and_their_flows_join_across_them) {
  trace_part a = sample(), b = sample();
  a.rank = 0;
  b.rank = 1;
  a.flows = {a.flows[0]};  // rank 0 wrote message 1, rank 1 read it
  b.flows = {b.flows[1]};
  const csp_test::output_file file("json");
  csp::detail::write_trace({a, b}, "net", "mpi", file.path);
  const csp_test::trace_file t = csp_test::read_trace(file.path);
  EXPECT_EQ(t.tracks.size(), 4u);
  ASSERT_EQ(t.flows.size(), 1u);
  EXPECT_EQ(t.flows[0].writer.track.first, 1);  // pid = rank + 1
  EXPECT_EQ(t.flows[0].reader.track.first, 2);
}

TEST(trace, a_trace_that_cannot_be_written_is_an_error_naming_the_file) {
  const std::string dir = (std::filesystem::path(::testing::TempDir()) / "no" / "such" / "dir" / "t.json").string();
  try {
    csp::detail::write_trace({sample()}, "net", "thread", dir);
    FAIL() << "no error";
  } catch (const csp::error& e) {
    EXPECT_THAT(e.what(), HasSubstr("trace: cannot write '" + dir + "'"));
  }
}

// A ring keeps the last `limit` records of its thread; the part then starts where the oldest
// kept record was appended, and says how many it lost.
TEST(trace, a_ring_keeps_the_last_records_of_its_thread) {
  csp::detail::tracer tracer(100);
  csp::detail::group g;
  g.name = "net";
  g.processes.push_back(std::make_unique<csp::detail::process_state>());
  g.processes.back()->name = "p";
  const csp::detail::process_state& p = *g.processes.back();
  std::thread([&] {
    tracer.started(p);
    for (int i = 0; i < 249; ++i) {
      tracer.record({.type = trace_record::what::parked, .guards = 1, .at = 1000 + 10 * i, .until = 1005 + 10 * i, .proc = &p});
    }
  }).join();
  const trace_part part = tracer.part({&g}, -1);
  EXPECT_EQ(part.dropped, 150u);
  EXPECT_EQ(part.cutoff, 1005 + 10 * 149);  // the oldest of the last 100
  ASSERT_EQ(part.tracks.size(), 1u);
  std::size_t parked = 0;
  for (const auto& s : part.slices) {
    EXPECT_GE(s.from, part.cutoff);
    parked += s.state == "timer" ? 1 : 0;
  }
  EXPECT_EQ(parked, 99u);  // the 100 kept, less the one clipped to nothing at the cutoff
}

}  // namespace
