// Notices a rank that is gone (killed, crashed, its host unreachable) while the job goes on,
// as it does under `mpirun --enable-recovery` (plain mpirun kills the whole job instead).
//
// A thread of its own on each rank, on a communicator of its own, sends a heartbeat every
// period: rank 0 to every rank, every other rank to rank 0. Rank 0 watches every rank; the
// others watch rank 0. A watched rank silent for longer than the timeout is lost; rank 0's
// engine tells the others (engine.hpp). A thread, not the engine fiber, so that a process
// computing for minutes without a channel operation does not silence its rank.
//
// Invariants:
//   W1  lost() goes from -1 to one rank once and never changes again.
//   W2  finish() is collective over the ranks that are alive and runs after the thread has
//       stopped: every heartbeat sent is received before the communicator is freed (as E4),
//       unless a rank was lost, when nothing collective is attempted.
//   W3  Needs MPI_THREAD_MULTIPLE (the thread calls MPI beside the rank's engine); without it
//       the backend makes no watchdog.
#pragma once

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace csp::mpi {

class watchdog {
 public:
  /// Duplicates `comm` (collective) and starts the thread.
  watchdog(MPI_Comm comm, std::chrono::milliseconds timeout);
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  /// Stops the thread; frees the communicator without a drain if finish() did not run.
  ~watchdog();

  /// -1 while every watched rank answers, else the rank found silent (W1).
  int lost() const noexcept { return lost_.load(std::memory_order_acquire); }
  std::chrono::milliseconds timeout() const noexcept { return timeout_; }

  /// Stops the thread, then, unless `abandon` or a rank is lost, receives every heartbeat
  /// sent to this rank (collective, W2). Returns false if that could not complete within the
  /// timeout (a rank died meanwhile).
  bool finish(bool abandon);

 private:
  void loop();
  void reap();  // forgets the heartbeats sent that have left
  void beat();
  void listen();
  void stop();

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::chrono::milliseconds timeout_, period_;
  std::vector<std::uint64_t> sent_to_, received_from_;
  std::vector<std::chrono::steady_clock::time_point> heard_;
  std::vector<MPI_Request> sends_;
  std::atomic<int> lost_{-1};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace csp::mpi
