// How a run is configured (DESIGN.md section 4). This comment is the reference; --csp-help
// prints the same table and docs/configuration.md has examples and real error messages.
//
//   int main(int argc, char** argv) {
//     auto cfg = csp::config::from(argc, argv);   // --csp-backend=thread --csp-threads=2 ...
//     ...
//     return csp::run(net, cfg);
//   }
//
// Four sources, each overriding the one before: defaults < config file < environment < flags.
//
//   flag                variable     file key                  default  what
//   --csp-backend=NAME  CSP_BACKEND  backend                   fiber    fiber | thread | tbb | mpi | cuda
//   --csp-threads=N     CSP_THREADS  threads                   1        worker threads of the fiber, tbb and cuda backends, 1 to 1024
//   --csp-graph=FILE    CSP_GRAPH    graph                     (none)   write a picture of the network to FILE when
//                                                                       it starts, and again with message counts when
//                                                                       it ends: .dot/.gv, .mmd/.mermaid, .svg/.png/.pdf
//   --csp-trace=FILE    CSP_TRACE    trace                     (none)   write a Chrome/Perfetto JSON trace of the run to FILE
//                                                                       (.json): a track per process, a flow per message
//   --csp-trace-limit=N CSP_TRACE_LIMIT trace_limit            100000   records kept per thread (the last ones), 100 to 1e8
//   --csp-stats         CSP_STATS    stats                     false    print a table of channels (messages, bytes, waits)
//                                                                       and processes (running, parked) to stderr at the end
//   --csp-progress      CSP_PROGRESS progress                  false    a live status line on stderr, when it is a terminal
//   --csp-config=FILE   CSP_CONFIG                             (none)   the TOML file of the keys below
//                                    mpi.placement."PATTERN"   (none)   the rank, or an array of ranks, of the
//                                                                       processes whose name matches PATTERN
//                                    mpi.failure_timeout_ms    5000     silence after which a rank counts as
//                                                                       lost, 100 to 86400000
//                                    cuda.require_device       false    without a GPU: fail (true), or run the
//                                                                       stages on the host (false)
//                                    cuda.batch                65536    most values a stage sends to the GPU at once, >= 1
//                                    cuda.streams              2        CUDA streams (batches in flight), 1 to 64
//   --csp-help                                                          print the table and exit(0)
//
// The file is TOML; `cuda.batch = 8` and `[cuda]` then `batch = 8` say the same:
//
//   backend = "mpi"
//   threads = 4
//   [mpi.placement]        # glob patterns (* and ?) to ranks; the rest round-robin
//   "producer" = 0
//   "worker*"  = [1, 2, 3]
//   [cuda]
//   require_device = false
//   batch = 65536
//   streams = 2
//
// --csp-config names the file, and wins over CSP_CONFIG. The file must be right on its own:
// an unknown key, a value of the wrong type or out of range, or a TOML syntax error is a
// csp::config_error naming file:line:column and the key, and saying what is accepted. The
// backend is checked last, once the winning source is known, so that a flag can replace a
// bad variable; that error names the source that set it. Empty variables and empty flag
// values count as unset. Arguments that do not start with --csp- are left for the program in
// config::args, after argv[0].
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace csp {

struct config {
  std::string backend = "fiber";
  int threads = 1;
  /// Where to draw the network (docs/observability.md): empty for nowhere. The extension says
  /// how: .dot or .gv (Graphviz DOT), .mmd or .mermaid (Mermaid), .svg, .png or .pdf (drawn by
  /// Graphviz's dot program, when installed).
  std::string graph{};
  /// Where to write a trace of the run (docs/observability.md): empty for nowhere; a .json
  /// file that chrome://tracing and ui.perfetto.dev open.
  std::string trace{};
  /// How many records a trace keeps per thread: the last ones, when a thread makes more.
  std::size_t trace_limit = 100000;
  /// Print a table of the run's channels and processes to stderr when it ends
  /// (docs/observability.md).
  bool stats = false;
  /// Keep a one-line live status (messages per second, processes blocked) on stderr while the
  /// run goes on, when stderr is a terminal (docs/observability.md).
  bool progress = false;
  /// The program's own arguments: argv[0] and everything that is not a --csp- flag.
  std::vector<std::string> args{};
  /// The config file that was read, as it was named; empty when there was none.
  std::string file{};

  /// One line of [mpi.placement]: processes whose name matches `pattern` (a glob: `*` any
  /// run of characters, `?` any one) go on `ranks`. Example: `"worker*" = [1, 2]` is
  /// {"worker*", {1, 2}}; `"producer" = 0` is {"producer", {0}}.
  struct placement_rule {
    std::string pattern;
    std::vector<int> ranks;
  };
  /// Options of the mpi backend: `cfg.mpi.placement[0].pattern`.
  struct mpi_options {
    /// In file order, so that the backend can let the first matching rule decide.
    std::vector<placement_rule> placement{};
    /// How long a rank may send no heartbeat before the others end the run, naming it as
    /// lost (killed, crashed, or its host unreachable). backends/mpi/README.md, "A rank that dies".
    int failure_timeout_ms = 5000;
  };
  mpi_options mpi{};

  /// Options of the cuda backend: `if (cfg.cuda.require_device) ...`.
  struct cuda_options {
    bool require_device = false;
    std::size_t batch = 65536;
    int streams = 2;
  };
  cuda_options cuda{};

  /// What parse() reads from outside the program: variables and files. real() is this
  /// process's; tests and fuzzers pass their own, e.g.
  /// `{.variable = [](const char*) { return nullptr; }, .file = read_from_a_map}`.
  struct environment {
    /// The value of a variable, or nullptr when it is not set.
    std::function<const char*(const char*)> variable;
    /// The whole content of the file at a path; throws std::exception, whose what() says why,
    /// when it cannot be read.
    std::function<std::string(const std::string&)> file;

    /// std::getenv, and the file system (a file over 1 MiB is refused: a config file that
    /// large is a mistake, such as /dev/zero).
    static environment real();
  };

  /// Defaults, then the config file, the CSP_* variables and the --csp-* flags of argv (main's
  /// argv, argv[0] first). Throws csp::config_error for an unknown --csp- flag, an unknown or
  /// unbuilt backend, a bad value, or a config file that is missing or wrong; the message
  /// names the flag, variable or file:line:column and key, and lists what is accepted.
  /// --csp-help prints the table of options and exits(0).
  static config from(int argc, const char* const* argv);
  /// Defaults, then the config file named by CSP_CONFIG, then the environment.
  static config from_env();

  /// from() without its side effects: reads only `env`, never prints, never exits. On
  /// --csp-help it stores the table of options in *help_out (when not null) and returns the
  /// defaults, with args, without reading anything else. Example:
  /// `config::parse(std::vector<std::string>{"prog", "--csp-threads=2"}, my_env, &help)`.
  static config parse(std::span<const std::string> argv, const environment& env, std::string* help_out);
  /// Defaults, then `text` read as the TOML config file `file_name` (only named in messages),
  /// checked as from() checks a file, the backend included. Example:
  /// `config::from_toml("threads = 2\n", "test.toml").threads == 2`.
  static config from_toml(std::string_view text, std::string_view file_name);

  /// Throws csp::config_error if this configuration cannot run here (unknown or unbuilt
  /// backend, threads out of range).
  void validate() const;

  /// Every backend name csp knows, and those built into this copy.
  static const std::vector<std::string_view>& known_backends();
  static const std::vector<std::string_view>& built_backends();
};

}  // namespace csp
