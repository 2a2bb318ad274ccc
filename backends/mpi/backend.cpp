// Processes on MPI ranks. A run: duplicate MPI_COMM_WORLD (so that runs never see each
// other's messages), place every process, find the channels whose ends are on more than one
// rank and give each a home and ports (engine.hpp), then run this rank's processes as fibers
// on one thread of their own, beside the engine fiber that moves messages, until rank 0 says
// that every rank is done.
#include <backends/mpi/backend.hpp>

#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <boost/fiber/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <backends/fiber/algorithm.hpp>
#include <backends/fiber/parker.hpp>
#include <backends/mpi/engine.hpp>
#include <backends/mpi/placement.hpp>
#include <backends/mpi/watchdog.hpp>
#include <csp/codec.hpp>
#include <csp/detail/picture.hpp>
#include <csp/detail/stats.hpp>
#include <csp/detail/trace.hpp>
#include <channels/channel_core.hpp>
#include <csp/errors.hpp>

namespace csp::mpi {
namespace {

namespace bf = boost::fibers;

/// Set when a run lost a rank: MPI_Finalize would wait for it for ever, so it is skipped.
std::atomic<bool> peer_lost{false};

/// MPI_Init_thread on first use (MPI_THREAD_MULTIPLE, for the watchdog's thread), MPI_Finalize
/// at exit, unless the program initialized MPI. Returns the thread level MPI provides.
int ensure_mpi() {
  static const bool ours = [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return false;
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
      throw config_error("backend 'mpi': MPI_Init_thread failed");
    }
    std::atexit([] {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized && !peer_lost.load()) MPI_Finalize();
    });
    return true;
  }();
  (void)ours;
  int provided = 0;
  MPI_Query_thread(&provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    throw config_error(
        "backend 'mpi': MPI was initialized without MPI_THREAD_SERIALIZED; csp calls MPI from the thread "
        "that runs the rank's processes, so initialize it with MPI_Init_thread(..., MPI_THREAD_SERIALIZED, ...) "
        "or let csp do it");
  }
  return provided;
}

class backend final : public detail::backend {
 public:
  backend(std::vector<config::placement_rule> rules, std::chrono::milliseconds failure_timeout, bool watched,
          bool figures, bool pictures, bool progress)
      : rules_(std::move(rules)),
        failure_timeout_(failure_timeout),
        watched_(watched),
        figures_wanted_(figures),
        pictures_wanted_(pictures) {
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
    if (progress) board_ = std::make_unique<progress_board>(world_size_);
  }

  const char* name() const noexcept override { return "mpi"; }

  // --csp-graph and --csp-stats: rank 0 draws the top-level network, each process on its rank,
  // with the figures of every rank summed (a process runs on one rank; a channel's values are
  // counted on one rank only: the rank of both its ends, or its home). A sub-network runs inside
  // one rank's process: once the run has ended, each rank's picture of its sub-networks joins
  // rank 0's (pictures_). The stats table sums the top-level network only.
  bool draws() const noexcept override { return world_rank_ == 0; }
  void annotate(detail::picture& p, const detail::group& top) const override {
    p.where = fmt::format("mpi, {} rank{}", world_size_, world_size_ == 1 ? "" : "s");
    std::vector<std::string> names;
    for (const auto& proc : top.processes) names.push_back(proc->name);
    const std::vector<int> rank_of = place(names, rules_, world_size_);
    for (std::size_t i = 0; i < p.processes.size(); ++i) p.processes[i].rank = i < rank_of.size() ? rank_of[i] : world_rank_;
    const bool counts = std::any_of(p.channels.begin(), p.channels.end(), [](const auto& c) { return c.messages.has_value(); });
    for (std::size_t c = 0; c < p.channels.size() && c < top.channels.size(); ++c) {
      if (!p.channels[c].messages) continue;
      if (gathered_ && c < gathered_->channels.size()) {
        p.channels[c].messages = gathered_->channels[c].messages;
      } else {
        p.channels[c].messages.reset();  // a rank lost: not counted everywhere
      }
    }
    if (!counts) return;  // the picture at the start: no sub-network has run yet
    for (std::size_t r = 1; r < pictures_.size(); ++r) {
      detail::add_sub_networks(p, pictures_[r], top.processes.size(), top.channels.size(), static_cast<int>(r));
    }
  }
  const detail::run_figures* figures() const noexcept override { return gathered_ ? &*gathered_ : nullptr; }
  std::vector<detail::stats_rows> stats_elsewhere() const override { return rows_; }

  // --csp-progress: rank 0's stderr is a pipe to mpirun, which writes what comes through it to
  // its own stderr; the line belongs there when that is a terminal. mpirun started rank 0
  // on its own host, so its stderr is /proc/PARENT/fd/2 here.
  bool on_a_terminal() const noexcept override {
    if (detail::backend::on_a_terminal()) return true;
    const int fd = open(fmt::format("/proc/{}/fd/2", getppid()).c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool tty = isatty(fd) != 0;
    close(fd);
    return tty;
  }
  detail::progress_sample progress_elsewhere() const override { return board_ ? board_->total() : detail::progress_sample{}; }
  const std::vector<detail::trace_part>* trace_parts() const noexcept override { return traced_ ? &*traced_ : nullptr; }

  void run(detail::runtime& rt, detail::group& top) override {
    MPI_Comm comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    try {
      run_on(comm, rt, top);
    } catch (...) {
      MPI_Comm_free(&comm);
      throw;
    }
    MPI_Comm_free(&comm);
  }

  void start(detail::runtime& rt, detail::group& g) override {
    for (auto& c : g.channels) {
      if (c->remote() == nullptr) c->bind_to_this_thread();
    }
    for (auto& p : g.processes) launch(rt, g, *p);
  }

 private:
  void run_on(MPI_Comm comm, detail::runtime& rt, detail::group& top) {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);

    std::vector<std::string> names;
    for (auto& p : top.processes) names.push_back(p->name);
    const std::vector<int> rank_of = place(names, rules_, size);

    engine eng(comm, rt, top);
    eng.show_progress(board_.get());
    // The ranks that hold ends of each channel, and which side.
    for (std::size_t c = 0; c < top.channels.size(); ++c) {
      channels::channel_core& core = *top.channels[c];
      std::set<int> holders, readers, writers;
      for (std::size_t i = 0; i < top.processes.size(); ++i) {
        for (const detail::end_ref& e : top.processes[i]->ends) {
          if (e.channel.get() != &core) continue;
          holders.insert(rank_of[i]);
          (e.side == detail::op_kind::recv ? readers : writers).insert(rank_of[i]);
        }
      }
      if (holders.size() < 2) continue;
      if (!core.codec().available()) {
        throw network_error(fmt::format(
            "network '{}' cannot run on mpi: channel '{}' has ends on ranks {} but its type {} has no codec, so its "
            "values cannot cross ranks (give the type cereal serialization, see docs/codecs.md, or place its "
            "processes on one rank with [mpi.placement])",
            top.name, core.name(), fmt::join(holders, ", "), core.type()));
      }
      // The home: the readers' rank if they share one, else the writers', else the first.
      const int home = readers.size() == 1 ? *readers.begin() : writers.size() == 1 ? *writers.begin() : *holders.begin();
      const auto id = static_cast<std::uint32_t>(c);
      if (home == rank) eng.add_server(id, core);
      eng.install_port(id, core, home);
    }

    // Without MPI_THREAD_MULTIPLE (a program that initialized MPI itself) there is no watchdog:
    // a lost rank is then noticed only by mpirun.
    std::optional<watchdog> dog;
    if (watched_) dog.emplace(comm, failure_timeout_);
    eng.watch(dog ? &*dog : nullptr);
    std::exception_ptr error;
    std::thread runner([&] {
      fiber::prepare_thread();
      try {
        rt.set_exclusive();
        rt.hold();  // the engine: only it can tell that nothing can move anywhere
        // Processes of other ranks end here at once, unrun; their bodies (and the ends in
        // them) stay until run() returns, so they leave no channel.
        for (std::size_t i = 0; i < top.processes.size(); ++i) {
          if (rank_of[i] != rank) rt.ended(*top.processes[i]);
        }
        for (auto& c : top.channels) {
          if (c->remote() == nullptr) c->bind_to_this_thread();
        }
        for (std::size_t i = 0; i < top.processes.size(); ++i) {
          if (rank_of[i] == rank) launch(rt, top, *top.processes[i]);
        }
        bf::fiber server(std::allocator_arg, bf::fixedsize_stack(256 * 1024), [&] { eng.serve(live_); });
        server.join();
        rt.release();
      } catch (...) {
        error = std::current_exception();
      }
    });
    runner.join();
    if (dog && !dog->finish(eng.lost() >= 0)) peer_lost = true;
    if (eng.lost() >= 0) peer_lost = true;
    eng.uninstall();
    for (detail::group* g : rt.groups()) {
      for (auto& c : g->channels) c->unbind();
    }
    // Every rank that ended the run with the finish round gets here; a lost rank, or one whose
    // engine failed (it leaves without that round), never does, and then no rank waits for it.
    gathered_.reset();
    if (figures_wanted_ && !error && eng.lost() < 0 && eng.finished()) {
      detail::run_figures mine = detail::figures_of(top);
      for (std::size_t c = 0; c < mine.channels.size(); ++c) {
        if (const channel_server* home = eng.server(static_cast<std::uint32_t>(c))) mine.channels[c].messages += home->delivered();
      }
      const std::vector<std::uint64_t> numbers = mine.flat();
      std::vector<std::uint64_t> sums(numbers.size());
      MPI_Reduce(numbers.data(), sums.data(), static_cast<int>(numbers.size()), MPI_UINT64_T, MPI_SUM, 0, comm);
      if (rank == 0) gathered_ = detail::run_figures::from_flat(sums, mine.channels.size(), mine.processes.size());
    }
    const bool everyone = !error && eng.lost() < 0 && eng.finished();
    gather_trace(comm, rt, rank, everyone);
    rows_.clear();
    if (figures_wanted_ && everyone) {  // the rows of the sub-networks each rank ran
      using wire = std::pair<std::vector<std::vector<std::string>>, std::vector<std::vector<std::string>>>;
      const detail::stats_rows mine = detail::sub_network_rows(rt.groups());
      const std::vector<std::vector<std::byte>> all = gather(comm, rank, csp::encode(wire{mine.channels, mine.processes}));
      for (std::size_t r = 1; r < all.size(); ++r) {
        auto [channels, processes] = csp::decode<wire>(all[r]);
        rows_.push_back({std::move(channels), std::move(processes)});
      }
    }
    pictures_.clear();
    if (pictures_wanted_ && everyone) {
      for (const std::vector<std::byte>& bytes : gather(comm, rank, detail::encode_picture(detail::picture_of(rt.groups(), true)))) {
        pictures_.push_back(detail::decode_picture(bytes));
      }
    }
    if (error) std::rethrow_exception(error);
    // The same outcome on every rank: the first failure rank 0 heard of.
    if (!eng.result().ok) {
      std::lock_guard lk(top.mu);
      top.first_error = error_of(eng.result());
    } else {
      std::lock_guard lk(top.mu);
      top.first_error = nullptr;
    }
  }

  // Every rank's `mine`, in rank order, at rank 0 (empty elsewhere). Collective.
  static std::vector<std::vector<std::byte>> gather(MPI_Comm comm, int rank, const std::vector<std::byte>& mine) {
    int size = 1;
    MPI_Comm_size(comm, &size);
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      throw csp::error("csp mpi: a rank's part of a picture or trace is larger than one MPI message may carry");
    }
    const int n = static_cast<int>(mine.size());
    std::vector<int> sizes(static_cast<std::size_t>(size)), at(static_cast<std::size_t>(size));
    MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, comm);
    std::vector<std::byte> bytes;
    if (rank == 0) {
      std::size_t total = 0;
      for (std::size_t r = 0; r < sizes.size(); ++r) {
        if (total > static_cast<std::size_t>(std::numeric_limits<int>::max()) - static_cast<std::size_t>(sizes[r])) {
          throw csp::error("csp mpi: the ranks' parts of a picture or trace are larger than one MPI message may carry");
        }
        at[r] = static_cast<int>(total);
        total += static_cast<std::size_t>(sizes[r]);
      }
      bytes.resize(total);
    }
    MPI_Gatherv(mine.data(), n, MPI_BYTE, bytes.data(), sizes.data(), at.data(), MPI_BYTE, 0, comm);
    std::vector<std::vector<std::byte>> out;
    if (rank != 0) return out;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      const auto from = bytes.begin() + at[r];
      out.emplace_back(from, from + sizes[r]);
    }
    return out;
  }

  // --csp-trace: every rank's part, to rank 0, when every rank is here (`all`); else rank 0's own.
  void gather_trace(MPI_Comm comm, const detail::runtime& rt, int rank, bool all) {
    traced_.reset();
    detail::tracer* t = rt.tracing();
    if (t == nullptr) return;
    if (!all) {
      if (rank == 0) traced_.emplace(std::vector{t->part(rt.groups(), rank)});
      return;
    }
    const std::vector<std::vector<std::byte>> parts = gather(comm, rank, t->part(rt.groups(), rank).encode());
    if (rank != 0) return;
    traced_.emplace();
    for (const std::vector<std::byte>& bytes : parts) traced_->push_back(detail::trace_part::decode(bytes));
  }

  void launch(detail::runtime& rt, detail::group& g, detail::process_state& p) {
    parkers_.push_back(std::make_unique<fiber::parker>(&p, true));
    p.park = parkers_.back().get();
    ++live_;
    try {
      bf::fiber(std::allocator_arg, bf::fixedsize_stack(stack_size), [this, &p] {
        detail::execute(p);
        --live_;
      }).detach();
    } catch (const std::exception& e) {
      detail::fail_to_start(rt, g, p, std::string("could not start its fiber: ") + e.what());
      --live_;
    }
  }

  static constexpr std::size_t stack_size = 64 * 1024;
  std::vector<config::placement_rule> rules_;
  std::chrono::milliseconds failure_timeout_;
  bool watched_;
  bool figures_wanted_;  // --csp-graph or --csp-stats: gather the figures at the end of a run
  bool pictures_wanted_;  // --csp-graph: gather every rank's picture of its sub-networks too
  std::vector<detail::picture> pictures_;  // rank 0: each rank's picture, in rank order
  std::vector<detail::stats_rows> rows_;  // rank 0: the other ranks' sub-networks' rows
  std::unique_ptr<progress_board> board_;  // --csp-progress: every rank's last figures (rank 0's copy counts)
  int world_rank_ = 0, world_size_ = 1;
  std::optional<detail::run_figures> gathered_;  // rank 0: the top-level figures, summed over the ranks
  std::optional<std::vector<detail::trace_part>> traced_;  // rank 0: every rank's part of the trace
  std::size_t live_ = 0;  // process fibers of this rank still running
  std::vector<std::unique_ptr<fiber::parker>> parkers_;
};

}  // namespace

std::unique_ptr<detail::backend> make_backend(const config& cfg) {
  const bool watched = ensure_mpi() >= MPI_THREAD_MULTIPLE;
  return std::make_unique<backend>(cfg.mpi.placement, std::chrono::milliseconds{cfg.mpi.failure_timeout_ms}, watched,
                                   !cfg.graph.empty() || cfg.stats, !cfg.graph.empty(), cfg.progress);
}

}  // namespace csp::mpi
