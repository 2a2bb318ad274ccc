// csp/config.hpp: defaults < config file < environment (CSP_*) < command line (--csp-*); every
// error lists what is accepted, and a file's error names file:line:column and the key (DESIGN.md
// section 4).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
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

// Each test starts with the CSP_* variables unset and leaves them as it found them.
class config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : names) {
      const char* v = std::getenv(name);
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (std::size_t i = 0; i < saved_.size(); ++i) {
      if (saved_[i]) {
        ::setenv(names[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(names[i]);
      }
    }
  }

 private:
  static constexpr const char* names[] = {"CSP_BACKEND", "CSP_THREADS", "CSP_CONFIG"};
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
  std::string unbuilt;
  for (std::string_view b : csp::config::known_backends()) {
    if (!built(b)) unbuilt = std::string(b);
  }
  if (unbuilt.empty()) GTEST_SKIP() << "every known backend is built here";
  const std::string flag = "--csp-backend=" + unbuilt;
  const std::string msg = error_of({"prog", flag.c_str()});
  EXPECT_THAT(msg, HasSubstr(unbuilt));
  EXPECT_THAT(msg, HasSubstr("not built"));
  EXPECT_THAT(msg, HasSubstr("reconfigure with -DCSP_BACKEND_"));  // how to build it
  EXPECT_THAT(msg, HasSubstr("thread"));                           // what is built here
  EXPECT_THROW((csp::config{.backend = unbuilt}.validate()), csp::config_error);
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
}

TEST_F(config_test, help_flag_prints_and_exits_zero) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(from({"prog", "--csp-help", "--csp-backend=thread"}), ::testing::ExitedWithCode(0), "");
}

// The configuration file, and config::parse with an environment of its own.

// Variables and files from maps, so that a test sees nothing of the machine it runs on.
struct fake_environment {
  std::map<std::string, std::string> variables;
  std::map<std::string, std::string> files;

  csp::config::environment get() const {
    return {[this](const char* name) -> const char* {
              auto it = variables.find(name);
              return it == variables.end() ? nullptr : it->second.c_str();
            },
            [this](const std::string& path) {
              auto it = files.find(path);
              if (it == files.end()) throw std::runtime_error("No such file or directory");
              return it->second;
            }};
  }
};

csp::config parse(const std::vector<std::string>& argv, const fake_environment& env) {
  std::string help;
  csp::config c = csp::config::parse(argv, env.get(), &help);
  EXPECT_EQ(help, "");
  return c;
}

template <class F>
std::string error_in(F&& f) {
  try {
    f();
  } catch (const csp::config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no csp::config_error";
  return {};
}

std::string toml_error(const std::string& text) {
  return error_in([&] { csp::config::from_toml(text, "test.toml"); });
}

// A file's text, where its error must point, and what the message must say.
struct bad {
  const char* text;
  const char* at;
  const char* what;
};

void expect_toml_errors(std::initializer_list<bad> cases) {
  for (const bad& b : cases) {
    const std::string msg = toml_error(b.text);
    EXPECT_THAT(msg, HasSubstr(b.at)) << b.text;
    EXPECT_THAT(msg, HasSubstr(b.what)) << b.text;
  }
}

// A file under the test's temporary directory; its path.
std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

const std::string full_file = R"(backend = "thread"
threads = 4
[mpi.placement]            # name patterns to ranks; the rest round-robin
"producer" = 0
"worker*"  = [1, 2, 3]
"sink?"    = [5]
[cuda]
require_device = true
batch = 1024
streams = 4
)";

TEST_F(config_test, new_members_default_to_no_file_no_placement_and_the_cuda_defaults) {
  const csp::config c{.backend = "thread", .threads = 2};
  EXPECT_EQ(c.file, "");
  EXPECT_TRUE(c.mpi.placement.empty());
  EXPECT_FALSE(c.cuda.require_device);
  EXPECT_EQ(c.cuda.batch, 65536u);
  EXPECT_EQ(c.cuda.streams, 2);
}

TEST_F(config_test, file_sets_every_key) {
  const csp::config c = csp::config::from_toml(full_file, "full.toml");
  EXPECT_EQ(c.file, "full.toml");
  EXPECT_EQ(c.backend, "thread");
  EXPECT_EQ(c.threads, 4);
  EXPECT_TRUE(c.cuda.require_device);
  EXPECT_EQ(c.cuda.batch, 1024u);
  EXPECT_EQ(c.cuda.streams, 4);
  ASSERT_EQ(c.mpi.placement.size(), 3u);
  EXPECT_NO_THROW(c.validate());
}

TEST_F(config_test, placement_takes_a_rank_or_an_array_of_ranks_in_file_order) {
  const csp::config c = csp::config::from_toml(full_file, "full.toml");
  ASSERT_EQ(c.mpi.placement.size(), 3u);
  EXPECT_EQ(c.mpi.placement[0].pattern, "producer");
  EXPECT_THAT(c.mpi.placement[0].ranks, ElementsAre(0));
  EXPECT_EQ(c.mpi.placement[1].pattern, "worker*");
  EXPECT_THAT(c.mpi.placement[1].ranks, ElementsAre(1, 2, 3));
  EXPECT_EQ(c.mpi.placement[2].pattern, "sink?");
  EXPECT_THAT(c.mpi.placement[2].ranks, ElementsAre(5));
  // File order, not the sorted order toml++ keeps; dotted keys and inline tables alike.
  const csp::config d = csp::config::from_toml(
      "backend = \"thread\"\nmpi.placement.zeta = 2\nmpi.placement.alpha = [0, 1]\n", "dotted.toml");
  ASSERT_EQ(d.mpi.placement.size(), 2u);
  EXPECT_EQ(d.mpi.placement[0].pattern, "zeta");
  EXPECT_EQ(d.mpi.placement[1].pattern, "alpha");
  const csp::config i = csp::config::from_toml("backend = \"thread\"\nmpi = { placement = { b = 1, a = 0 } }\n", "inline.toml");
  ASSERT_EQ(i.mpi.placement.size(), 2u);
  EXPECT_EQ(i.mpi.placement[0].pattern, "b");
}

TEST_F(config_test, an_empty_file_keeps_the_defaults) {
  if (!built("fiber")) GTEST_SKIP() << "the default backend, fiber, is not built";
  const csp::config c = csp::config::from_toml("# nothing\n", "empty.toml");
  EXPECT_EQ(c.backend, "fiber");
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.cuda.batch, 65536u);
}

TEST_F(config_test, file_then_environment_then_flags) {
  fake_environment env;
  env.files["a.toml"] = "backend = \"thread\"\nthreads = 3\n";
  env.variables["CSP_CONFIG"] = "a.toml";
  EXPECT_EQ(parse({"prog"}, env).threads, 3);  // file over the default 1
  EXPECT_EQ(parse({"prog"}, env).file, "a.toml");
  env.variables["CSP_THREADS"] = "5";
  EXPECT_EQ(parse({"prog"}, env).threads, 5);                    // environment over the file
  EXPECT_EQ(parse({"prog", "--csp-threads=7"}, env).threads, 7);  // flag over the environment
  EXPECT_EQ(parse({"prog", "--csp-threads=7"}, env).backend, "thread");  // the file still counts
}

TEST_F(config_test, config_flag_overrides_the_config_variable) {
  fake_environment env;
  env.files["from_variable.toml"] = "backend = \"thread\"\nthreads = 3\n";
  env.files["from_flag.toml"] = "backend = \"thread\"\nthreads = 6\n";
  env.variables["CSP_CONFIG"] = "from_variable.toml";
  const csp::config c = parse({"prog", "--csp-config=from_flag.toml"}, env);
  EXPECT_EQ(c.threads, 6);
  EXPECT_EQ(c.file, "from_flag.toml");
  EXPECT_EQ(parse({"prog", "--csp-config", "from_flag.toml"}, env).file, "from_flag.toml");
}

TEST_F(config_test, a_flag_or_variable_overrides_a_bad_backend_in_the_file) {
  fake_environment env;
  env.files["q.toml"] = "threads = 2\nbackend = \"quantum\"\n";
  EXPECT_EQ(parse({"prog", "--csp-config=q.toml", "--csp-backend=thread"}, env).backend, "thread");
  env.variables["CSP_BACKEND"] = "thread";
  EXPECT_EQ(parse({"prog", "--csp-config=q.toml"}, env).backend, "thread");
}

TEST_F(config_test, a_bad_backend_in_the_file_names_the_file_and_line) {
  const std::string msg = toml_error("threads = 2\nbackend = \"quantum\"\n");
  EXPECT_THAT(msg, HasSubstr("test.toml:2:"));
  EXPECT_THAT(msg, HasSubstr("backend"));
  EXPECT_THAT(msg, HasSubstr("quantum"));
  EXPECT_THAT(msg, HasSubstr("thread"));
}

TEST_F(config_test, unknown_top_level_key_names_key_file_and_line) {
  const std::string msg = toml_error("backend = \"thread\"\n\nthreds = 2\n");
  EXPECT_THAT(msg, HasSubstr("test.toml:3:1"));
  EXPECT_THAT(msg, HasSubstr("unknown key 'threds'"));
  EXPECT_THAT(msg, HasSubstr("backend, threads, graph, trace, trace_limit, stats, progress, [mpi], [cuda]"));
}

TEST_F(config_test, unknown_section_is_an_unknown_key) {
  const std::string msg = toml_error("[fiber]\nthreads = 2\n");
  EXPECT_THAT(msg, HasSubstr("test.toml:1:"));
  EXPECT_THAT(msg, HasSubstr("unknown key 'fiber'"));
}

TEST_F(config_test, mpi_failure_timeout_is_read_in_milliseconds_and_checked) {
  EXPECT_EQ(csp::config{}.mpi.failure_timeout_ms, 5000);
  EXPECT_EQ(csp::config::from_toml("[mpi]\nfailure_timeout_ms = 750\n", "t.toml").mpi.failure_timeout_ms, 750);
  const std::string low = toml_error("[mpi]\nfailure_timeout_ms = 99\n");
  EXPECT_THAT(low, HasSubstr("test.toml:2:"));
  EXPECT_THAT(low, HasSubstr("mpi.failure_timeout_ms = 99 is out of range; accepted: an integer from 100 to 86400000"));
  csp::config c{.backend = "thread"};
  c.mpi.failure_timeout_ms = 0;
  try {
    c.validate();
    ADD_FAILURE() << "validate() accepted mpi.failure_timeout_ms = 0";
  } catch (const csp::config_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("mpi.failure_timeout_ms = 0 is out of range"));
  }
}

TEST_F(config_test, unknown_key_in_a_section_names_the_dotted_key) {
  const std::string cuda = toml_error("[cuda]\nbatch = 8\nbach = 8\n");
  EXPECT_THAT(cuda, HasSubstr("test.toml:3:1"));
  EXPECT_THAT(cuda, HasSubstr("unknown key 'cuda.bach'"));
  EXPECT_THAT(cuda, HasSubstr("require_device, batch, streams"));
  const std::string mpi = toml_error("[mpi]\nplacment = { a = 1 }\n");
  EXPECT_THAT(mpi, HasSubstr("test.toml:2:1"));
  EXPECT_THAT(mpi, HasSubstr("unknown key 'mpi.placment'"));
  EXPECT_THAT(mpi, HasSubstr("placement"));
}

TEST_F(config_test, wrong_types_name_key_file_line_and_what_is_accepted) {
  expect_toml_errors({bad{"threads = \"4\"\n", "test.toml:1:11", "threads is a string; accepted: an integer from 1 to 1024"},
                       bad{"backend = 1\n", "test.toml:1:11", "backend is an integer; accepted: a string"},
                       bad{"\n[cuda]\nbatch = 1.5\n", "test.toml:3:9", "cuda.batch is a floating-point number; accepted: an integer of at least 1"},
                       bad{"[cuda]\nrequire_device = \"yes\"\n", "test.toml:2:18", "cuda.require_device is a string; accepted: true or false"},
                       bad{"cuda = 3\n", "test.toml:1:8", "cuda is an integer; accepted: a table"},
                       bad{"[mpi]\nplacement = 0\n", "test.toml:2:13", "mpi.placement is an integer; accepted: a table"},
                       bad{"[mpi.placement]\n\"worker*\" = \"one\"\n", "test.toml:2:13",
                           "mpi.placement.\"worker*\" is a string; accepted: a rank"},
                       bad{"[mpi.placement]\nw = [1, \"2\"]\n", "test.toml:2:9", "mpi.placement.w[1] is a string; accepted: a rank"}});
}

TEST_F(config_test, out_of_range_values_name_key_file_line_and_the_range) {
  expect_toml_errors({bad{"threads = 0\n", "test.toml:1:11", "threads = 0 is out of range; accepted: an integer from 1 to 1024"},
                       bad{"threads = 1025\n", "test.toml:1:11", "threads = 1025 is out of range"},
                       bad{"[cuda]\nbatch = 0\n", "test.toml:2:9", "cuda.batch = 0 is out of range; accepted: an integer of at least 1"},
                       bad{"[cuda]\nstreams = 65\n", "test.toml:2:11", "cuda.streams = 65 is out of range; accepted: an integer from 1 to 64"},
                       bad{"[mpi.placement]\nw = -1\n", "test.toml:2:5", "mpi.placement.w = -1 is out of range; accepted: a rank"},
                       bad{"[mpi.placement]\nw = [0, 3000000000]\n", "test.toml:2:9", "mpi.placement.w[1] = 3000000000 is out of range"},
                       bad{"[mpi.placement]\n\"w*\" = []\n", "test.toml:2:8", "mpi.placement.\"w*\" is an empty array"}});
}

TEST_F(config_test, syntax_error_names_file_line_column_and_what_toml_expected) {
  const std::string msg = toml_error("backend = \"thread\"\nthreads = = 2\n");
  EXPECT_THAT(msg, HasSubstr("test.toml:2:"));
  EXPECT_THAT(msg, HasSubstr("TOML syntax error"));
  const std::string unterminated = toml_error("[cuda\n");
  EXPECT_THAT(unterminated, HasSubstr("test.toml:1:"));
  EXPECT_THAT(unterminated, HasSubstr("TOML syntax error"));
}

TEST_F(config_test, missing_file_names_the_file_and_who_named_it) {
  fake_environment env;
  const std::string by_flag = error_in([&] { parse({"prog", "--csp-config=nowhere.toml"}, env); });
  EXPECT_THAT(by_flag, HasSubstr("'nowhere.toml'"));
  EXPECT_THAT(by_flag, HasSubstr("--csp-config"));
  EXPECT_THAT(by_flag, HasSubstr("No such file or directory"));
  env.variables["CSP_CONFIG"] = "elsewhere.toml";
  const std::string by_variable = error_in([&] { parse({"prog"}, env); });
  EXPECT_THAT(by_variable, HasSubstr("'elsewhere.toml'"));
  EXPECT_THAT(by_variable, HasSubstr("CSP_CONFIG"));
}

TEST_F(config_test, errors_in_a_file_on_disk_name_its_path) {
  const std::string path = temp_file("csp_config_test_bad.toml", "backend = \"thread\"\n[cuda]\nstreams = 0\n");
  const std::string msg = error_in([&] { from({"prog", ("--csp-config=" + path).c_str()}); });
  EXPECT_THAT(msg, HasSubstr(path + ":3:11: cuda.streams = 0 is out of range"));
}

TEST_F(config_test, a_missing_file_on_disk_names_it_and_the_reason) {
  const std::string path = ::testing::TempDir() + "csp_config_test_there_is_no_such_file.toml";
  ::setenv("CSP_CONFIG", path.c_str(), 1);
  const std::string msg = error_in([] { csp::config::from_env(); });
  EXPECT_THAT(msg, HasSubstr("'" + path + "'"));
  EXPECT_THAT(msg, HasSubstr("environment variable CSP_CONFIG"));
  EXPECT_THAT(msg, HasSubstr("No such file or directory"));
}

TEST_F(config_test, a_file_too_large_for_a_config_is_refused) {
  const std::string path = temp_file("csp_config_test_large.toml", std::string((1 << 20) + 1, '#'));
  const std::string msg = error_in([&] { from({"prog", ("--csp-config=" + path).c_str()}); });
  EXPECT_THAT(msg, HasSubstr("too large"));
}

TEST_F(config_test, from_reads_the_file_named_by_the_flag_or_the_variable) {
  const std::string by_variable = temp_file("csp_config_test_variable.toml", "backend = \"thread\"\nthreads = 3\n");
  const std::string by_flag = temp_file("csp_config_test_flag.toml", full_file);
  ::setenv("CSP_CONFIG", by_variable.c_str(), 1);
  EXPECT_EQ(csp::config::from_env().threads, 3);
  EXPECT_EQ(from({"prog"}).threads, 3);
  ::setenv("CSP_THREADS", "2", 1);
  EXPECT_EQ(from({"prog"}).threads, 2);
  const csp::config c = from({"prog", ("--csp-config=" + by_flag).c_str()});
  EXPECT_EQ(c.file, by_flag);
  EXPECT_EQ(c.threads, 2);  // the variable over the file
  EXPECT_EQ(c.cuda.streams, 4);
}

TEST_F(config_test, parse_reads_only_the_environment_it_is_given) {
  ::setenv("CSP_BACKEND", "quantum", 1);
  ::setenv("CSP_CONFIG", "nowhere.toml", 1);
  const csp::config c = parse({"prog", "--csp-backend=thread"}, {});
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.file, "");
  EXPECT_EQ(csp::config::parse({}, {}, nullptr).args.size(), 0u);
}

TEST_F(config_test, help_lists_every_flag_variable_and_file_key_with_its_default) {
  fake_environment env;
  env.variables["CSP_CONFIG"] = "nowhere.toml";  // help reads nothing else, so no error
  std::string help;
  const std::vector<std::string> argv{"prog", "x", "--csp-help"};
  const csp::config c = csp::config::parse(argv, env.get(), &help);
  EXPECT_THAT(c.args, ElementsAre("prog", "x"));
  for (const char* option : {"--csp-backend=NAME", "CSP_BACKEND", "--csp-threads=N", "CSP_THREADS", "--csp-config=FILE",
                             "CSP_CONFIG", "--csp-help", "backend", "threads", "mpi.placement.\"PATTERN\"",
                             "cuda.require_device", "cuda.batch", "cuda.streams", "65536", "false"}) {
    EXPECT_THAT(help, HasSubstr(option));
  }
}

TEST_F(config_test, validate_checks_the_file_options_too) {
  csp::config c{.backend = "thread"};
  c.cuda.streams = 0;
  EXPECT_THROW(c.validate(), csp::config_error);
  c.cuda.streams = 2;
  c.cuda.batch = 0;
  EXPECT_THROW(c.validate(), csp::config_error);
  c.cuda.batch = 1;
  c.mpi.placement.push_back({"w*", {}});
  EXPECT_THROW(c.validate(), csp::config_error);
  c.mpi.placement.back().ranks = {0, -1};
  EXPECT_THROW(c.validate(), csp::config_error);
  c.mpi.placement.back().ranks = {0, 1};
  EXPECT_NO_THROW(c.validate());
}

// toml++ 3.3 has undefined behaviour on some non-ASCII characters where whitespace may stand
// (src/config_file.cpp, toml_stand_ins); csp hands it stand-ins and gives the originals back.
TEST_F(config_test, non_ascii_characters_that_toml_mishandles_read_back_as_written) {
  const csp::config c = csp::config::from_toml(
      "# caf\u00e9, \u0436, \u30a2, \ufb30\nbackend = \"thread\"\n[mpi.placement]\n\"\u00e9tape-\u0436*\" = 1\n", "utf8.toml");
  ASSERT_EQ(c.mpi.placement.size(), 1u);
  EXPECT_EQ(c.mpi.placement[0].pattern, "\u00e9tape-\u0436*");
  const std::string after_value = toml_error("backend = \"thread\"\nthreads = 1\u00e9\n");
  EXPECT_THAT(after_value, HasSubstr("test.toml:2:"));
  EXPECT_THAT(after_value, HasSubstr("\u00e9"));
  const std::string after_key = toml_error("\"k\"\u00e9 = 1\n");
  EXPECT_THAT(after_key, HasSubstr("TOML syntax error"));
  // The valid document of upstream issue 190: a line-ending backslash, then U+00A7.
  const std::string continued = toml_error("backend = \"\"\"\\\n\u00a7thread\"\"\"\n");
  EXPECT_THAT(continued, HasSubstr("unknown backend '\u00a7thread'"));
}

TEST_F(config_test, stand_ins_avoid_the_planes_a_file_uses) {
  // U+F00E9 would be the stand-in of U+00E9; the file uses its plane, raw and as an escape.
  const csp::config c = csp::config::from_toml(
      "backend = \"thread\"\n[mpi.placement]\n\"\u00e9\" = 0\n\"\U000F00E9\" = 1\n\"\\U000F00E9x\" = 2\n", "planes.toml");
  ASSERT_EQ(c.mpi.placement.size(), 3u);
  EXPECT_EQ(c.mpi.placement[0].pattern, "\u00e9");
  EXPECT_EQ(c.mpi.placement[1].pattern, "\U000F00E9");
  EXPECT_EQ(c.mpi.placement[2].pattern, "\U000F00E9x");
  const std::string both = toml_error("# \U000F0000 \U00100000 \u00e9\n");
  EXPECT_THAT(both, HasSubstr("test.toml: csp cannot read this file"));
}

TEST_F(config_test, messages_show_control_characters_so_that_a_nul_cannot_cut_them_short) {
  fake_environment env;
  const std::string named = std::string("\0da.toml", 8);
  env.files[named] = "threads = 0\n";
  const std::string msg = error_in([&] { parse({"prog", "--csp-config=" + named}, env); });
  EXPECT_THAT(msg, HasSubstr("\\x00da.toml:1:11: threads = 0 is out of range"));
  const std::string variable = error_in([] { parse({"prog", "--csp-threads=1\t"}, {}); });
  EXPECT_THAT(variable, HasSubstr("'1\\x09' is not a thread count"));
}

}  // namespace

// --csp-graph, CSP_GRAPH and the file's `graph` (docs/observability.md): the flag wins over
// the variable, which wins over the file; the extension must name a format csp can draw.
TEST_F(config_test, graph_comes_from_the_file_the_variable_or_the_flag) {
  fake_environment env;
  EXPECT_EQ(parse({"prog"}, env).graph, "");
  env.files["a.toml"] = "graph = \"from_file.svg\"\n";
  env.variables["CSP_CONFIG"] = "a.toml";
  EXPECT_EQ(parse({"prog"}, env).graph, "from_file.svg");
  env.variables["CSP_GRAPH"] = "from_variable.mmd";
  EXPECT_EQ(parse({"prog"}, env).graph, "from_variable.mmd");
  EXPECT_EQ(parse({"prog", "--csp-graph=from_flag.dot"}, env).graph, "from_flag.dot");
  EXPECT_EQ(parse({"prog", "--csp-graph", "net.GV"}, env).graph, "net.GV");
}

TEST_F(config_test, a_graph_file_that_csp_cannot_draw_is_an_error_naming_where_it_came_from) {
  fake_environment env;
  const std::string flag = error_in([&] { parse({"prog", "--csp-graph=net.jpg"}, env); });
  EXPECT_THAT(flag, HasSubstr("--csp-graph: 'net.jpg' is not a picture file"));
  EXPECT_THAT(flag, HasSubstr(".dot or .gv (Graphviz DOT), .mmd or .mermaid (Mermaid), or .svg, .png or .pdf"));
  env.variables["CSP_GRAPH"] = "net";
  EXPECT_THAT(error_in([&] { parse({"prog"}, env); }),
              HasSubstr("environment variable CSP_GRAPH: 'net' is not a picture file"));
  EXPECT_EQ(parse({"prog", "--csp-graph=net.dot"}, env).graph, "net.dot");  // the flag replaces it
  expect_toml_errors({
      {"graph = \"net.txt\"\n", "test.toml:1:9", "graph = 'net.txt' is not a picture file; accepted: a file name"},
      {"graph = 3\n", "test.toml:1:9", "graph is an integer; accepted: a file name ending in .dot"},
  });
  csp::config c;
  c.graph = "picture.bmp";
  EXPECT_THAT(error_in([&] { c.validate(); }), HasSubstr("graph: 'picture.bmp' is not a picture file"));
}

// --csp-trace, CSP_TRACE and the file's `trace`; --csp-trace-limit, CSP_TRACE_LIMIT and the
// file's `trace_limit`: the same order of sources, and errors that name the one that was wrong.
TEST_F(config_test, trace_and_its_limit_come_from_the_file_the_variable_or_the_flag) {
  fake_environment env;
  EXPECT_EQ(parse({"prog"}, env).trace, "");
  EXPECT_EQ(parse({"prog"}, env).trace_limit, 100000u);
  env.files["a.toml"] = "trace = \"from_file.json\"\ntrace_limit = 500\n";
  env.variables["CSP_CONFIG"] = "a.toml";
  EXPECT_EQ(parse({"prog"}, env).trace, "from_file.json");
  EXPECT_EQ(parse({"prog"}, env).trace_limit, 500u);
  env.variables["CSP_TRACE"] = "from_variable.json";
  env.variables["CSP_TRACE_LIMIT"] = "1000";
  EXPECT_EQ(parse({"prog"}, env).trace, "from_variable.json");
  EXPECT_EQ(parse({"prog"}, env).trace_limit, 1000u);
  const csp::config c = parse({"prog", "--csp-trace=from_flag.json", "--csp-trace-limit=100"}, env);
  EXPECT_EQ(c.trace, "from_flag.json");
  EXPECT_EQ(c.trace_limit, 100u);
}

TEST_F(config_test, a_bad_trace_file_or_limit_is_an_error_naming_where_it_came_from) {
  fake_environment env;
  EXPECT_THAT(error_in([&] { parse({"prog", "--csp-trace=run.svg"}, env); }),
              HasSubstr("--csp-trace: 'run.svg' is not a trace file; accepted: a file name ending in .json"));
  env.variables["CSP_TRACE_LIMIT"] = "99";
  EXPECT_THAT(error_in([&] { parse({"prog"}, env); }),
              HasSubstr("environment variable CSP_TRACE_LIMIT: '99' is not a trace limit; accepted: an integer from 100"));
  EXPECT_EQ(parse({"prog", "--csp-trace-limit=100000000"}, env).trace_limit, 100000000u);  // the flag replaces it
  EXPECT_THAT(error_in([&] { parse({"prog", "--csp-trace-limit=1e6"}, {}); }),
              HasSubstr("--csp-trace-limit: '1e6' is not a trace limit"));
  expect_toml_errors({
      {"trace = \"run\"\n", "test.toml:1:9", "trace = 'run' is not a trace file; accepted: a file name ending in .json"},
      {"trace_limit = 100000001\n", "test.toml:1:15", "trace_limit = 100000001 is out of range; accepted: an integer"},
      {"trace_limit = \"big\"\n", "test.toml:1:15", "trace_limit is a string; accepted: an integer from 100"},
  });
  csp::config c;
  c.trace = "trace.txt";
  EXPECT_THAT(error_in([&] { c.validate(); }), HasSubstr("trace: 'trace.txt' is not a trace file"));
  c.trace = "trace.json";
  c.trace_limit = 5;
  EXPECT_THAT(error_in([&] { c.validate(); }), HasSubstr("trace_limit = 5 is out of range"));
}

// --csp-stats, CSP_STATS (a switch: 1/true/yes/on or 0/false/no/off) and the file's `stats`.
TEST_F(config_test, stats_comes_from_the_file_the_variable_or_the_flag) {
  fake_environment env;
  EXPECT_FALSE(parse({"prog"}, env).stats);
  env.files["a.toml"] = "stats = true\n";
  env.variables["CSP_CONFIG"] = "a.toml";
  EXPECT_TRUE(parse({"prog"}, env).stats);
  env.variables["CSP_STATS"] = "off";
  EXPECT_FALSE(parse({"prog"}, env).stats);
  EXPECT_TRUE(parse({"prog", "--csp-stats"}, env).stats);
  for (const char* yes : {"1", "true", "yes", "on"}) {
    env.variables["CSP_STATS"] = yes;
    EXPECT_TRUE(parse({"prog"}, env).stats) << yes;
  }
  env.variables["CSP_STATS"] = "maybe";
  EXPECT_THAT(error_in([&] { parse({"prog"}, env); }),
              HasSubstr("environment variable CSP_STATS: 'maybe' is not a switch; accepted: 1, true, yes or on; 0, false, no or off"));
  EXPECT_TRUE(parse({"prog", "--csp-stats"}, env).stats);  // the flag replaces it
  expect_toml_errors({{"stats = \"yes\"\n", "test.toml:1:9", "stats is a string; accepted: true or false"}});
}
