// Every conformance case on the mpi backend, under mpirun: this binary's ctests run it on 2 and
// on 4 ranks (tests/CMakeLists.txt), and each case is named after the rank count, e.g.
// mpi/conformance.channels_buffered_send_does_not_wait_for_the_reader/mpi_4ranks.
//
//   mpirun --oversubscribe -np 2 build/release/tests/csp_mpi_conformance_tests [--gtest_filter=...]
//
// Every rank runs every case and builds the same network (SPMD); csp::run places each top-level
// process on one rank, and conformance::run then merges the variables the case declared with
// CSP_SHARED across ranks (support/shared.hpp), so every rank checks the same results. So every
// rank must run the same cases in the same order: mpirun hands each the same flags, but
// --gtest_shuffle also needs a --gtest_random_seed.
//
// Placement. The suite uses the backend's default, round-robin in spawn order: the k-th
// process spawned goes on rank k % N. Nearly every case spawns the two ends of each channel it
// checks one after the other (writer then reader, stage after stage), so they land on
// neighbouring ranks, different for every N >= 2; with N = 4, any four consecutive spawns are
// on four ranks. Where two ends are further apart in spawn order (merge's sources, deal's
// sinks, a second reader), the case says where its processes go with place_on_mpi, naming
// ranks 0 and 1 only, so that those ends are apart for every N. What stays on one rank: the
// channels between a process and itself, or inside a composite process (parallel, sequence),
// which are local on every backend; and one link of the commstime ring, a cycle of three that
// two ranks cannot split (on 4 ranks every link crosses). The placement was checked by listing,
// for every run of every case on 2 and 4 ranks, the channels whose ends share a rank.
//
// Output. Rank 0 prints as GoogleTest does; the other ranks print only failed checks, each line
// naming its rank. A case that fails on any rank makes every rank, and so mpirun, exit 1.
#include <mpi.h>

#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "conformance/conformance.hpp"

namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

/// Every rank's bytes, in rank order, on every rank.
std::vector<std::vector<std::byte>> allgather(std::span<const std::byte> mine) {
  const int size = world_size();
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size));
  MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int r = 0; r < size; ++r) {
    offsets[static_cast<std::size_t>(r)] = total;
    total += counts[static_cast<std::size_t>(r)];
  }
  std::vector<std::byte> all(static_cast<std::size_t>(total));
  MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE, MPI_COMM_WORLD);
  std::vector<std::vector<std::byte>> out;
  for (int r = 0; r < size; ++r) {
    auto from = all.begin() + offsets[static_cast<std::size_t>(r)];
    out.emplace_back(from, from + counts[static_cast<std::size_t>(r)]);
  }
  return out;
}

/// The printer of ranks other than 0: failed checks only, each naming its rank and case.
class failures_only : public ::testing::EmptyTestEventListener {
 public:
  explicit failures_only(int rank) : rank_(rank) {}

  void OnTestStart(const ::testing::TestInfo& t) override {
    test_ = std::string(t.test_suite_name()) + "." + t.name();
  }
  // (UnitTest::current_test_info() would wait for the lock that GoogleTest holds while it
  // reports a part result: hence OnTestStart.)
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (!r.failed()) return;
    std::printf("[rank %d] %s: %s:%d: Failure\n%s\n", rank_, test_.c_str(), r.file_name() ? r.file_name() : "?",
                r.line_number(), r.message());
    std::fflush(stdout);
  }

 private:
  int rank_;
  std::string test_;
};

std::vector<csp::config> mpi_configs() { return {csp::config{.backend = "mpi"}}; }

std::string mpi_name(const ::testing::TestParamInfo<csp::config>&) {
  return "mpi_" + std::to_string(world_size()) + "ranks";
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(mpi, conformance, ::testing::ValuesIn(mpi_configs()), mpi_name);

int main(int argc, char** argv) {
  // At the level the backend needs (backends/mpi/README.md, Progress); as MPI is initialized
  // here, the backend leaves finalizing it to this function.
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  csp_test::gather_from_ranks = allgather;
  ::testing::InitGoogleTest(&argc, argv);
  const int rank = world_rank();
  if (rank != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new failures_only(rank));
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0 && any_failed && !failed) std::printf("a case failed on another rank (see its [rank N] lines)\n");
  MPI_Finalize();
  return any_failed;
}
