// How a run is configured (DESIGN.md section 4): defaults < environment < command line.
//
//   int main(int argc, char** argv) {
//     auto cfg = csp::config::from(argc, argv);   // --csp-backend=thread --csp-threads=2 ...
//     ...
//     return csp::run(net, cfg);
//   }
//
// Flags (each also an environment variable, CSP_ and the key in capitals):
//   --csp-backend=NAME   fiber (default) | thread | tbb | mpi | cuda      CSP_BACKEND
//   --csp-threads=N      worker threads of the fiber backend (default 1)  CSP_THREADS
//   --csp-help           print these options with their defaults and exit
// Arguments that do not start with --csp- are left for the program in config::args.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csp {

struct config {
  std::string backend = "fiber";
  int threads = 1;
  /// The program's own arguments: argv[0] and everything that is not a --csp- flag.
  std::vector<std::string> args{};

  /// Defaults, then CSP_* environment variables, then --csp-* flags. Throws csp::config_error
  /// for an unknown --csp- flag, an unknown or unbuilt backend, or a bad value; the message
  /// names the flag or variable and lists what is accepted. --csp-help prints and exits(0).
  static config from(int argc, const char* const* argv);
  /// Defaults, then the environment.
  static config from_env();

  /// Throws csp::config_error if this configuration cannot run here (unknown or unbuilt
  /// backend, threads out of range).
  void validate() const;

  /// Every backend name csp knows, and those built into this copy.
  static const std::vector<std::string_view>& known_backends();
  static const std::vector<std::string_view>& built_backends();
};

}  // namespace csp
