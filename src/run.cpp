// run(): check the network, turn it into a group, hand it to a backend, report the outcome.
#include <csp/run.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <csp/detail/backend.hpp>
#include <csp/detail/picture.hpp>
#include <csp/detail/progress.hpp>
#include <csp/detail/stats.hpp>
#include <csp/detail/trace.hpp>

#include <backends/thread/backend.hpp>
#if CSP_HAVE_FIBER
#include <backends/fiber/backend.hpp>
#endif
#if CSP_HAVE_TBB
#include <backends/tbb/backend.hpp>
#endif
#if CSP_HAVE_MPI
#include <backends/mpi/backend.hpp>
#endif
#if CSP_HAVE_CUDA
#include <backends/cuda/backend.hpp>
#endif

namespace csp {
namespace {

std::unique_ptr<detail::backend> make_backend(const config& cfg) {
  cfg.validate();
#if CSP_HAVE_FIBER
  if (cfg.backend == "fiber") return fiber::make_backend(cfg.threads);
#endif
#if CSP_HAVE_TBB
  if (cfg.backend == "tbb") return tbb::make_backend(cfg.threads);
#endif
#if CSP_HAVE_MPI
  if (cfg.backend == "mpi") return mpi::make_backend(cfg);
#endif
#if CSP_HAVE_CUDA
  if (cfg.backend == "cuda") return cuda::make_backend(cfg);
#endif
  if (cfg.backend == "thread") return thread::make_backend();
  throw config_error(fmt::format("backend '{}' is not built into this copy of csp", cfg.backend));
}

void rethrow_failure(const detail::group& g) {
  if (g.first_error) std::rethrow_exception(g.first_error);
}

// What a run shows of itself (docs/observability.md). --csp-graph: drawn as the run starts,
// and again with the message counts and the sub-networks once it has ended, however it ended,
// with a deadlock's wait-for graph beside it. --csp-stats: the table, printed to stderr at the
// end. --csp-progress: the live line on stderr meanwhile. --csp-trace: every address space
// records, the one that draws() writes the trace, of the parts the backend gathered. On a
// backend with several address spaces, only the one that draws() shows them.
class outputs {
 public:
  outputs(const config& cfg, const detail::backend& b)
      : graph_(b.draws() ? cfg.graph : std::string()),
        trace_file_(b.draws() ? cfg.trace : std::string()),
        observe_(cfg.stats),
        stats_(cfg.stats && b.draws()),
        progress_(cfg.progress && b.draws()),
        backend_(b) {
    where_ = b.name();
    if (const std::string more = b.where(); !more.empty()) where_ += ", " + more;
    // Before the network is consumed: a file that cannot be written is an error while the
    // network can still run with another configuration.
    if (!graph_.empty() && !std::ofstream(graph_, std::ios::app)) {
      throw config_error(fmt::format("graph: cannot write the picture '{}': {}", graph_, std::strerror(errno)));
    }
    if (!trace_file_.empty() && !std::ofstream(trace_file_, std::ios::app)) {
      throw config_error(fmt::format("trace: cannot write the trace '{}': {}", trace_file_, std::strerror(errno)));
    }
    if (!cfg.trace.empty()) tracer_ = std::make_unique<detail::tracer>(cfg.trace_limit);
    trace_limit_ = cfg.trace_limit;
  }

  void at_start(detail::runtime& rt) {
    if (observe_) rt.observe();  // everywhere: the drawing address space may sum the figures
    if (tracer_) rt.trace_into(*tracer_);  // likewise: it gathers the others' parts
    start_ = detail::clock::now();
    if (!graph_.empty()) draw(rt, false);
    if (progress_) line_ = std::make_unique<detail::progress_line>(rt, rt.groups().front()->name, true, backend_);
  }

  /// Never throws: the run's own outcome is what run() reports.
  void at_end(const detail::runtime& rt) const noexcept {
    if (line_) line_->stop();
    try {
      if (!graph_.empty()) draw(rt, true);
      if (!trace_file_.empty()) write_trace(rt);
      if (stats_) print_stats(rt);
    } catch (const std::exception& e) {
      std::cerr << "csp: warning: " << e.what() << '\n';
    }
  }

 private:
  void draw(const detail::runtime& rt, bool counts) const {
    const std::vector<detail::group*> groups = rt.groups();
    detail::picture p = detail::picture_of(groups, counts);
    p.where = where_;
    backend_.annotate(p, *groups.front());
    detail::write_picture(p, graph_);
    if (counts) draw_deadlock(*groups.front());
  }

  // A deadlock's wait-for graph, beside the picture (detail::deadlock_file).
  void draw_deadlock(detail::group& top) const {
    std::exception_ptr error;
    {
      std::lock_guard lk(top.mu);
      error = top.first_error;
    }
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const deadlock& d) {
      if (!d.graph().empty()) detail::write_dot(d.graph(), detail::deadlock_file(graph_));
    } catch (...) {
    }
  }

  void write_trace(const detail::runtime& rt) const {
    const std::vector<detail::trace_part>* gathered = backend_.trace_parts();
    const std::vector<detail::trace_part> parts = gathered != nullptr ? *gathered : std::vector{tracer_->part(rt.groups(), -1)};
    detail::write_trace(parts, rt.groups().front()->name, where_, trace_file_);
    std::uint64_t dropped = 0;
    for (const detail::trace_part& p : parts) dropped += p.dropped;
    if (dropped > 0) {
      std::cerr << fmt::format(
          "csp: the trace '{}' holds the end of the run only: {} older records were overwritten (it keeps {} per "
          "thread; --csp-trace-limit raises that)\n",
          trace_file_, dropped, trace_limit_);
    }
  }

  void print_stats(const detail::runtime& rt) const {
    const std::vector<detail::group*> groups = rt.groups();
    const detail::run_figures* summed = backend_.figures();
    const detail::run_figures top = summed != nullptr ? *summed : detail::figures_of(*groups.front());
    std::cerr << detail::stats_table(groups, top, where_, detail::clock::now() - start_, backend_.stats_elsewhere())
              << std::flush;
  }

  std::string graph_, trace_file_;
  bool observe_, stats_, progress_;
  std::unique_ptr<detail::tracer> tracer_;  // --csp-trace: in every address space
  std::size_t trace_limit_ = 0;
  std::unique_ptr<detail::progress_line> line_;
  const detail::backend& backend_;
  std::string where_;
  detail::clock::time_point start_{};
};

}  // namespace

// Defined here rather than in network.cpp: it is the one place that turns a network into a
// running group.
int run(network& net, const config& cfg) {
  if (net.ran_) {
    throw network_error(fmt::format("network '{}' has already run; build a new network to run again", net.name_));
  }
  std::string errors;
  for (const network::finding& f : net.check()) {
    if (f.error) {
      errors += "\n  " + f.message;
    } else {
      std::cerr << "csp: warning: " << f.message << '\n';
    }
  }
  if (!errors.empty()) throw network_error(fmt::format("network '{}' cannot run:{}", net.name_, errors));
  detail::process_state& self = detail::current();
  // A configuration that cannot run here is an error before anything is consumed: the
  // network can run again with a good one.
  std::unique_ptr<detail::backend> backend = self.rt == nullptr ? make_backend(cfg) : nullptr;
  std::optional<outputs> shown;
  if (backend) shown.emplace(cfg, *backend);
  net.ran_ = true;

  auto g = std::make_unique<detail::group>();
  g->name = net.name_;
  g->channels = net.channels_;
  for (process& p : net.processes_) {
    auto ps = std::make_unique<detail::process_state>();
    ps->name = p.name_;
    ps->body = std::move(p.body_);
    ps->ends = std::move(p.ends_);
    ps->propagate_poison = p.propagate_poison_;
    g->processes.push_back(std::move(ps));
  }
  net.processes_.clear();
  if (g->processes.empty()) return 0;

  if (self.rt != nullptr) {  // a sub-network, run from inside a process
    detail::runtime& rt = *self.rt;
    g->parent = self.grp;
    g->join.proc = &self;
    g->join.counted = true;
    g->join.joining = g.get();
    detail::group& sub = rt.admit(std::move(g));
    rt.get_backend().start(rt, sub);
    detail::wait(sub.join, nullptr);
    rethrow_failure(sub);
    return 0;
  }
  detail::runtime rt(*backend);
  detail::group& top = rt.admit(std::move(g));
  shown->at_start(rt);
  try {
    backend->run(rt, top);
  } catch (...) {
    shown->at_end(rt);
    throw;
  }
  shown->at_end(rt);
  rethrow_failure(top);
  return 0;
}

int run(network& net) {
  if (detail::current().rt != nullptr) return run(net, config{});
  return run(net, config::from_env());
}

}  // namespace csp
