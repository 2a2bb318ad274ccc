// csp/config.hpp: defaults < environment (CSP_*) < command line (--csp-*); every error lists
// what is accepted (DESIGN.md section 4).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <csp/config.hpp>
#include <csp/errors.hpp>

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

bool built(std::string_view name) {
  const auto& b = csp::config::built_backends();
  return std::find(b.begin(), b.end(), name) != b.end();
}

csp::config from(std::initializer_list<const char*> args) {
  std::vector<const char*> argv(args);
  return csp::config::from(static_cast<int>(argv.size()), argv.data());
}

std::string error_of(std::initializer_list<const char*> args) {
  try {
    from(args);
  } catch (const csp::config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "config::from did not throw csp::config_error";
  return {};
}

// Each test starts with CSP_BACKEND and CSP_THREADS unset and leaves them as it found them.
class config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"CSP_BACKEND", "CSP_THREADS"}) {
      const char* v = std::getenv(name);
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    const char* names[] = {"CSP_BACKEND", "CSP_THREADS"};
    for (std::size_t i = 0; i < saved_.size(); ++i) {
      if (saved_[i]) {
        ::setenv(names[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(names[i]);
      }
    }
  }

 private:
  std::vector<std::optional<std::string>> saved_;
};

TEST_F(config_test, known_backends_lists_every_backend_of_the_design) {
  EXPECT_THAT(csp::config::known_backends(), ElementsAre("fiber", "thread", "tbb", "mpi", "cuda"));
}

TEST_F(config_test, built_backends_are_known_and_include_thread) {
  EXPECT_TRUE(built("thread"));
  for (auto b : csp::config::built_backends()) {
    const auto& known = csp::config::known_backends();
    EXPECT_NE(std::find(known.begin(), known.end(), b), known.end()) << b;
  }
}

TEST_F(config_test, defaults_are_fiber_on_one_thread) {
  const csp::config c;
  EXPECT_EQ(c.backend, "fiber");
  EXPECT_EQ(c.threads, 1);
  if (built("fiber")) {
    const csp::config f = from({"prog"});
    EXPECT_EQ(f.backend, "fiber");
    EXPECT_EQ(f.threads, 1);
    EXPECT_THAT(f.args, ElementsAre("prog"));
  }
}

TEST_F(config_test, backend_flag) {
  EXPECT_EQ(from({"prog", "--csp-backend=thread"}).backend, "thread");
  EXPECT_EQ(from({"prog", "--csp-backend", "thread"}).backend, "thread");
}

TEST_F(config_test, threads_flag) {
  EXPECT_EQ(from({"prog", "--csp-backend=thread", "--csp-threads=4"}).threads, 4);
  EXPECT_EQ(from({"prog", "--csp-threads", "3", "--csp-backend=thread"}).threads, 3);
}

TEST_F(config_test, unknown_csp_flag_is_an_error_listing_the_accepted_flags) {
  const std::string msg = error_of({"prog", "--csp-bakend=thread"});
  EXPECT_THAT(msg, HasSubstr("--csp-bakend"));
  EXPECT_THAT(msg, HasSubstr("--csp-backend"));
  EXPECT_THAT(msg, HasSubstr("--csp-threads"));
}

TEST_F(config_test, unknown_csp_flag_without_value_is_an_error) {
  const std::string msg = error_of({"prog", "--csp-x"});
  EXPECT_THAT(msg, HasSubstr("--csp-x"));
  EXPECT_THAT(msg, HasSubstr("--csp-backend"));
}

TEST_F(config_test, bad_thread_counts_are_errors_naming_the_flag_and_the_range) {
  for (const char* bad : {"--csp-threads=0", "--csp-threads=-2", "--csp-threads=abc",
                          "--csp-threads=4x", "--csp-threads=100000"}) {
    const std::string msg = error_of({"prog", "--csp-backend=thread", bad});
    EXPECT_THAT(msg, HasSubstr("--csp-threads")) << bad;
    EXPECT_THAT(msg, HasSubstr("1 to 1024")) << bad;
  }
}

TEST_F(config_test, unknown_backend_is_an_error_listing_the_accepted_ones) {
  const std::string msg = error_of({"prog", "--csp-backend=quantum"});
  EXPECT_THAT(msg, HasSubstr("quantum"));
  for (const char* b : {"fiber", "thread", "tbb", "mpi", "cuda"}) EXPECT_THAT(msg, HasSubstr(b));
}

TEST_F(config_test, unbuilt_backend_says_it_is_not_built) {
  ASSERT_FALSE(built("tbb"));
  const std::string msg = error_of({"prog", "--csp-backend=tbb"});
  EXPECT_THAT(msg, HasSubstr("tbb"));
  EXPECT_THAT(msg, HasSubstr("not built"));
  EXPECT_THAT(msg, HasSubstr("thread"));  // what is built here
}

TEST_F(config_test, program_arguments_are_kept_in_order) {
  const csp::config c = from({"prog", "in.txt", "--verbose", "--csp-backend=thread", "-n", "3",
                              "--csp-threads=2", "--out=x.txt", "--help"});
  EXPECT_EQ(c.backend, "thread");
  EXPECT_EQ(c.threads, 2);
  EXPECT_THAT(c.args, ElementsAre("prog", "in.txt", "--verbose", "-n", "3", "--out=x.txt", "--help"));
}

TEST_F(config_test, no_arguments_at_all) {
  const char* const* none = nullptr;
  ::setenv("CSP_BACKEND", "thread", 1);
  const csp::config c = csp::config::from(0, none);
  EXPECT_EQ(c.backend, "thread");
  EXPECT_TRUE(c.args.empty());
}

TEST_F(config_test, environment_sets_backend_and_threads) {
  ::setenv("CSP_BACKEND", "thread", 1);
  ::setenv("CSP_THREADS", "3", 1);
  const csp::config c = from({"prog"});
  EXPECT_EQ(c.backend, "thread");
  EXPECT_EQ(c.threads, 3);
  const csp::config e = csp::config::from_env();
  EXPECT_EQ(e.backend, "thread");
  EXPECT_EQ(e.threads, 3);
}

TEST_F(config_test, flags_override_environment_which_overrides_defaults) {
  ::setenv("CSP_THREADS", "3", 1);
  ::setenv("CSP_BACKEND", "thread", 1);
  const csp::config env_only = from({"prog"});
  EXPECT_EQ(env_only.threads, 3);            // env over the default 1
  EXPECT_EQ(env_only.backend, "thread");     // env over the default fiber
  EXPECT_EQ(from({"prog", "--csp-threads=5"}).threads, 5);  // flag over env
  if (built("fiber")) {
    EXPECT_EQ(from({"prog", "--csp-backend=fiber"}).backend, "fiber");
  }
}

TEST_F(config_test, a_flag_overrides_a_bad_environment_value) {
  // The environment is a default for the flags; a flag that replaces it settles the value.
  ::setenv("CSP_BACKEND", "quantum", 1);
  EXPECT_EQ(from({"prog", "--csp-backend=thread"}).backend, "thread");
}

TEST_F(config_test, bad_environment_values_are_errors_naming_the_variable) {
  ::setenv("CSP_THREADS", "many", 1);
  try {
    csp::config::from_env();
    ADD_FAILURE() << "no config_error";
  } catch (const csp::config_error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("CSP_THREADS"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("many"));
  }
  ::unsetenv("CSP_THREADS");
  ::setenv("CSP_BACKEND", "quantum", 1);
  try {
    csp::config::from_env();
    ADD_FAILURE() << "no config_error";
  } catch (const csp::config_error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("CSP_BACKEND"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("quantum"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("thread"));
  }
}

TEST_F(config_test, empty_environment_values_are_ignored) {
  ::setenv("CSP_BACKEND", "", 1);
  ::setenv("CSP_THREADS", "", 1);
  const csp::config c = from({"prog", "--csp-backend=thread"});
  EXPECT_EQ(c.threads, 1);
}

TEST_F(config_test, validate_checks_backend_and_threads) {
  EXPECT_NO_THROW((csp::config{.backend = "thread"}.validate()));
  EXPECT_THROW((csp::config{.backend = "thread", .threads = 0}.validate()), csp::config_error);
  EXPECT_THROW((csp::config{.backend = "quantum"}.validate()), csp::config_error);
  EXPECT_THROW((csp::config{.backend = "mpi"}.validate()), csp::config_error);
}

TEST_F(config_test, help_flag_prints_and_exits_zero) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(from({"prog", "--csp-help", "--csp-backend=thread"}), ::testing::ExitedWithCode(0), "");
}

}  // namespace
