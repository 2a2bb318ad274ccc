// The heartbeats of an mpi run (watchdog.hpp has the scheme and W1-W3).
#include <backends/mpi/watchdog.hpp>

#include <algorithm>

namespace csp::mpi {
namespace {

constexpr int heartbeat_tag = 9;
char heartbeat = 0;  // what each heartbeat carries; never written

}  // namespace

watchdog::watchdog(MPI_Comm comm, std::chrono::milliseconds timeout)
    : timeout_(timeout),
      period_(std::clamp(timeout / 10, std::chrono::milliseconds{10}, std::chrono::milliseconds{500})) {
  MPI_Comm_dup(comm, &comm_);
  // A send to a rank that died must not abort this one: errors come back, and are ignored.
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  sent_to_.assign(static_cast<std::size_t>(size_), 0);
  received_from_.assign(static_cast<std::size_t>(size_), 0);
  heard_.assign(static_cast<std::size_t>(size_), std::chrono::steady_clock::now());
  thread_ = std::thread([this] { loop(); });
}

watchdog::~watchdog() {
  stop();
  if (comm_ != MPI_COMM_NULL) (void)finish(true);
}

void watchdog::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void watchdog::loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    lk.unlock();
    beat();
    listen();
    const auto now = std::chrono::steady_clock::now();
    for (int r = 0; r < size_; ++r) {
      const bool watched = rank_ == 0 ? r != 0 : r == 0;
      if (watched && now - heard_[static_cast<std::size_t>(r)] > timeout_) {
        lost_.store(r, std::memory_order_release);  // W1: the thread ends here
        return;
      }
    }
    lk.lock();
    wake_.wait_for(lk, period_, [this] { return stopping_; });
  }
}

void watchdog::reap() {
  std::erase_if(sends_, [](MPI_Request& q) {
    int done = 0;
    return MPI_Test(&q, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || done != 0;
  });
}

void watchdog::beat() {
  reap();
  for (int r = 0; r < size_; ++r) {
    if (r == rank_ || (rank_ != 0 && r != 0)) continue;
    MPI_Request q;
    if (MPI_Isend(&heartbeat, 1, MPI_CHAR, r, heartbeat_tag, comm_, &q) != MPI_SUCCESS) continue;
    sends_.push_back(q);
    ++sent_to_[static_cast<std::size_t>(r)];
  }
}

void watchdog::listen() {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, heartbeat_tag, comm_, &flag, &st) != MPI_SUCCESS || flag == 0) return;
    char byte;
    MPI_Recv(&byte, 1, MPI_CHAR, st.MPI_SOURCE, heartbeat_tag, comm_, MPI_STATUS_IGNORE);
    ++received_from_[static_cast<std::size_t>(st.MPI_SOURCE)];
    heard_[static_cast<std::size_t>(st.MPI_SOURCE)] = std::chrono::steady_clock::now();
  }
}

bool watchdog::finish(bool abandon) {
  stop();
  auto release = [this] {
    for (MPI_Request& q : sends_) MPI_Request_free(&q);
    sends_.clear();
  };
  if (abandon || lost() >= 0) {
    release();
    comm_ = MPI_COMM_NULL;  // not freed: freeing may wait for the lost rank
    return true;
  }
  // W2: how many heartbeats each rank sent here, then receive them all, within the timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  auto before_deadline = [&] {
    if (std::chrono::steady_clock::now() < deadline) return true;
    release();
    comm_ = MPI_COMM_NULL;
    return false;
  };
  std::vector<std::uint64_t> expected(static_cast<std::size_t>(size_));
  MPI_Request all;
  MPI_Ialltoall(sent_to_.data(), 1, MPI_UINT64_T, expected.data(), 1, MPI_UINT64_T, comm_, &all);
  for (int done = 0; MPI_Test(&all, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && done == 0;) {
    if (!before_deadline()) return false;
    std::this_thread::sleep_for(std::chrono::microseconds{100});
  }
  for (int r = 0; r < size_; ++r) {
    while (received_from_[static_cast<std::size_t>(r)] < expected[static_cast<std::size_t>(r)]) {
      listen();
      if (!before_deadline()) return false;
    }
  }
  for (reap(); !sends_.empty(); reap()) {
    if (!before_deadline()) return false;
  }
  MPI_Comm_free(&comm_);
  return true;
}

}  // namespace csp::mpi
