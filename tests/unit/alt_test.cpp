// csp/alt.hpp: guards and the three selects, from a thread outside any run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <csp/alt.hpp>
#include <csp/channel.hpp>

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(alt, input_guard_receives_into_a_variable) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  w.send(5);
  int v = 0;
  EXPECT_EQ(csp::pri_select(csp::input(r, v)), 0u);
  EXPECT_EQ(v, 5);
}

TEST(alt, input_guard_calls_its_handler) {
  auto c = csp::channel<std::string>::make("c", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  w.send("hi");
  std::string got;
  EXPECT_EQ(csp::pri_select(csp::input(r, [&](std::string s) { got = std::move(s); })), 0u);
  EXPECT_EQ(got, "hi");
}

TEST(alt, output_guard_sends_and_calls_its_action) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  bool sent = false;
  EXPECT_EQ(csp::pri_select(csp::output(w, 9, [&] { sent = true; })), 0u);
  EXPECT_TRUE(sent);
  EXPECT_EQ(r.recv(), 9);
}

TEST(alt, skip_fires_when_nothing_else_is_ready) {
  auto c = csp::channel<int>::make("c", csp::rendezvous());
  auto w = c.writer();
  auto r = c.reader();
  int v = 0;
  bool skipped = false;
  EXPECT_EQ(csp::pri_select(csp::input(r, v), csp::skip([&] { skipped = true; })), 1u);
  EXPECT_TRUE(skipped);
}

TEST(alt, timeout_fires_when_nothing_comes) {
  auto c = csp::channel<int>::make("c", csp::rendezvous());
  auto w = c.writer();
  auto r = c.reader();
  int v = 0;
  EXPECT_EQ(csp::pri_select(csp::input(r, v), csp::timeout(1ms)), 1u);
  EXPECT_NO_THROW(csp::sleep_for(1ms));
}

TEST(alt, precondition_disables_a_guard) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  w.send(1);
  int v = 0;
  EXPECT_EQ(csp::pri_select(csp::input(r, v).when(false), csp::skip()), 1u);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(csp::pri_select(csp::input(r, v).when(true), csp::skip()), 0u);
  EXPECT_EQ(v, 1);
}

TEST(alt, every_guard_disabled_throws) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto r = c.reader();
  int v = 0;
  EXPECT_THROW(csp::pri_select(csp::input(r, v).when(false), csp::skip().when(false)), csp::error);
  EXPECT_THROW(csp::select(csp::timeout(1ms).when(false)), csp::error);
  csp::alt a;
  EXPECT_THROW(a.fair_select(csp::input(r, v).when(false)), csp::error);
}

TEST(alt, end_of_stream_on_an_input_guard_throws_retired_with_its_index) {
  auto idle = csp::channel<int>::make("idle", csp::buffered(1));
  auto done = csp::channel<int>::make("done", csp::buffered(1));
  auto idle_w = idle.writer();
  auto idle_r = idle.reader();
  auto done_r = done.reader();
  done.writer().retire();
  int a = 0, b = 0;
  try {
    csp::pri_select(csp::input(idle_r, a), csp::input(done_r, b));
    ADD_FAILURE() << "no retired";
  } catch (const csp::retired& e) {
    EXPECT_EQ(e.guard(), 1u);
    EXPECT_EQ(e.channel(), "done");
  }
}

TEST(alt, output_guard_with_no_readers_throws_retired_with_its_index) {
  auto idle = csp::channel<int>::make("idle", csp::rendezvous());
  auto gone = csp::channel<int>::make("gone", csp::rendezvous());
  auto idle_w = idle.writer();
  auto idle_r = idle.reader();
  auto gone_w = gone.writer();
  gone.reader().retire();
  try {
    csp::pri_select(csp::output(idle_w, 1), csp::output(gone_w, 2));
    ADD_FAILURE() << "no retired";
  } catch (const csp::retired& e) {
    EXPECT_EQ(e.guard(), 1u);
    EXPECT_EQ(e.channel(), "gone");
  }
}

TEST(alt, poisoned_guard_throws_poisoned_with_its_index) {
  auto a = csp::channel<int>::make("a", csp::rendezvous());
  auto b = csp::channel<int>::make("b", csp::rendezvous());
  auto aw = a.writer();
  auto ar = a.reader();
  auto bw = b.writer();
  auto br = b.reader();
  b.poison();
  int x = 0;
  try {
    csp::pri_select(csp::input(ar, x), csp::input(br, x), csp::skip());
    ADD_FAILURE() << "no poisoned";
  } catch (const csp::poisoned& e) {
    EXPECT_EQ(e.guard(), 1u);
    EXPECT_EQ(e.channel(), "b");
  }
}

TEST(alt, retired_end_in_a_guard_throws_retired) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto keep = c.writer();
  auto r = c.reader();
  r.retire();
  int v = 0;
  EXPECT_THROW(csp::pri_select(csp::input(r, v), csp::skip()), csp::retired);
}

TEST(alt, pri_select_takes_the_first_ready_guard) {
  auto a = csp::channel<int>::make("a", csp::buffered(2));
  auto b = csp::channel<int>::make("b", csp::buffered(2));
  auto aw = a.writer();
  auto ar = a.reader();
  auto bw = b.writer();
  auto br = b.reader();
  aw.send(1);
  bw.send(2);
  int x = 0;
  EXPECT_EQ(csp::pri_select(csp::input(br, x), csp::input(ar, x)), 0u);
  EXPECT_EQ(x, 2);
  EXPECT_EQ(csp::pri_select(csp::input(br, x), csp::input(ar, x)), 1u);
  EXPECT_EQ(x, 1);
}

TEST(alt, fair_select_rotates) {
  auto a = csp::channel<int>::make("a", csp::unbounded());
  auto b = csp::channel<int>::make("b", csp::unbounded());
  auto aw = a.writer();
  auto ar = a.reader();
  auto bw = b.writer();
  auto br = b.reader();
  for (int i = 0; i < 10; ++i) {
    aw.send(i);
    bw.send(i);
  }
  csp::alt alt;
  int x = 0;
  std::size_t last = 2;
  for (int i = 0; i < 10; ++i) {
    const std::size_t f = alt.fair_select(csp::input(ar, x), csp::input(br, x));
    EXPECT_NE(f, last) << "round " << i;
    last = f;
  }
}

TEST(alt, select_between_two_threads_outside_a_run) {
  auto c = csp::channel<int>::make("c", csp::rendezvous());
  auto r = c.reader();
  std::thread t([w = c.writer()]() mutable {
    for (int i = 0; i < 200; ++i) csp::pri_select(csp::output(w, i));
  });
  int sum = 0;
  for (int i = 0; i < 200; ++i) {
    int v = 0;
    csp::select(csp::input(r, v), csp::timeout(1h));
    sum += v;
  }
  t.join();
  EXPECT_EQ(sum, 199 * 200 / 2);
}

}  // namespace
