// One OS thread per process; blocking through csp::thread::parker (spin, then futex).
//
// Ownership: the backend owns every thread and parker it made until run() returns; threads
// started by sub-networks (start()) are joined by the same loop as the top-level ones.
#include <backends/thread/backend.hpp>

#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <backends/thread/parker.hpp>

namespace csp::thread {
namespace {

class backend final : public detail::backend {
 public:
  const char* name() const noexcept override { return "thread"; }

  void run(detail::runtime& rt, detail::group& g) override {
    start(rt, g);
    for (;;) {
      std::thread t;
      {
        std::lock_guard lk(mu_);
        if (threads_.empty()) return;
        t = std::move(threads_.back());
        threads_.pop_back();
      }
      t.join();  // a thread may add more (sub-networks) meanwhile: loop until none is left
    }
  }

  void start(detail::runtime& rt, detail::group& g) override {
    std::lock_guard lk(mu_);
    for (auto& p : g.processes) {
      parkers_.push_back(std::make_unique<parker>());
      p->park = parkers_.back().get();
    }
    for (auto& p : g.processes) {
      detail::process_state* ps = p.get();
      try {
        threads_.emplace_back([ps] { detail::execute(*ps); });
      } catch (const std::system_error& e) {
        detail::fail_to_start(rt, g, *ps, std::string("could not start its thread: ") + e.what());
      }
    }
  }

 private:
  std::mutex mu_;  // guards threads_, parkers_
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<parker>> parkers_;
};

}  // namespace

std::unique_ptr<detail::backend> make_backend() { return std::make_unique<backend>(); }

}  // namespace csp::thread
