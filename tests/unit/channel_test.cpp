// csp/channel.hpp and the flavors in channels/: exercised through try_send / try_recv from a
// thread outside any run (which may use channels, blocking on its own thread).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <csp/channel.hpp>
#include <csp/network.hpp>

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using csp::status;

template <class T>
std::vector<T> drain(csp::reader<T>& r) {
  std::vector<T> out;
  T v{};
  while (r.try_recv(v) == status::ok) out.push_back(v);
  return out;
}

TEST(channel, flavor_values) {
  EXPECT_EQ(csp::rendezvous().k, csp::flavor::kind::rendezvous);
  EXPECT_EQ(csp::buffered(3).k, csp::flavor::kind::bounded);
  EXPECT_EQ(csp::buffered(3).capacity, 3u);
  EXPECT_EQ(csp::buffered(0).k, csp::flavor::kind::rendezvous);
  EXPECT_EQ(csp::unbounded().k, csp::flavor::kind::unbounded);
  EXPECT_EQ(csp::overwriting(2).k, csp::flavor::kind::overwriting);
  EXPECT_EQ(csp::overwriting(2).capacity, 2u);
}

TEST(channel, name_flavor_and_type_for_people) {
  auto c = csp::channel<int>::make("numbers", csp::buffered(2));
  EXPECT_EQ(c.name(), "numbers");
  EXPECT_EQ(c.core()->flavor(), "bounded(2)");
  EXPECT_EQ(c.core()->type(), "int");
  EXPECT_EQ(csp::channel<int>::make("a", csp::rendezvous()).core()->flavor(), "rendezvous");
  EXPECT_EQ(csp::channel<int>::make("b", csp::unbounded()).core()->flavor(), "unbounded");
  EXPECT_EQ(csp::channel<int>::make("c", csp::overwriting(4)).core()->flavor(), "overwriting(4)");
}

TEST(channel, bounded_accepts_capacity_then_would_block) {
  auto c = csp::channel<int>::make("b2", csp::buffered(2));
  auto w = c.writer();
  auto r = c.reader();
  EXPECT_EQ(w.try_send(1), status::ok);
  EXPECT_EQ(w.try_send(2), status::ok);
  EXPECT_EQ(w.try_send(3), status::would_block);
  EXPECT_THAT(drain(r), ElementsAre(1, 2));
  EXPECT_EQ(w.try_send(4), status::ok);
  EXPECT_THAT(drain(r), ElementsAre(4));
}

TEST(channel, refused_try_send_hands_the_value_back_untouched) {
  auto c = csp::channel<std::unique_ptr<int>>::make("owned", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  EXPECT_EQ(w.try_send(std::make_unique<int>(1)), status::ok);
  auto p = std::make_unique<int>(2);
  EXPECT_EQ(w.try_send(std::move(p)), status::would_block);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 2);

  std::string s(100, 'x');
  auto cs = csp::channel<std::string>::make("text", csp::rendezvous());
  auto ws = cs.writer();
  auto rs = cs.reader();
  EXPECT_EQ(ws.try_send(std::move(s)), status::would_block);
  EXPECT_EQ(s, std::string(100, 'x'));
}

TEST(channel, refused_try_recv_leaves_the_target_alone) {
  auto c = csp::channel<int>::make("empty", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  int v = 17;
  EXPECT_EQ(r.try_recv(v), status::would_block);
  EXPECT_EQ(v, 17);
}

TEST(channel, overwriting_keeps_the_newest) {
  auto c = csp::channel<int>::make("latest", csp::overwriting(2));
  auto w = c.writer();
  auto r = c.reader();
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(w.try_send(i), status::ok);
  EXPECT_THAT(drain(r), ElementsAre(4, 5));
}

TEST(channel, overwriting_zero_is_a_network_error_naming_the_channel) {
  try {
    csp::channel<int>::make("sensor", csp::overwriting(0));
    ADD_FAILURE() << "no network_error";
  } catch (const csp::network_error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("sensor"));
  }
  csp::network net;
  EXPECT_THROW(net.channel<int>("sensor", csp::overwriting(0)), csp::network_error);
}

TEST(channel, unbounded_never_refuses_and_keeps_order) {
  auto c = csp::channel<int>::make("log", csp::unbounded());
  auto w = c.writer();
  auto r = c.reader();
  for (int i = 0; i < 100'000; ++i) ASSERT_EQ(w.try_send(i), status::ok);
  std::vector<int> got = drain(r);
  ASSERT_EQ(got.size(), 100'000u);
  for (int i = 0; i < 100'000; ++i) ASSERT_EQ(got[i], i);
}

TEST(channel, rendezvous_try_operations_need_a_waiting_partner) {
  auto c = csp::channel<int>::make("rv", csp::rendezvous());
  auto w = c.writer();
  auto r = c.reader();
  EXPECT_EQ(w.try_send(1), status::would_block);
  int v = 0;
  EXPECT_EQ(r.try_recv(v), status::would_block);
}

TEST(channel, buffered_zero_is_rendezvous) {
  auto c = csp::channel<int>::make("zero", csp::buffered(0));
  EXPECT_EQ(c.core()->flavor(), "rendezvous");
  auto w = c.writer();
  auto r = c.reader();
  EXPECT_EQ(w.try_send(1), status::would_block);
}

TEST(channel, rendezvous_between_two_threads_outside_a_run) {
  auto c = csp::channel<int>::make("rv", csp::rendezvous());
  auto r = c.reader();
  std::thread t([w = c.writer()]() mutable {
    for (int i = 0; i < 1000; ++i) w.send(i);
    w.retire();
  });
  std::vector<int> got;
  for (int v : r) got.push_back(v);
  t.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[i], i);
}

TEST(channel, retire_drains_then_end_of_stream) {
  for (csp::flavor f : {csp::buffered(4), csp::unbounded(), csp::overwriting(4)}) {
    auto c = csp::channel<int>::make("stream", f);
    auto w = c.writer();
    auto r = c.reader();
    EXPECT_EQ(w.try_send(1), status::ok);
    EXPECT_EQ(w.try_send(2), status::ok);
    w.retire();
    int v = 0;
    EXPECT_EQ(r.try_recv(v), status::ok);
    EXPECT_EQ(v, 1);
    EXPECT_EQ(r.recv(), 2);
    EXPECT_EQ(r.try_recv(v), status::retired);
    try {
      r.recv();
      ADD_FAILURE() << "recv at end-of-stream did not throw";
    } catch (const csp::retired& e) {
      EXPECT_EQ(e.channel(), "stream");
    }
  }
}

TEST(channel, range_for_ends_at_end_of_stream) {
  auto c = csp::channel<int>::make("stream", csp::buffered(3));
  auto w = c.writer();
  auto r = c.reader();
  for (int i = 1; i <= 3; ++i) w.send(i);
  w.retire();
  std::vector<int> got;
  for (int v : r) got.push_back(v);
  EXPECT_THAT(got, ElementsAre(1, 2, 3));
}

TEST(channel, all_readers_retired_then_writers_get_retired) {
  auto c = csp::channel<int>::make("sink", csp::buffered(4));
  auto w = c.writer();
  auto r1 = c.reader();
  auto r2 = c.reader();
  r1.retire();
  EXPECT_EQ(w.try_send(1), status::ok);  // r2 is still there
  r2.retire();
  EXPECT_EQ(w.try_send(2), status::retired);
  EXPECT_THROW(w.send(3), csp::retired);
}

TEST(channel, poison_fails_every_later_operation_and_discards_the_buffer) {
  auto c = csp::channel<int>::make("toxic", csp::buffered(4));
  auto w = c.writer();
  auto r = c.reader();
  EXPECT_EQ(w.try_send(1), status::ok);
  r.poison();
  int v = 0;
  EXPECT_EQ(r.try_recv(v), status::poisoned);
  EXPECT_EQ(w.try_send(2), status::poisoned);
  try {
    r.recv();
    ADD_FAILURE() << "recv on a poisoned channel did not throw";
  } catch (const csp::poisoned& e) {
    EXPECT_EQ(e.channel(), "toxic");
  }
  EXPECT_THROW(w.send(3), csp::poisoned);
  EXPECT_TRUE(c.core()->snapshot().poisoned);
}

TEST(channel, poison_through_the_channel_handle_and_range_for_throws) {
  auto c = csp::channel<int>::make("toxic", csp::rendezvous());
  auto r = c.reader();
  auto w = c.writer();
  c.poison();
  EXPECT_THROW(
      {
        for (int v : r) (void)v;
      },
      csp::poisoned);
}

TEST(channel, poison_wins_over_retire) {
  auto c = csp::channel<int>::make("both", csp::buffered(2));
  auto r = c.reader();
  auto w = c.writer();
  w.retire();
  r.poison();
  int v = 0;
  EXPECT_EQ(r.try_recv(v), status::poisoned);
}

TEST(channel, message_counts) {
  auto c = csp::channel<int>::make("counted", csp::buffered(4));
  auto w = c.writer();
  auto r = c.reader();
  w.send(1);
  w.send(2);
  r.recv();
  EXPECT_EQ(c.core()->snapshot().messages, 1u);
}

}  // namespace
