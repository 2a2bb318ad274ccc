// Processes as Boost.Fiber fibers.
//
// A run gets a thread of its own (so the caller's thread keeps whatever Boost.Fiber scheduler
// it had) and, with --csp-threads=N, N-1 helper threads, all under csp's scheduling policy
// (algorithm.hpp): fibers stay on the thread that readied them unless another thread is idle
// and steals them; idle threads sleep. The helper threads install the policy before anything depends on them, and the
// run's thread waits fiber-aware (so it runs fibers meanwhile) until every fiber, those of
// sub-networks included, has finished. With one thread, the run's channels are bound to it
// for the run (detail::channel_lock) and parkers take no lock (parker.hpp, P5): a
// communication then costs no atomic read-modify-write but the deadlock count's.
#include <backends/fiber/backend.hpp>

#include <boost/fiber/all.hpp>

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <backends/fiber/algorithm.hpp>
#include <backends/fiber/parker.hpp>
#include <channels/channel_core.hpp>

namespace csp::fiber {
namespace {

namespace bf = boost::fibers;

class backend final : public detail::backend {
 public:
  backend(int threads, std::size_t stack_size) : threads_(threads), stack_size_(stack_size) {
    set_stack_size(stack_size);
  }

  const char* name() const noexcept override { return "fiber"; }
  std::string where() const override { return detail::threads_text(threads_); }

  void run(detail::runtime& rt, detail::group& g) override {
    std::exception_ptr error;
    std::thread runner([&] {
      prepare_thread();
      try {
        run_here(rt, g);
      } catch (...) {
        error = std::current_exception();
      }
    });
    runner.join();
    if (error) std::rethrow_exception(error);
  }

  void start(detail::runtime& rt, detail::group& g) override {
    if (threads_ == 1) {
      for (auto& c : g.channels) c->bind_to_this_thread();  // channel_lock
    }
    for (auto& p : g.processes) {
      detail::process_state* ps = p.get();
      {
        std::lock_guard lk(parkers_mu_);
        parkers_.push_back(std::make_unique<parker>(ps, threads_ == 1));
        ps->park = parkers_.back().get();
      }
      fibers_.fetch_add(1, std::memory_order_relaxed);
      try {
        bf::fiber(std::allocator_arg, bf::fixedsize_stack(stack_size_), [this, ps] {
          detail::execute(*ps);
          finished();
        }).detach();
      } catch (const std::exception& e) {
        detail::fail_to_start(rt, g, *ps, std::string("could not start its fiber: ") + e.what());
        finished();
      }
    }
  }

 private:
  void run_here(detail::runtime& rt, detail::group& g) {
    std::vector<std::thread> helpers;
    if (threads_ == 1) {
      rt.set_exclusive();
      bf::use_scheduling_algorithm<policy>(nullptr);
    } else {
      auto shared = std::make_shared<pool>(threads_);
      bf::use_scheduling_algorithm<policy>(shared);
      for (int i = 1; i < threads_; ++i) {
        helpers.emplace_back([this, shared] {
          prepare_thread();
          bf::use_scheduling_algorithm<policy>(shared);
          // Poll rather than wait on a condition variable: notifying a helper from another
          // thread goes through Boost's remote queue, and Boost calls the helper's policy
          // after handing the context over, so the helper could already be gone.
          while (!stop_.load(std::memory_order_acquire)) {
            boost::this_fiber::sleep_for(std::chrono::milliseconds(1));
          }
        });
      }
    }
    start(rt, g);
    {
      std::unique_lock lk(done_mu_);
      done_cv_.wait(lk, [this] { return fibers_.load(std::memory_order_acquire) == 0; });
    }
    stop_.store(true, std::memory_order_release);
    for (auto& h : helpers) h.join();
    for (detail::group* each : rt.groups()) {
      for (auto& c : each->channels) c->unbind();
    }
  }

  void finished() {
    if (fibers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lk(done_mu_);
      done_cv_.notify_all();
    }
  }

  int threads_;
  std::size_t stack_size_;
  std::atomic<std::size_t> fibers_{0};  // fibers started and not yet finished
  bf::mutex done_mu_;
  bf::condition_variable done_cv_;      // fibers_ reached 0
  std::atomic<bool> stop_{false};       // helpers may stop
  std::mutex parkers_mu_;
  std::vector<std::unique_ptr<parker>> parkers_;
};

}  // namespace

std::unique_ptr<detail::backend> make_backend(int threads, std::size_t stack_size) {
  return std::make_unique<backend>(threads, stack_size);
}

}  // namespace csp::fiber
