// What the observability cases share (conformance/observe_test.cpp, conformance/trace_test.cpp):
// a scratch file for a run's picture or trace, reading it back, and which address space writes.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace csp_test {

/// A file of this case, backend configuration and process ("NAME.PID.EXTENSION"), and the
/// deadlock graph csp writes beside a picture ("NAME.PID.deadlock.dot"): neither there at
/// first, both removed at the end.
struct output_file {
  explicit output_file(const std::string& extension) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name()) + "." + std::to_string(getpid());
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    const std::filesystem::path stem = std::filesystem::path(::testing::TempDir()) / name;
    path = stem.string() + "." + extension;
    beside = stem.string() + ".deadlock.dot";
    remove();
  }
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;
  ~output_file() { remove(); }
  void remove() const {
    std::filesystem::remove(path);
    std::filesystem::remove(beside);
  }
  std::string path, beside;
};

inline std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Whether this address space is the one that writes pictures, tables and traces: rank 0
/// under mpirun, else the only one.
inline bool draws_here() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  return rank == nullptr || std::string(rank) == "0";
}

}  // namespace csp_test
