// csp/ends.hpp: an end is a counted membership of its channel. Copy joins, destroy leaves,
// move moves the membership, retire leaves once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>

#include <csp/channel.hpp>

namespace {

using ::testing::HasSubstr;
using csp::status;

std::size_t writers(const csp::channel<int>& c) { return c.core()->snapshot().writers; }
std::size_t readers(const csp::channel<int>& c) { return c.core()->snapshot().readers; }

TEST(ends, making_an_end_joins) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  EXPECT_EQ(writers(c), 0u);
  auto w = c.writer();
  auto r = c.reader();
  EXPECT_EQ(writers(c), 1u);
  EXPECT_EQ(readers(c), 1u);
}

TEST(ends, copy_joins_and_the_stream_ends_only_when_every_copy_retired) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto r = c.reader();
  auto w = c.writer();
  auto w2 = w;
  EXPECT_EQ(writers(c), 2u);
  w.retire();
  int v = 0;
  EXPECT_EQ(r.try_recv(v), status::would_block);  // w2 may still send
  w2.retire();
  EXPECT_EQ(r.try_recv(v), status::retired);
}

TEST(ends, destroying_an_end_leaves) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto r = c.reader();
  {
    auto w = c.writer();
    EXPECT_EQ(writers(c), 1u);
  }
  EXPECT_EQ(writers(c), 0u);
  int v = 0;
  EXPECT_EQ(r.try_recv(v), status::retired);
}

TEST(ends, move_moves_the_membership) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto w = c.writer();
  auto w2 = std::move(w);
  EXPECT_EQ(writers(c), 1u);
  EXPECT_FALSE(static_cast<bool>(w));
  EXPECT_TRUE(static_cast<bool>(w2));
  csp::writer<int> w3;
  w3 = std::move(w2);
  EXPECT_EQ(writers(c), 1u);
}

TEST(ends, copy_of_a_retired_end_is_retired_and_does_not_join) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto keep = c.writer();
  auto w = c.writer();
  w.retire();
  auto w2 = w;
  EXPECT_TRUE(w2.is_retired());
  EXPECT_EQ(writers(c), 1u);
}

TEST(ends, retire_is_idempotent) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto w1 = c.writer();
  auto w2 = c.writer();
  w1.retire();
  w1.retire();
  EXPECT_TRUE(w1.is_retired());
  EXPECT_EQ(writers(c), 1u);
  {
    auto moved = std::move(w1);  // destroying a retired end does not leave again
  }
  EXPECT_EQ(writers(c), 1u);
}

TEST(ends, blocking_use_after_retire_throws_retired_naming_the_channel) {
  auto c = csp::channel<int>::make("jobs", csp::buffered(1));
  auto w = c.writer();
  auto r = c.reader();
  auto keep = c.writer();
  w.retire();
  r.retire();
  try {
    w.send(1);
    ADD_FAILURE() << "send on a retired end did not throw";
  } catch (const csp::retired& e) {
    EXPECT_EQ(e.channel(), "jobs");
    EXPECT_THAT(std::string(e.what()), HasSubstr("jobs"));
  }
  EXPECT_THROW(r.recv(), csp::retired);
}

// status.hpp: retired means "the other side has retired (or this end has)"; STYLE.md habit 4:
// try_ operations return a status. So a try_ on an end that retired reports, not throws.
TEST(ends, try_operations_on_a_retired_end_return_retired) {
  auto c = csp::channel<int>::make("jobs", csp::buffered(1));
  auto keep_w = c.writer();
  auto keep_r = c.reader();
  auto w = c.writer();
  auto r = c.reader();
  w.retire();
  r.retire();
  int v = 0;
  EXPECT_EQ(w.try_send(1), status::retired);
  EXPECT_EQ(r.try_recv(v), status::retired);
}

TEST(ends, empty_end_throws_network_error) {
  csp::reader<int> r;
  csp::writer<int> w;
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.channel_name(), "");
  EXPECT_THROW(r.recv(), csp::network_error);
  EXPECT_THROW(w.send(1), csp::network_error);
  int v = 0;
  EXPECT_THROW(r.try_recv(v), csp::network_error);
  EXPECT_THROW(w.try_send(1), csp::network_error);
  EXPECT_NO_THROW(w.retire());
  EXPECT_NO_THROW(w.poison());
}

TEST(ends, moved_from_end_throws_network_error) {
  auto c = csp::channel<int>::make("c", csp::buffered(1));
  auto w = c.writer();
  auto w2 = std::move(w);
  EXPECT_THROW(w.send(1), csp::network_error);
}

TEST(ends, channel_name) {
  auto c = csp::channel<int>::make("named", csp::rendezvous());
  EXPECT_EQ(c.reader().channel_name(), "named");
  EXPECT_EQ(c.writer().channel_name(), "named");
}

TEST(ends, value_type) {
  static_assert(std::is_same_v<csp::reader<double>::value_type, double>);
  static_assert(std::is_same_v<csp::writer<std::string>::value_type, std::string>);
}

}  // namespace
