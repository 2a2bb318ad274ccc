// csp/errors.hpp: one error vocabulary; every message names the channel or process it is about.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <type_traits>

#include <csp/errors.hpp>

namespace {

using ::testing::HasSubstr;

TEST(errors, every_error_is_a_csp_error_and_a_runtime_error) {
  static_assert(std::is_base_of_v<csp::error, csp::poisoned>);
  static_assert(std::is_base_of_v<csp::error, csp::retired>);
  static_assert(std::is_base_of_v<csp::error, csp::deadlock>);
  static_assert(std::is_base_of_v<csp::error, csp::process_error>);
  static_assert(std::is_base_of_v<csp::error, csp::network_error>);
  static_assert(std::is_base_of_v<csp::error, csp::config_error>);
  static_assert(std::is_base_of_v<std::runtime_error, csp::error>);
}

TEST(errors, poisoned_names_its_channel) {
  const csp::poisoned e("orders");
  EXPECT_EQ(e.channel(), "orders");
  EXPECT_THAT(std::string(e.what()), HasSubstr("orders"));
  EXPECT_THAT(std::string(e.what()), HasSubstr("poison"));
}

TEST(errors, poisoned_guard_is_npos_outside_an_alt) {
  EXPECT_EQ(csp::poisoned("c").guard(), csp::poisoned::npos);
  EXPECT_EQ(csp::poisoned("c", 3).guard(), 3u);
}

TEST(errors, retired_names_its_channel_and_reason) {
  const csp::retired e("results", 1, "this end has already retired");
  EXPECT_EQ(e.channel(), "results");
  EXPECT_EQ(e.guard(), 1u);
  EXPECT_THAT(std::string(e.what()), HasSubstr("results"));
  EXPECT_THAT(std::string(e.what()), HasSubstr("this end has already retired"));
}

TEST(errors, retired_guard_is_npos_outside_an_alt) {
  EXPECT_EQ(csp::retired("c").guard(), csp::retired::npos);
}

TEST(errors, process_error_names_the_process_and_keeps_the_cause) {
  const csp::process_error e("parser", std::make_exception_ptr(std::invalid_argument("bad token")));
  EXPECT_EQ(e.process(), "parser");
  EXPECT_THAT(std::string(e.what()), HasSubstr("parser"));
  EXPECT_THAT(std::string(e.what()), HasSubstr("bad token"));
  EXPECT_THROW(e.rethrow_cause(), std::invalid_argument);
  EXPECT_TRUE(e.cause() != nullptr);
}

TEST(errors, process_error_with_a_cause_that_is_not_a_std_exception) {
  const csp::process_error e("odd", std::make_exception_ptr(42));
  EXPECT_THAT(std::string(e.what()), HasSubstr("odd"));
  EXPECT_THROW(e.rethrow_cause(), int);
}

TEST(errors, deadlock_what_is_the_report) {
  const csp::deadlock e("deadlock: 'a' waits on 'b'");
  EXPECT_EQ(std::string(e.what()), "deadlock: 'a' waits on 'b'");
}

TEST(errors, network_and_config_errors_carry_their_message) {
  EXPECT_EQ(std::string(csp::network_error("net x").what()), "net x");
  EXPECT_EQ(std::string(csp::config_error("cfg y").what()), "cfg y");
}

}  // namespace
