// Conformance: deadlock (DESIGN.md section 2, "Deadlock"): when no process can run and none
// waits on a timer, run throws csp::deadlock with a report: each blocked process, the channel
// and operation it waits on, and the cycle among them. Never a hang.
#include <atomic>
#include <chrono>
#include <string>

#include "conformance/conformance.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// §2 Deadlock: two processes each waiting to receive from the other.
TEST_P(conformance, deadlock_two_process_cycle_is_reported) {
  csp::network net;
  auto a_to_b = net.channel<int>("a_to_b");
  auto b_to_a = net.channel<int>("b_to_a");
  net.spawn("alice", [](csp::reader<int> in, csp::writer<int> out) { in.recv(); out.send(1); },
            b_to_a.reader(), a_to_b.writer());
  net.spawn("bob", [](csp::reader<int> in, csp::writer<int> out) { in.recv(); out.send(1); },
            a_to_b.reader(), b_to_a.writer());
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  EXPECT_THAT(report, HasSubstr("alice"));
  EXPECT_THAT(report, HasSubstr("bob"));
  EXPECT_THAT(report, HasSubstr("a_to_b"));
  EXPECT_THAT(report, HasSubstr("b_to_a"));
  EXPECT_THAT(report, HasSubstr("cycle"));
}

// §2 Deadlock: a ring of three, one sending where the next one sends too.
TEST_P(conformance, deadlock_ring_of_senders_is_reported) {
  csp::network net;
  auto c0 = net.channel<int>("ring0");
  auto c1 = net.channel<int>("ring1");
  auto c2 = net.channel<int>("ring2");
  auto stage = [](csp::reader<int> in, csp::writer<int> out) {
    out.send(1);
    in.recv();
  };
  net.spawn("p0", stage, c2.reader(), c0.writer());
  net.spawn("p1", stage, c0.reader(), c1.writer());
  net.spawn("p2", stage, c1.reader(), c2.writer());
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  for (const char* s : {"p0", "p1", "p2", "ring0", "ring1", "ring2", "cycle"}) {
    EXPECT_THAT(report, HasSubstr(s));
  }
}

// §2 Deadlock: a process blocked in an alt is blocked too; the report names its channels.
TEST_P(conformance, deadlock_in_an_alt_is_reported) {
  csp::network net;
  auto left = net.channel<int>("left");
  auto right = net.channel<int>("right");
  auto back = net.channel<int>("back");
  net.spawn("chooser", [](csp::reader<int> l, csp::reader<int> r, csp::writer<int> back) {
    int v = 0;
    csp::select(csp::input(l, v), csp::input(r, v));
    back.send(v);
  }, left.reader(), right.reader(), back.writer());
  net.spawn("feeder", [](csp::writer<int> l, csp::writer<int> r, csp::reader<int> back) {
    back.recv();
    l.send(1);
    r.send(2);
  }, left.writer(), right.writer(), back.reader());
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  for (const char* s : {"chooser", "feeder", "left", "right", "back", "cycle"}) {
    EXPECT_THAT(report, HasSubstr(s));
  }
}

// §2 Deadlock: some processes ended, the rest are stuck; still a deadlock, not a hang.
TEST_P(conformance, deadlock_after_other_processes_ended) {
  csp::network net;
  auto a = net.channel<int>("a");
  auto b = net.channel<int>("b");
  auto c = net.channel<int>("c", csp::buffered(8));
  net.spawn("finisher", [](csp::writer<int> out) { for (int i = 0; i < 8; ++i) out.send(i); }, c.writer());
  net.spawn("drainer", [](csp::reader<int> in) { for (int v : in) (void)v; }, c.reader());
  net.spawn("x", [](csp::reader<int> in, csp::writer<int> out) { in.recv(); out.send(0); }, a.reader(), b.writer());
  net.spawn("y", [](csp::reader<int> in, csp::writer<int> out) { in.recv(); out.send(0); }, b.reader(), a.writer());
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  EXPECT_THAT(report, HasSubstr("'x'"));
  EXPECT_THAT(report, HasSubstr("'y'"));
  EXPECT_THAT(report, HasSubstr("cycle"));
}

// §2 Deadlock: a process waiting on a channel whose other end is kept outside the network
// ("none waits on ... the outside world": the outside thread is not counted): reported
// (no cycle), not a hang.
TEST_P(conformance, deadlock_on_an_end_kept_outside_the_network) {
  csp::network net;
  auto c = net.channel<int>("orphan");
  auto kept = c.writer();
  net.spawn("waiter", [](csp::reader<int> in) { in.recv(); }, c.reader());
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  EXPECT_THAT(report, HasSubstr("waiter"));
  EXPECT_THAT(report, HasSubstr("orphan"));
}

// §2 Deadlock inside a sub-network run from a process: the whole run reports it.
TEST_P(conformance, deadlock_inside_a_sub_network_is_reported) {
  csp::network net;
  net.spawn("outer", [] {
    csp::network sub("inner");
    auto a = sub.channel<int>("inner_a");
    auto b = sub.channel<int>("inner_b");
    sub.spawn("left", [](csp::reader<int> in, csp::writer<int> out) { in.recv(); out.send(0); },
              a.reader(), b.writer());
    sub.spawn("right", [](csp::reader<int> in, csp::writer<int> out) { in.recv(); out.send(0); },
              b.reader(), a.writer());
    csp::run(sub);
  });
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  EXPECT_THAT(report, HasSubstr("left"));
  EXPECT_THAT(report, HasSubstr("right"));
  EXPECT_THAT(report, HasSubstr("inner_a"));
  EXPECT_THAT(report, HasSubstr("cycle"));
}

// §2 Deadlock: "none waits on a timer": a process on a timer keeps the others from being
// a deadlock; the run completes.
TEST_P(conformance, deadlock_not_reported_while_a_process_waits_on_a_timer) {
  csp::network net;
  auto c = net.channel<int>("late");
  int got = 0;
  CSP_SHARED(got);
  net.spawn("slow", [](csp::writer<int> out) {
    csp::sleep_for(10ms);
    out.send(5);
  }, c.writer());
  net.spawn("patient", [&got](csp::reader<int> in) { got = in.recv(); }, c.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(got, 5);
}

// Same, with the timer in an alt that ends up firing its timeout and then unblocking the rest.
TEST_P(conformance, deadlock_not_reported_while_an_alt_has_a_timeout) {
  csp::network net;
  auto c = net.channel<int>("c");
  auto d = net.channel<int>("d");
  std::size_t fired = 99;
  CSP_SHARED(fired);
  net.spawn("timed", [&fired](csp::reader<int> d, csp::writer<int> c) {
    int v = 0;
    fired = csp::pri_select(csp::input(d, v), csp::timeout(10ms));
    c.send(1);
  }, d.reader(), c.writer());
  net.spawn("waiting", [](csp::reader<int> c, csp::writer<int> d) {
    c.recv();
    d.retire();
  }, c.reader(), d.writer());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(fired, 1u);
}

// §2 Deadlock: "when no process can run": processes that end at about the same moment, with
// none blocked, are no deadlock. Many short runs of writers that share a reader and so
// finish close together; any csp::deadlock here is a false report.
TEST_P(conformance, deadlock_not_reported_when_processes_end_together) {
  constexpr int runs = 400, writers = 4, per_writer = 500;
  int deadlocks = 0;
  std::string report;
  for (int r = 0; r < runs; ++r) {
    csp::network net;
    auto c = net.channel<int>("c", csp::buffered(8));
    net.spawn_n(writers, "writer", [](csp::replica, csp::writer<int> out) {
      for (int s = 0; s < per_writer; ++s) out.send(s);
    }, c.writer());
    net.spawn("reader", [](csp::reader<int> in) { for (int v : in) (void)v; }, c.reader());
    try {
      run(net);
    } catch (const csp::deadlock& e) {
      ++deadlocks;
      report = e.what();
    }
  }
  EXPECT_EQ(deadlocks, 0) << "false deadlock in " << deadlocks << " of " << runs << " runs; last report:\n"
                          << report;
}

// §2 Deadlock: "run throws csp::deadlock with a report ... Never a hang", also when a process
// the abort wakes catches the poison and blocks again: that wait ends too (the abort poisons
// every channel of the network), and the report is the one made when nothing could run,
// naming the waits of that moment, not a later one (model/alt.pml, scenario 5; the detector
// counts itself as running until its abort is done).
TEST_P(conformance, deadlock_abort_also_ends_a_process_that_blocks_again) {
  csp::network net;
  auto first = net.channel<int>("first");
  auto later = net.channel<int>("later");
  auto w_in = net.channel<int>("w_in");
  std::atomic<int> ended{0};
  CSP_SHARED(ended);
  // Each holds the other's writer ends, so that no channel ends by retiring.
  net.spawn("x", [&ended](csp::reader<int> first, csp::reader<int> later, csp::writer<int>) {
    EXPECT_THROW(first.recv(), csp::channel_error);
    EXPECT_THROW(later.recv(), csp::channel_error);
    ++ended;
  }, first.reader(), later.reader(), w_in.writer());
  net.spawn("w", [&ended](csp::writer<int>, csp::writer<int>, csp::reader<int> w_in) {
    EXPECT_THROW(w_in.recv(), csp::channel_error);
    ++ended;
  }, first.writer(), later.writer(), w_in.reader());
  const std::string report = what_of<csp::deadlock>([&] { run(net); });
  EXPECT_EQ(ended, 2);
  EXPECT_THAT(report, HasSubstr("first"));
  EXPECT_THAT(report, HasSubstr("w_in"));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("later")));
}

}  // namespace
