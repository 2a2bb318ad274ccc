// Conformance: termination (DESIGN.md section 2, "Termination": retire, poison, failure).
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance/conformance.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// §2 Termination, retire: "When all writers of a channel have retired, readers drain what is
// buffered and then see end-of-stream (range-for ends, recv throws csp::retired)". The values
// are buffered and the writer retired before the reader takes any (it waits for `done`).
TEST_P(conformance, retire_readers_drain_the_buffer_then_see_end_of_stream) {
  for (csp::flavor f : {csp::buffered(16), csp::unbounded(), csp::overwriting(16)}) {
    csp::network net;
    auto data = net.channel<int>("data", f);
    auto done = net.channel<int>("done");
    std::vector<int> got;
    bool recv_threw = false;
    csp::status try_after = csp::status::ok;
    std::string channel;
    CSP_SHARED(got, recv_threw, try_after, channel);
    net.spawn("writer", [](csp::writer<int> out, csp::writer<int> done) {
      for (int i = 0; i < 10; ++i) out.send(i);
      out.retire();
      done.send(0);
    }, data.writer(), done.writer());
    net.spawn("reader", [&](csp::reader<int> in, csp::reader<int> done) {
      done.recv();
      for (int v : in) got.push_back(v);
      try {
        in.recv();
      } catch (const csp::retired& e) {
        recv_threw = true;
        channel = e.channel();
      }
      int v = 0;
      try_after = in.try_recv(v);
    }, data.reader(), done.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_THAT(got, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    EXPECT_TRUE(recv_threw);
    EXPECT_EQ(channel, "data");
    EXPECT_EQ(try_after, csp::status::retired);
  }
}

// §2 Termination, retire: end-of-stream comes only when *all* writers have retired. The
// first writer retires before the second starts sending (it waits for `first_gone`).
TEST_P(conformance, retire_end_of_stream_waits_for_every_writer) {
  for (csp::flavor f : {csp::rendezvous(), csp::buffered(2)}) {
    csp::network net;
    auto data = net.channel<int>("data", f);
    auto first_gone = net.channel<int>("first_gone");
    std::vector<int> got;
    CSP_SHARED(got);
    net.spawn("first", [](csp::writer<int> out, csp::writer<int> gone) {
      out.retire();
      gone.send(0);
    }, data.writer(), first_gone.writer());
    net.spawn("second", [](csp::writer<int> out, csp::reader<int> gone) {
      gone.recv();
      for (int i = 0; i < 5; ++i) out.send(i);
    }, data.writer(), first_gone.reader());
    net.spawn("reader", [&got](csp::reader<int> in) { for (int v : in) got.push_back(v); }, data.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_THAT(got, ElementsAre(0, 1, 2, 3, 4));
  }
}

// §2 Termination, retire: a reader blocked on an empty channel wakes with end-of-stream
// when the last writer retires.
TEST_P(conformance, retire_wakes_a_blocked_reader_with_end_of_stream) {
  for (csp::flavor f : {csp::rendezvous(), csp::buffered(2), csp::unbounded()}) {
    csp::network net;
    auto data = net.channel<int>("data", f);
    std::atomic<int> readers_done{0};
    CSP_SHARED(readers_done);
    net.spawn("writer", [](csp::writer<int> out) { out.retire(); }, data.writer());
    net.spawn_n(3, "reader", [&readers_done](csp::replica, csp::reader<int> in) {
      for (int v : in) (void)v;
      ++readers_done;
    }, data.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_EQ(readers_done, 3);
  }
}

// §2 Termination, retire: "When all readers have retired, writers get csp::retired."
// Rendezvous: two readers take one value each and retire; the third send cannot complete.
TEST_P(conformance, retire_all_readers_retired_then_the_writer_gets_retired) {
  for (csp::flavor f : {csp::rendezvous(), csp::buffered(4)}) {
    csp::network net;
    auto data = net.channel<int>("results", f);
    int sent = 0;
    std::string channel;
    CSP_SHARED(sent, channel);
    net.spawn("writer", [&](csp::writer<int> out) {
      try {
        for (;;) {
          out.send(sent);
          ++sent;
        }
      } catch (const csp::retired& e) {
        channel = e.channel();
      }
    }, data.writer());
    net.spawn_n(2, "reader", [](csp::replica, csp::reader<int> in) {
      in.recv();
      in.retire();
    }, data.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_EQ(channel, "results");
    if (f.k == csp::flavor::kind::rendezvous) {
      EXPECT_EQ(sent, 2);
    } else {
      EXPECT_GE(sent, 2);
      EXPECT_LE(sent, 2 + 4);
    }
  }
}

// §2 Termination, retire: a writer blocked in send wakes with csp::retired when the last
// reader retires without reading.
TEST_P(conformance, retire_wakes_a_blocked_writer) {
  csp::network net;
  auto data = net.channel<int>("data");
  auto ready = net.channel<int>("ready", csp::buffered(4));
  std::atomic<int> woken{0};
  CSP_SHARED(woken);
  net.spawn_n(3, "writer", [&woken](csp::replica, csp::writer<int> out, csp::writer<int> ready) {
    ready.send(0);
    try {
      out.send(1);
    } catch (const csp::retired&) {
      ++woken;
    }
  }, data.writer(), ready.writer());
  net.spawn("reader", [](csp::reader<int> in, csp::reader<int> ready) {
    for (int i = 0; i < 3; ++i) ready.recv();
    in.retire();
  }, data.reader(), ready.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(woken, 3);
}

// §2 Termination, poison: "Every pending and later operation on it throws csp::poisoned".
// Several processes block in each way: readers in recv, writers in send, alts over input and
// output guards (one with a timeout); each first says it is about to block. One process then
// poisons the channels: every one ends with csp::poisoned, and run returns normally.
TEST_P(conformance, poison_wakes_every_blocked_reader_writer_and_alt) {
  constexpr int each = 3;
  csp::network net;
  auto in = net.channel<int>("in");
  auto out = net.channel<int>("out");
  auto alt_in = net.channel<int>("alt_in");
  auto alt_out = net.channel<int>("alt_out");
  auto ready = net.channel<int>("ready", csp::unbounded());
  std::vector<std::string> readers(each), writers(each), alters(each), timed(each);
  std::vector<std::size_t> alter_guards(each, 99);
  CSP_SHARED(readers, writers, alters, timed, alter_guards);
  net.spawn_n(each, "reader", [&](csp::replica me, csp::reader<int> in, csp::writer<int> ready) {
    ready.send(0);
    try {
      in.recv();
    } catch (const csp::poisoned& e) {
      readers[me.index] = e.channel();
    }
  }, in.reader(), ready.writer());
  net.spawn_n(each, "writer", [&](csp::replica me, csp::writer<int> out, csp::writer<int> ready) {
    ready.send(0);
    try {
      out.send(1);
    } catch (const csp::poisoned& e) {
      writers[me.index] = e.channel();
    }
  }, out.writer(), ready.writer());
  net.spawn_n(each, "alter", [&](csp::replica me, csp::reader<int> a, csp::writer<int> b, csp::writer<int> ready) {
    ready.send(0);
    try {
      int v = 0;
      csp::select(csp::output(b, 1).when(false), csp::input(a, v));
    } catch (const csp::poisoned& e) {
      alters[me.index] = e.channel();
      alter_guards[me.index] = e.guard();
    }
  }, alt_in.reader(), alt_out.writer(), ready.writer());
  net.spawn_n(each, "timed", [&](csp::replica me, csp::writer<int> b, csp::writer<int> ready) {
    ready.send(0);
    try {
      csp::select(csp::output(b, 1), csp::timeout(1h));
    } catch (const csp::poisoned& e) {
      timed[me.index] = e.channel();
    }
  }, alt_out.writer(), ready.writer());
  net.spawn("poisoner", [](csp::writer<int> in, csp::reader<int> out, csp::writer<int> alt_in,
                           csp::reader<int> alt_out, csp::reader<int> ready) {
    for (int i = 0; i < 4 * each; ++i) ready.recv();
    in.poison();
    out.poison();
    alt_in.poison();
    alt_out.poison();
  }, in.writer(), out.reader(), alt_in.writer(), alt_out.reader(), ready.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_THAT(readers, ::testing::Each("in"));
  EXPECT_THAT(writers, ::testing::Each("out"));
  EXPECT_THAT(alters, ::testing::Each("alt_in"));
  EXPECT_THAT(alter_guards, ::testing::Each(1u));
  EXPECT_THAT(timed, ::testing::Each("alt_out"));
}

// §2 Termination, poison: a process that lets csp::poisoned escape ends normally, and poison
// through the channel handle works like poison through an end.
TEST_P(conformance, poison_uncaught_is_a_normal_end) {
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("reader", [](csp::reader<int> in) { for (;;) in.recv(); }, c.reader());
  net.spawn("writer", [c](csp::writer<int> out) {
    out.send(1);
    c.poison();
    out.send(2);  // throws csp::poisoned, uncaught
  }, c.writer());
  EXPECT_EQ(run(net), 0);
}

// §2 "Buffered values survive retire; poison says what it discards": poison discards the
// buffer, so a reader sees csp::poisoned, not the values.
TEST_P(conformance, poison_discards_buffered_values) {
  csp::network net;
  auto data = net.channel<int>("data", csp::buffered(4));
  auto done = net.channel<int>("done");
  csp::status first = csp::status::ok;
  bool recv_threw = false;
  CSP_SHARED(first, recv_threw);
  net.spawn("writer", [](csp::writer<int> out, csp::writer<int> done) {
    for (int i = 0; i < 3; ++i) out.send(i);
    out.poison();
    done.send(0);
  }, data.writer(), done.writer());
  net.spawn("reader", [&](csp::reader<int> in, csp::reader<int> done) {
    done.recv();
    int v = 0;
    first = in.try_recv(v);
    try {
      in.recv();
    } catch (const csp::poisoned&) {
      recv_threw = true;
    }
  }, data.reader(), done.reader());
  EXPECT_EQ(run(net), 0);
  EXPECT_EQ(first, csp::status::poisoned);
  EXPECT_TRUE(recv_threw);
}

// §2 Termination, poison: "Whether the runtime propagates poison through a process's ends
// automatically is a per-process choice". With propagate_poison(), a process that ends by
// csp::poisoned poisons its other ends; without it, they are merely released (retired).
// Each way is run several times: the sink may or may not be blocked already when the relay
// ends, and it must see the same outcome either way.
TEST_P(conformance, poison_propagation_is_a_per_process_choice) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const bool propagate = attempt % 2 == 0;
    SCOPED_TRACE(propagate ? "propagate" : "no propagation");
    csp::network net;
    auto a = net.channel<int>("a");
    auto b = net.channel<int>("b");
    std::vector<int> got;
    bool sink_poisoned = false;
    CSP_SHARED(got, sink_poisoned);
    net.spawn("source", [](csp::writer<int> out) {
      for (int i = 0; i < 3; ++i) out.send(i);
      out.poison();
    }, a.writer());
    net.spawn(csp::process("relay", [](csp::reader<int> in, csp::writer<int> out) {
      for (;;) out.send(in.recv());
    }, a.reader(), b.writer()).propagate_poison(propagate));
    net.spawn("sink", [&](csp::reader<int> in) {
      try {
        for (int v : in) got.push_back(v);
      } catch (const csp::poisoned&) {
        sink_poisoned = true;
      }
    }, b.reader());
    EXPECT_EQ(run(net), 0);
    EXPECT_THAT(got, ElementsAre(0, 1, 2));
    EXPECT_EQ(sink_poisoned, propagate);
  }
}

// §2 Termination: a process that ends with csp::retired escaping (end-of-stream, or no reader
// left) ends normally.
TEST_P(conformance, retired_uncaught_is_a_normal_end) {
  csp::network net;
  auto a = net.channel<int>("a");
  auto b = net.channel<int>("b");
  net.spawn("source", [](csp::writer<int> out) { out.send(1); }, a.writer());
  net.spawn("eager_reader", [](csp::reader<int> in) { for (;;) in.recv(); }, a.reader());
  net.spawn("eager_writer", [](csp::writer<int> out) { for (;;) out.send(0); }, b.writer());
  net.spawn("quitter", [](csp::reader<int> in) { in.recv(); }, b.reader());
  net.spawn("thrower", [] { throw csp::retired("made up"); });
  EXPECT_EQ(run(net), 0);
}

// §2 Termination: "A process that throws anything else poisons the network; run returns after
// every process has ended and rethrows the first error, naming the process. No hang, ever."
// The others are blocked in every way (recv, send, alt, csp::sleep_for(1h)) when it throws.
TEST_P(conformance, failure_ends_the_run_with_process_error_naming_the_process) {
  csp::network net;
  auto quiet = net.channel<int>("quiet");
  auto full = net.channel<int>("full");
  auto ready = net.channel<int>("ready", csp::unbounded());
  std::vector<std::string> ended;
  CSP_SHARED(ended);
  place_on_mpi({{"blocked_writer", {1}}});
  std::mutex mu;
  auto note = [&](const std::string& who) {
    std::lock_guard lk(mu);
    ended.push_back(who);
  };
  net.spawn("sleeper", [&](csp::writer<int> /*quiet*/, csp::reader<int> /*full*/, csp::writer<int> ready) {
    ready.send(0);
    try {
      csp::sleep_for(1h);
    } catch (const csp::poisoned&) {
      note("sleeper");
    }
  }, quiet.writer(), full.reader(), ready.writer());
  net.spawn("blocked_reader", [&](csp::reader<int> in, csp::writer<int> ready) {
    ready.send(0);
    try {
      in.recv();
    } catch (const csp::poisoned&) {
      note("blocked_reader");
    }
  }, quiet.reader(), ready.writer());
  net.spawn("blocked_writer", [&](csp::writer<int> out, csp::writer<int> ready) {
    ready.send(0);
    try {
      out.send(1);
    } catch (const csp::poisoned&) {
      note("blocked_writer");
    }
  }, full.writer(), ready.writer());
  net.spawn("blocked_alter", [&](csp::reader<int> in, csp::writer<int> ready) {
    ready.send(0);
    try {
      int v = 0;
      csp::select(csp::input(in, v), csp::timeout(1h));
    } catch (const csp::poisoned&) {
      note("blocked_alter");
    }
  }, quiet.reader(), ready.writer());
  net.spawn("thrower", [](csp::reader<int> ready) {
    for (int i = 0; i < 4; ++i) ready.recv();
    throw std::runtime_error("boom");
  }, ready.reader());
  try {
    run(net);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::process_error& e) {
    EXPECT_EQ(e.process(), "thrower");
    EXPECT_THAT(std::string(e.what()), HasSubstr("thrower"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("boom"));
    EXPECT_THROW(e.rethrow_cause(), std::runtime_error);
  }
  std::sort(ended.begin(), ended.end());
  EXPECT_THAT(ended, ElementsAre("blocked_alter", "blocked_reader", "blocked_writer", "sleeper"));
}

// Same, for a process that throws something that is not a std::exception, and for a process
// that fails at once, before the others have started.
TEST_P(conformance, failure_with_any_exception_type) {
  if (skip_on_mpi("a failure reaches the other ranks as text: run rethrows it as csp::error, never as the int thrown")) return;
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("odd", [] { throw 42; });
  net.spawn("reader", [](csp::reader<int> in) { in.recv(); }, c.reader());
  net.spawn("writer", [](csp::writer<int> out) { csp::sleep_for(1h); out.send(1); }, c.writer());
  try {
    run(net);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::process_error& e) {
    EXPECT_EQ(e.process(), "odd");
    EXPECT_THROW(e.rethrow_cause(), int);
  }
}

// §2: "rethrows the first error": with several failures, run reports one of them.
TEST_P(conformance, failure_of_several_processes_reports_one) {
  csp::network net;
  net.spawn_n(5, "failing", [](csp::replica me) {
    throw std::runtime_error("failure " + std::to_string(me.index));
  });
  try {
    run(net);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::process_error& e) {
    EXPECT_THAT(e.process(), HasSubstr("failing["));
    EXPECT_THAT(std::string(e.what()), HasSubstr("failure "));
  }
}

}  // namespace
