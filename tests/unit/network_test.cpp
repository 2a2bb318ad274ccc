// csp/network.hpp and csp/run.hpp: a network is data until run; check() finds what would stop
// it (errors) or surprise its author (warnings); a network runs once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <csp/csp.hpp>

namespace {

using ::testing::HasSubstr;

const csp::config thread_cfg{.backend = "thread"};

void consume(csp::reader<int> in) {
  for (int v : in) (void)v;
}
void produce(csp::writer<int> out, int n) {
  for (int i = 0; i < n; ++i) out.send(i);
}

std::vector<csp::network::finding> findings(const csp::network& net, bool error) {
  std::vector<csp::network::finding> out;
  for (const auto& f : net.check()) {
    if (f.error == error) out.push_back(f);
  }
  return out;
}

TEST(network, building_runs_nothing) {
  csp::network net("lazy");
  auto c = net.channel<int>("c");
  bool ran = false;
  net.spawn("p", [&ran](csp::writer<int>) { ran = true; }, c.writer());
  net.spawn("q", consume, c.reader());
  EXPECT_FALSE(ran);
  EXPECT_EQ(net.process_count(), 2u);
  EXPECT_EQ(net.channels().size(), 1u);
  EXPECT_EQ(net.name(), "lazy");
}

TEST(network, a_well_formed_network_has_no_findings) {
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("producer", produce, c.writer(), 3);
  net.spawn("consumer", consume, c.reader());
  EXPECT_TRUE(net.check().empty());
}

TEST(network, readers_but_no_writer_is_an_error_naming_the_channel) {
  csp::network net("n");
  auto c = net.channel<int>("lonely");
  net.spawn("consumer", consume, c.reader());
  const auto errors = findings(net, true);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("'lonely'"));
  try {
    csp::run(net, thread_cfg);
    ADD_FAILURE() << "run did not throw";
  } catch (const csp::network_error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("lonely"));
  }
}

TEST(network, writers_but_no_reader_is_an_error_naming_the_channel) {
  csp::network net;
  auto c = net.channel<int>("void");
  net.spawn("producer", produce, c.writer(), 3);
  const auto errors = findings(net, true);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("'void'"));
  EXPECT_THROW(csp::run(net, thread_cfg), csp::network_error);
}

TEST(network, an_end_handed_to_no_process_is_a_warning) {
  csp::network net;
  auto c = net.channel<int>("leaky", csp::buffered(4));
  auto kept = c.reader();
  net.spawn("producer", produce, c.writer(), 2);
  net.spawn("consumer", consume, c.reader());
  EXPECT_TRUE(findings(net, true).empty());
  const auto warnings = findings(net, false);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0].message, HasSubstr("'leaky'"));
  EXPECT_EQ(csp::run(net, thread_cfg), 0);  // a warning does not stop the run
}

TEST(network, an_end_captured_by_a_lambda_is_not_handed_to_the_process) {
  csp::network net;
  auto c = net.channel<int>("captured");
  net.spawn("producer", [w = c.writer()]() mutable { w.send(1); });
  net.spawn("consumer", consume, c.reader());
  const auto warnings = findings(net, false);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0].message, HasSubstr("'captured'"));
}

TEST(network, duplicate_process_names_are_a_warning) {
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("twin", produce, c.writer(), 1);
  net.spawn("twin", consume, c.reader());
  const auto warnings = findings(net, false);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0].message, HasSubstr("'twin'"));
  EXPECT_TRUE(findings(net, true).empty());
}

TEST(network, ends_in_containers_are_handed_to_the_process) {
  csp::network net;
  auto c = net.channel<int>("fan");
  std::vector<csp::writer<int>> outs{c.writer(), c.writer()};
  net.spawn("producers", [](std::vector<csp::writer<int>> ws) {
    for (auto& w : ws) w.send(1);
  }, std::move(outs));
  net.spawn("consumer", consume, c.reader());
  EXPECT_TRUE(net.check().empty());
  EXPECT_EQ(csp::run(net, thread_cfg), 0);
}

TEST(network, an_empty_network_runs) {
  csp::network net;
  EXPECT_EQ(csp::run(net, thread_cfg), 0);
}

TEST(network, running_twice_throws_network_error) {
  csp::network net("once");
  auto c = net.channel<int>("c");
  net.spawn("producer", produce, c.writer(), 2);
  net.spawn("consumer", consume, c.reader());
  EXPECT_EQ(csp::run(net, thread_cfg), 0);
  try {
    csp::run(net, thread_cfg);
    ADD_FAILURE() << "second run did not throw";
  } catch (const csp::network_error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("once"));
  }
}

TEST(network, adding_to_a_network_that_ran_throws_network_error) {
  csp::network net;
  net.spawn("p", [] {});
  EXPECT_EQ(csp::run(net, thread_cfg), 0);
  EXPECT_THROW(net.spawn("q", [] {}), csp::network_error);
  EXPECT_THROW(net.channel<int>("late"), csp::network_error);
}

TEST(network, a_bad_config_is_a_config_error) {
  csp::network net;
  net.spawn("p", [] {});
  EXPECT_THROW(csp::run(net, csp::config{.backend = "quantum"}), csp::config_error);
}

TEST(network, an_unbuilt_backend_is_a_config_error) {
  const auto& built = csp::config::built_backends();
  std::string unbuilt;
  for (std::string_view b : csp::config::known_backends()) {
    if (std::find(built.begin(), built.end(), b) == built.end()) unbuilt = std::string(b);
  }
  if (unbuilt.empty()) GTEST_SKIP() << "every known backend is built here";
  csp::network net;
  net.spawn("p", [] {});
  EXPECT_THROW(csp::run(net, csp::config{.backend = unbuilt}), csp::config_error);
}

// run() documents config_error as thrown "before anything runs" for a configuration that
// cannot run here: the network was not used, so it can still run with a good configuration.
TEST(network, a_config_error_leaves_the_network_runnable) {
  csp::network net;
  bool ran = false;
  net.spawn("p", [&ran] { ran = true; });
  EXPECT_THROW(csp::run(net, csp::config{.backend = "thread", .threads = 0}), csp::config_error);
  EXPECT_FALSE(ran);
  EXPECT_NO_THROW(csp::run(net, thread_cfg));
  EXPECT_TRUE(ran);
}

TEST(network, run_without_a_config_reads_the_environment) {
  ::setenv("CSP_BACKEND", "thread", 1);
  csp::network net;
  bool ran = false;
  net.spawn("p", [&ran] { ran = true; });
  EXPECT_EQ(csp::run(net), 0);
  EXPECT_TRUE(ran);
  ::unsetenv("CSP_BACKEND");
}

TEST(network, process_names_and_arguments) {
  csp::network net;
  auto c = net.channel<int>("c", csp::buffered(8));
  int total = 0;
  net.spawn("producer", produce, c.writer(), 5);
  net.spawn("summer", [](csp::reader<int> in, int& sum) {  // arguments by reference are lvalues
    for (int v : in) sum += v;
  }, c.reader(), std::ref(total));
  EXPECT_EQ(csp::run(net, thread_cfg), 0);
  EXPECT_EQ(total, 10);
}

}  // namespace
