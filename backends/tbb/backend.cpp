// Processes as oneTBB tasks in one task_arena per run.
//
// run() makes an arena of `threads` slots, none reserved for the calling thread, which waits
// outside it on a condition variable until every process (sub-networks' included) has ended.
// A global_control raises TBB's worker limit for the run, so that the arena gets `threads`
// workers even where that is more than the machine's cores (TBB's default allows one fewer).
// Each process is enqueued into the arena as a task; a process that blocks suspends its task
// (parker.hpp), and the worker goes on with other processes. A sub-network's processes are
// enqueued into the same arena by the process that runs it.
//
// csp::parallel_for runs tbb::parallel_for in an isolated region of the arena: the calling
// process's worker, while it waits for the chunks, takes only chunks of this loop, never another
// process's task, which would otherwise sit on top of the caller's stack until it ended.
#include <backends/tbb/backend.hpp>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <fmt/format.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

#include <backends/tbb/parker.hpp>
#include <backends/tbb/sanitizer.hpp>

namespace csp::tbb {
namespace {

class backend final : public detail::backend {
 public:
  explicit backend(int threads) : threads_(threads) {}

  const char* name() const noexcept override { return "tbb"; }
  std::string where() const override { return detail::threads_text(threads_); }

  void run(detail::runtime& rt, detail::group& g) override {
    ::tbb::global_control workers(::tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads_) + 1);
    arena_.emplace(threads_, 0);
    timers_.start();
    start(rt, g);
    {
      std::unique_lock lk(done_mu_);
      done_cv_.wait(lk, [this] { return tasks_ == 0; });
    }
    timers_.stop();
    arena_.reset();  // waits for the workers to leave it
  }

  void start(detail::runtime& rt, detail::group& g) override {
    std::size_t live = 0;
    {
      std::lock_guard lk(done_mu_);
      live = tasks_ + g.processes.size();
      if (live <= max_live()) {
        tasks_ = live;
        for (auto& p : g.processes) {
          parkers_.push_back(std::make_unique<parker>(p.get(), timers_));
          p->park = parkers_.back().get();
        }
      }
    }
    if (live > max_live()) {
      const std::string why = fmt::format(
          "the tbb backend runs at most {} processes at once with {} thread{} (oneTBB 2021.8 "
          "stops scheduling beyond about 4,000 suspended tasks), and network '{}' would make {}; "
          "run a network this wide on the fiber or thread backend",
          max_live(), threads_, threads_ == 1 ? "" : "s", g.name, live);
      for (auto& p : g.processes) detail::fail_to_start(rt, g, *p, why);
      return;
    }
    for (auto& p : g.processes) {
      detail::process_state* ps = p.get();
      try {
        sanitizer::release(ps);
        arena_->enqueue([this, ps] {
          sanitizer::enter(static_cast<parker*>(ps->park)->sanitizer_fiber(), ps);
          detail::execute(*ps);
          sanitizer::leave();
          finished();
        });
      } catch (const std::exception& e) {
        detail::fail_to_start(rt, g, *ps, std::string("could not start its task: ") + e.what());
        finished();
      }
    }
  }

  void parallel_chunks(std::size_t n, std::size_t grain,
                       void (*chunk)(void*, std::size_t, std::size_t), void* context) override {
    // While it waits for the chunks, libtbb may run other chunks, or resume a suspended process,
    // on this thread: after the loop, the caller is made current again (and, under
    // ThreadSanitizer, gets its fiber back), whether the loop returned or threw.
    detail::process_state& self = detail::current();
    int started = 0, ended = 0;  // sanitizer tags: the loop's start and end
    sanitizer::release(&started);
    sanitizer::to_dispatcher();
    struct back_to_caller {
      detail::process_state& self;
      const int& ended;
      ~back_to_caller() {
        sanitizer::enter(static_cast<parker*>(self.park)->sanitizer_fiber(), &ended);
        detail::set_current(&self);
      }
    } guard{self, ended};
    ::tbb::this_task_arena::isolate([&] {
      ::tbb::parallel_for(::tbb::blocked_range<std::size_t>(0, n, grain),
                          [&](const ::tbb::blocked_range<std::size_t>& r) {
                            sanitizer::chunk_begins(&started);
                            try {
                              chunk(context, r.begin(), r.end());
                            } catch (...) {
                              sanitizer::chunk_ends(&ended);  // libtbb carries the exception over
                              throw;
                            }
                            sanitizer::chunk_ends(&ended);
                          });
    });
  }

 private:
  /// oneTBB 2021.8 counts an arena's coroutines in 12 bits (`ref_external`, arena.h): past
  /// 4,095 the count spills into its worker count and the arena stops scheduling. Every
  /// suspended process holds a coroutine, and so may each worker: the live processes of a run
  /// stay under that, with room to spare.
  std::size_t max_live() const { return 4000 - static_cast<std::size_t>(threads_); }


  void finished() {
    std::lock_guard lk(done_mu_);
    if (--tasks_ == 0) done_cv_.notify_all();
  }

  int threads_;
  std::optional<::tbb::task_arena> arena_;  // for the run
  timers timers_;
  std::mutex done_mu_;  // guards tasks_, parkers_
  std::condition_variable done_cv_;  // tasks_ reached 0
  std::size_t tasks_ = 0;            // processes enqueued and not yet ended
  std::vector<std::unique_ptr<parker>> parkers_;
};

}  // namespace

std::unique_ptr<detail::backend> make_backend(int threads) { return std::make_unique<backend>(threads); }

}  // namespace csp::tbb
