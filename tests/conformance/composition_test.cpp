// Conformance: composition and scale (DESIGN.md section 1, "Composition as in PyCSP", applied
// under the rules of section 2): parallel, sequence, spawn_n with replica indices, a
// sub-network run from a process, and networks of many processes.
#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance/conformance.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void count_to(csp::writer<int> out, int n) {
  for (int i = 0; i < n; ++i) out.send(i);
}
void add_one(csp::reader<int> in, csp::writer<int> out) {
  for (int v : in) out.send(v + 1);
}
void twice(csp::reader<int> in, csp::writer<int> out) {
  for (int v : in) out.send(2 * v);
}
void collect(csp::reader<int> in, std::vector<int>& into) {
  for (int v : in) into.push_back(v);
}

// §1 parallel(...): a process that runs its children concurrently as a sub-network, and
// ends when all have; their channels work across the sub-network's boundary (§2 Channels).
TEST_P(conformance, composition_parallel_runs_children_concurrently) {
  csp::network net;
  auto numbers = net.channel<int>("numbers");
  auto results = net.channel<int>("results");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn(csp::parallel("pipeline", csp::process("count", count_to, numbers.writer(), 5),
                          csp::process("add_one", add_one, numbers.reader(), results.writer())));
  net.spawn("collect", collect, results.reader(), std::ref(got));
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(1, 2, 3, 4, 5));
}

// §1 "a process may build and run a sub-network of its own": csp::run(sub) inside a process
// runs it on the same backend and returns when it has ended. The sub-network uses the
// process's own ends.
TEST_P(conformance, composition_run_inside_a_process_runs_a_sub_network) {
  csp::network net;
  auto numbers = net.channel<int>("numbers");
  auto results = net.channel<int>("results");
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("count", count_to, numbers.writer(), 5);
  net.spawn("inc_then_double", [](csp::reader<int> in, csp::writer<int> out) {
    csp::network sub("inner");
    auto mid = sub.channel<int>("mid");
    sub.spawn("add_one", add_one, std::move(in), mid.writer());
    sub.spawn("twice", twice, mid.reader(), std::move(out));
    EXPECT_EQ(csp::run(sub), 0);
  }, numbers.reader(), results.writer());
  net.spawn("collect", collect, results.reader(), std::ref(got));
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(got, ElementsAre(2, 4, 6, 8, 10));
}

// §2 Termination: a failure inside a sub-network fails its run() with the inner process's
// name; the outer process fails in turn and the outer run names both.
TEST_P(conformance, composition_failure_in_a_sub_network_names_both_processes) {
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("outer", [](csp::writer<int> out) {
    csp::network sub("inner");
    sub.spawn("inner_thrower", [] { throw std::runtime_error("inner boom"); });
    csp::run(sub);
    out.send(1);
  }, c.writer());
  net.spawn("reader", [](csp::reader<int> in) { for (int v : in) (void)v; }, c.reader());
  try {
    run(net);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::process_error& e) {
    EXPECT_EQ(e.process(), "outer");
    EXPECT_THAT(std::string(e.what()), HasSubstr("inner_thrower"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("inner boom"));
  }
}

// §2 Termination: a failure in the outer network ends a sub-network's processes too.
TEST_P(conformance, composition_outer_failure_ends_a_running_sub_network) {
  csp::network net;
  auto started = net.channel<int>("started");
  net.spawn("host", [](csp::writer<int> started) {
    csp::network sub("inner");
    auto c = sub.channel<int>("stuck");
    sub.spawn("announcer", [](csp::writer<int> s) { s.send(0); }, std::move(started));
    sub.spawn("stuck_reader", [](csp::reader<int> in) { in.recv(); }, c.reader());
    sub.spawn("sleeper", [](csp::writer<int> out) {
      csp::sleep_for(std::chrono::hours(1));
      out.send(1);
    }, c.writer());
    csp::run(sub);
  }, started.writer());
  net.spawn("failer", [](csp::reader<int> started) {
    started.recv();
    throw std::runtime_error("outer boom");
  }, started.reader());
  const std::string msg = what_of<csp::process_error>([&] { run(net); });
  EXPECT_THAT(msg, HasSubstr("outer boom"));
}

// §1 sequence(...): children run one after another, in one process.
TEST_P(conformance, composition_sequence_runs_children_in_order) {
  csp::network net;
  auto merged = net.channel<int>("merged", csp::unbounded());
  std::vector<std::string> log;
  CSP_SHARED(log);
  std::mutex mu;
  auto step = [&](std::string name, csp::writer<int> out, int base) {
    {
      std::lock_guard lk(mu);
      log.push_back(name + " begins");
    }
    for (int i = 0; i < 3; ++i) out.send(base + i);
    std::lock_guard lk(mu);
    log.push_back(name + " ends");
  };
  net.spawn(csp::sequence("steps", csp::process("one", step, std::string("one"), merged.writer(), 0),
                          csp::process("two", step, std::string("two"), merged.writer(), 10)));
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("collect", collect, merged.reader(), std::ref(got));
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(log, ElementsAre("one begins", "one ends", "two begins", "two ends"));
  EXPECT_THAT(got, ElementsAre(0, 1, 2, 10, 11, 12));
}

// §2 Termination inside sequence: a failing child fails the sequence, naming the child; the
// children after it do not run.
TEST_P(conformance, composition_sequence_failure_names_the_child) {
  csp::network net;
  bool third_ran = false;
  CSP_SHARED(third_ran);
  net.spawn(csp::sequence("steps", csp::process("ok", [] {}),
                          csp::process("bad", [] { throw std::runtime_error("step failed"); }),
                          csp::process("never", [&third_ran] { third_ran = true; })));
  try {
    run(net);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::process_error& e) {
    EXPECT_EQ(e.process(), "steps");
    EXPECT_THAT(std::string(e.what()), HasSubstr("bad"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("step failed"));
  }
  EXPECT_FALSE(third_ran);
}

// §1 spawn_n: replicated processes named name[i], each told its csp::replica index, each
// with its own copy of the arguments (so its own end).
TEST_P(conformance, composition_spawn_n_with_replica_indices) {
  constexpr std::size_t n = 8;
  csp::network net;
  auto hello = net.channel<std::pair<std::size_t, std::size_t>>("hello");
  net.spawn_n(n, "worker", [](csp::replica me, csp::writer<std::pair<std::size_t, std::size_t>> out) {
    out.send({me.index, me.count});
  }, hello.writer());
  std::vector<std::pair<std::size_t, std::size_t>> got;
  CSP_SHARED(got);
  net.spawn("collect", [&got](csp::reader<std::pair<std::size_t, std::size_t>> in) {
    for (auto v : in) got.push_back(v);
  }, hello.reader());
  EXPECT_EQ(net.process_count(), n + 1);
  EXPECT_EQ(run(net), 0);  // ends only if each copy's end retired: each had its own
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(got[i].first, i);
    EXPECT_EQ(got[i].second, n);
  }
}

TEST_P(conformance, composition_spawn_n_names_each_copy) {
  csp::network net;
  net.spawn_n(4, "worker", [](csp::replica me) {
    if (me.index == 2) throw std::runtime_error("third worker fails");
  });
  try {
    run(net);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::process_error& e) {
    EXPECT_EQ(e.process(), "worker[2]");
  }
}

TEST_P(conformance, composition_spawn_n_without_replica) {
  csp::network net;
  auto jobs = net.channel<int>("jobs");
  auto results = net.channel<int>("results");
  net.spawn("source", count_to, jobs.writer(), 100);
  net.spawn_n(4, "worker", twice, jobs.reader(), results.writer());
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("collect", collect, results.reader(), std::ref(got));
  EXPECT_EQ(run(net), 0);
  std::sort(got.begin(), got.end());
  std::vector<int> expected(100);
  for (int i = 0; i < 100; ++i) expected[i] = 2 * i;
  EXPECT_EQ(got, expected);
}

// §3 / the fiber backend's purpose: many processes in one network. A chain of identity stages
// (10,000 on fiber, 1,000 on thread: one OS thread each), every value coming out in order.
TEST_P(conformance, scale_chain_of_many_processes) {
  const int stages = on_fiber() && !csp_test::under_thread_sanitizer ? 10'000 : 1'000;
  constexpr int values = 20;
  csp::network net;
  std::vector<csp::channel<int>> links;
  links.reserve(stages + 1);
  for (int i = 0; i <= stages; ++i) links.push_back(net.channel<int>("link" + std::to_string(i)));
  net.spawn("source", count_to, links[0].writer(), values);
  for (int i = 0; i < stages; ++i) {
    net.spawn("stage" + std::to_string(i), [](csp::reader<int> in, csp::writer<int> out) {
      for (int v : in) out.send(v);
    }, links[i].reader(), links[i + 1].writer());
  }
  std::vector<int> got;
  CSP_SHARED(got);
  net.spawn("sink", collect, links[stages].reader(), std::ref(got));
  links.clear();
  EXPECT_EQ(run(net), 0);
  std::vector<int> expected(values);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(got, expected);
}

// Many processes at once, all blocked on one channel, then all released.
TEST_P(conformance, scale_many_readers_of_one_channel) {
  const int readers = on_fiber() && !csp_test::under_thread_sanitizer ? 10'000 : 1'000;
  csp::network net;
  auto c = net.channel<int>("fan_out");
  std::vector<int> got(readers, -1);
  CSP_SHARED(got);
  net.spawn("source", count_to, c.writer(), readers);
  net.spawn_n(readers, "reader", [&got](csp::replica me, csp::reader<int> in) {
    got[me.index] = in.recv();
  }, c.reader());
  EXPECT_EQ(run(net), 0);
  std::sort(got.begin(), got.end());
  std::vector<int> expected(readers);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(got, expected);
}

}  // namespace
