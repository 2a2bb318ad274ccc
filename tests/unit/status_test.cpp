// csp/status.hpp: the outcome of a try_ operation.
#include <gtest/gtest.h>

#include <string_view>

#include <csp/status.hpp>

namespace {

TEST(status, to_string_names_every_status) {
  EXPECT_EQ(std::string_view(csp::to_string(csp::status::ok)), "ok");
  EXPECT_EQ(std::string_view(csp::to_string(csp::status::would_block)), "would_block");
  EXPECT_EQ(std::string_view(csp::to_string(csp::status::retired)), "retired");
  EXPECT_EQ(std::string_view(csp::to_string(csp::status::poisoned)), "poisoned");
}

TEST(status, to_string_is_usable_at_compile_time) {
  static_assert(std::string_view(csp::to_string(csp::status::ok)) == "ok");
  static_assert(noexcept(csp::to_string(csp::status::poisoned)));
}

TEST(status, to_string_of_an_out_of_range_value_does_not_crash) {
  EXPECT_EQ(std::string_view(csp::to_string(static_cast<csp::status>(200))), "?");
}

}  // namespace
