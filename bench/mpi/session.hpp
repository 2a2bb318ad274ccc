// What the mpi benchmarks add to common/harness.hpp: every rank runs the same binary, the same
// suite and the same contenders in the same order, so each contender's round is a collective
// step (csp::run on the mpi backend, or the raw MPI peer) that all ranks enter together.
//
//   csp_bench::mpi_session mpi(argc, argv, 2);       // MPI up; rank 0 prints, the others do not
//   csp_bench::flags f("...");                       // and its sizes, as in harness.hpp
//   if (int rc = mpi.parse(f, argc, argv); rc >= 0) return rc;   // also: too few ranks
//   s.contender("raw MPI", [&] {
//     long misses = 0;
//     const double ns = mpi.ns_per_op(ops, [&] { ...MPI_Send / MPI_Recv on mpi.comm()... });
//     mpi.expect_none(misses, "what went wrong");     // on every rank, or on none
//     return ns;
//   });
//
// What it keeps:
//   - ns_per_op starts every rank together (a barrier, outside the timed part); each rank
//     times its own part and rank 0's figure is the one printed.
//   - expect_none sums a count over all ranks, so that every rank throws csp_bench::wrong or
//     none does: a check that failed on one rank only would leave the others waiting for it
//     in the next collective step.
//   - MPI is initialized here as csp initializes it for a program that does not, with
//     MPI_THREAD_MULTIPLE (the mpi backend's watchdog thread needs it), so that ours runs as a
//     user's program does; the raw peers then run at that thread level too. csp finds MPI
//     initialized and leaves MPI_Finalize to this object.
#pragma once

#include <mpi.h>

#include <csp/csp.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "../common/harness.hpp"

namespace csp_bench {

class mpi_session {
 public:
  /// Initializes MPI; `needed` is how many ranks the scenario uses (ranks above them idle).
  mpi_session(int& argc, char**& argv, int needed) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    if (rank_ != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) std::perror("/dev/null");
    enough_ = size_ >= needed && provided >= MPI_THREAD_SERIALIZED;
    if (rank_ == 0 && size_ < needed) {
      std::fprintf(stderr, "%s needs %d ranks or more, it has %d: mpirun --oversubscribe -np %d %s ...\n", argv[0],
                   needed, size_, needed, argv[0]);
    } else if (rank_ == 0 && !enough_) {
      std::fprintf(stderr, "%s: MPI gave no MPI_THREAD_SERIALIZED\n", argv[0]);
    }
  }
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
  ~mpi_session() {
    MPI_Comm_free(&comm_);
    MPI_Finalize();
  }

  /// f.parse(), then the check of the ranks: -1 to go on, else the exit status (--help, a bad
  /// flag, or 2 for too few ranks).
  int parse(flags& f, int argc, char** argv) const {
    if (int rc = f.parse(argc, argv); rc >= 0) return rc;
    return enough_ ? -1 : 2;
  }

  int rank() const noexcept { return rank_; }
  /// A communicator of the raw peers' own (csp duplicates MPI_COMM_WORLD for each run).
  MPI_Comm comm() const noexcept { return comm_; }

  /// csp_bench::ns_per_op, started on every rank at once.
  template <class F>
  double ns_per_op(long ops, F&& f) const {
    MPI_Barrier(comm_);
    return csp_bench::ns_per_op(ops, std::forward<F>(f));
  }

  /// Throws csp_bench::wrong on every rank unless `count` is 0 on every rank.
  void expect_none(long count, const char* what) const {
    long total = 0;
    MPI_Allreduce(&count, &total, 1, MPI_LONG, MPI_SUM, comm_);
    expect(total, 0, what);
  }

  /// The config of a csp run on the mpi backend with the processes named in `ranks[r]`
  /// placed on rank r.
  static csp::config placed(const std::vector<std::string>& ranks) {
    csp::config cfg;
    cfg.backend = "mpi";
    for (std::size_t r = 0; r < ranks.size(); ++r) cfg.mpi.placement.push_back({ranks[r], {static_cast<int>(r)}});
    return cfg;
  }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  bool enough_ = false;
};

}  // namespace csp_bench
