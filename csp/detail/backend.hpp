// What a backend provides (DESIGN.md section 3): where processes run and how they block.
// Channels and alt never see this interface; they see only `parker` (waiter.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <csp/detail/progress.hpp>
#include <csp/detail/runtime.hpp>
#include <csp/detail/stats.hpp>

namespace csp::detail {

struct picture;
struct trace_part;

/// What the cuda backend offers the stages of its run when it found a usable GPU
/// (networks/detail/gpu_stages.cuh): the device and the [cuda] options.
struct gpu_offer {
  int device = 0;          ///< the CUDA device the stages use
  std::size_t batch = 1;   ///< cuda.batch: most values sent to the GPU at once
  int streams = 1;         ///< cuda.streams: batches in flight at once
};

class backend {
 public:
  virtual ~backend() = default;
  virtual const char* name() const noexcept = 0;

  /// Runs the top-level group `g` of `rt` to completion. The caller is not a process; it
  /// returns when every process of `g` (and of any sub-network they ran) has ended.
  virtual void run(runtime& rt, group& g) = 0;

  /// Starts the processes of a sub-network `g` from inside a running process. They run
  /// concurrently with the caller, which then waits on `g.join`.
  virtual void start(runtime& rt, group& g) = 0;

  /// csp::parallel_for (csp/parallel.hpp): calls chunk(context, begin, end) over chunks of
  /// at least `grain` indices covering [0, n), and returns when every call has returned. The
  /// default runs one chunk on the calling process; a backend with a worker pool spreads them.
  virtual void parallel_chunks(std::size_t n, std::size_t grain,
                               void (*chunk)(void*, std::size_t, std::size_t), void* context) {
    (void)grain;
    if (n > 0) chunk(context, 0, n);
  }

  /// The GPU that stages of this run may use, or null: every backend but cuda, and cuda
  /// without a usable device (its stages then run on the host).
  virtual const gpu_offer* gpu() const noexcept { return nullptr; }
  /// Lets the other processes on this thread run for a moment: a stage waiting for its GPU
  /// work polls, and calls this between polls. By default, nothing (a process is a thread).
  virtual void pause() noexcept {}
  /// More about where the run's processes are, after the backend's name in the picture's
  /// caption, the stats header and the trace ("2 threads", "1 thread, GPU 0: ..."), or empty.
  virtual std::string where() const { return {}; }

  /// --csp-graph and --csp-stats (picture.hpp, stats.hpp). Whether this address space shows
  /// them: the mpi backend's rank 0 only.
  virtual bool draws() const noexcept { return true; }
  /// Adds what only the backend knows to the picture of `top`'s run (whose processes and
  /// channels come first in it, in order): where it runs, each process's rank, the message
  /// counts of channels carried between address spaces, and, at the end, the sub-networks
  /// that ran in other address spaces.
  virtual void annotate(picture& p, const group& top) const {
    (void)p;
    (void)top;
  }
  /// --csp-stats (stats.hpp), after run(): the top-level figures summed over every address
  /// space where this one draws, or null to use this address space's own.
  virtual const run_figures* figures() const noexcept { return nullptr; }
  /// --csp-stats, after run(): the rows of sub-networks that ran in other address spaces.
  virtual std::vector<stats_rows> stats_elsewhere() const { return {}; }
  /// --csp-progress (progress.hpp): whether this address space's stderr reaches a terminal,
  /// where the live line belongs. By default, whether stderr is one.
  virtual bool on_a_terminal() const noexcept;
  /// --csp-progress: what the other address spaces of the run last said of their channels and
  /// processes, to add to this one's. Called from the line's own thread.
  virtual progress_sample progress_elsewhere() const { return {}; }
  /// --csp-trace (trace.hpp), after run(): every address space's part of the trace, gathered
  /// where this one draws, or null to use this address space's own.
  virtual const std::vector<trace_part>* trace_parts() const noexcept { return nullptr; }
};

/// "1 thread", "2 threads": what backend::where() says of a backend with a pool of threads.
inline std::string threads_text(int threads) {
  return std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

/// Runs one process's body on the calling thread or fiber: sets current(), turns its end into
/// the runtime's bookkeeping (errors, poison propagation, ended()). Backends call this.
void execute(process_state& p) noexcept;

/// For a process its backend could not start: it fails with `why` (reported as the process's
/// error), its group shuts down, and it counts as ended. Backends call this.
void fail_to_start(runtime& rt, group& g, process_state& p, const std::string& why);

}  // namespace csp::detail
