// The peers, behind csp::network's vocabulary, so that each scenario builds its graph once (a
// template over the network type) and runs it on ours and on the peer alike:
//
//   Net net;                                              // csp::network, thread_net, fiber_net
//   auto a = net.template channel<long>("a");            // rendezvous; or csp::buffered(128)
//   net.spawn("p", [](auto out, long n) { ... out.send(v); ... }, a.writer(), n);
//   net.spawn("q", [](auto in, long n) { ... in.recv(); ... }, a.reader(), n);
//
//   thread_net     one std::thread per process; rendezvous channels are condvar_channel.
//   fiber_net<C>   one Boost.Fiber fiber per process on a fresh thread (round_robin), or on N
//                  threads sharing Boost's shared_work queue; channels are C<T>
//                  (boost::fibers::unbuffered_channel or buffered_channel).
//
// The peers have no termination protocol: every process runs a fixed count, so nothing ever
// closes a channel (Boost 1.74's unbuffered_channel::close() can resume a writer twice,
// DESIGN.md section 7), and a process body must not throw (it would std::terminate).
#pragma once

#include <boost/fiber/algo/shared_work.hpp>
#include <boost/fiber/all.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/channel.hpp>

namespace csp_bench {

/// A rendezvous channel from a mutex and two condition variables: one slot; push() returns
/// once a reader has taken its value. Named like Boost's channels so that the same ends serve
/// both. Any number of readers and writers.
template <class T>
class condvar_channel {
 public:
  void push(T v) {
    std::unique_lock lk(mu_);
    emptied_.wait(lk, [this] { return !slot_; });
    slot_.emplace(std::move(v));
    const std::uint64_t ticket = ++pushed_;
    filled_.notify_one();
    emptied_.wait(lk, [&] { return popped_ >= ticket; });
  }
  T value_pop() {
    std::unique_lock lk(mu_);
    filled_.wait(lk, [this] { return slot_.has_value(); });
    T v = std::move(*slot_);
    slot_.reset();
    ++popped_;
    lk.unlock();
    emptied_.notify_all();  // the writer waiting for its ticket, and writers waiting for the slot
    return v;
  }

 private:
  std::mutex mu_;
  std::condition_variable filled_;   // the slot holds a value
  std::condition_variable emptied_;  // the slot was emptied (popped_ advanced)
  std::optional<T> slot_;
  std::uint64_t pushed_ = 0, popped_ = 0;
};

/// The reader and writer ends of a peer channel C (Boost's or condvar_channel).
template <class C>
struct peer_reader {
  std::shared_ptr<C> c;
  auto recv() { return c->value_pop(); }
};
template <class C>
struct peer_writer {
  std::shared_ptr<C> c;
  template <class V>
  void send(V&& v) {
    c->push(std::forward<V>(v));
  }
};
template <class C>
struct peer_channel {
  std::shared_ptr<C> c;
  peer_reader<C> reader() const { return {c}; }
  peer_writer<C> writer() const { return {c}; }
};

namespace detail {

/// The part of a peer network that stores processes: each a body with its arguments bound.
class process_list {
 public:
  template <class F, class... Args>
  void spawn(const std::string&, F body, Args... args) {
    bodies_.emplace_back([body = std::move(body), a = std::make_tuple(std::move(args)...)]() mutable {
      std::apply([&](auto&... v) { body(std::move(v)...); }, a);
    });
  }

 protected:
  std::vector<std::function<void()>> bodies_;
};

}  // namespace detail

/// One std::thread per process, condvar_channel rendezvous channels.
class thread_net : public detail::process_list {
 public:
  template <class T>
  peer_channel<condvar_channel<T>> channel(const std::string&, csp::flavor f = csp::rendezvous()) {
    if (f.k != csp::flavor::kind::rendezvous) throw std::logic_error("thread_net: rendezvous channels only");
    return {std::make_shared<condvar_channel<T>>()};
  }
  void run() {
    std::vector<std::thread> threads;
    for (auto& b : bodies_) threads.emplace_back(std::move(b));
    for (auto& t : threads) t.join();
  }
};

/// One Boost.Fiber fiber per process, on `threads` fresh threads: round_robin (Boost's
/// default) for one, shared_work for more, told to sleep when idle (suspend = true: Boost's
/// schedulers otherwise spin, DESIGN.md section 7). Channels are Channel<T>.
template <template <class> class Channel>
class fiber_net : public detail::process_list {
 public:
  explicit fiber_net(int threads) : threads_(threads) {}

  /// rendezvous() for unbuffered_channel; buffered(n) for buffered_channel, whose capacity
  /// must be a power of 2 and which holds n - 1 values.
  template <class T>
  peer_channel<Channel<T>> channel(const std::string&, csp::flavor f = csp::rendezvous()) {
    if constexpr (std::is_constructible_v<Channel<T>, std::size_t>) {
      return {std::make_shared<Channel<T>>(f.capacity)};
    } else {
      if (f.k != csp::flavor::kind::rendezvous) throw std::logic_error("fiber_net: this channel is rendezvous only");
      return {std::make_shared<Channel<T>>()};
    }
  }

  void run() {
    std::thread([this] {
      if (threads_ == 1) {
        run_fibers();
        return;
      }
      namespace bf = boost::fibers;
      bf::use_scheduling_algorithm<bf::algo::shared_work>(true);
      bf::mutex mu;
      bf::condition_variable cv;
      bool done = false;
      std::vector<std::thread> helpers;
      for (int i = 1; i < threads_; ++i) {
        helpers.emplace_back([&] {
          bf::use_scheduling_algorithm<bf::algo::shared_work>(true);
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return done; });  // runs the shared fibers meanwhile
        });
      }
      run_fibers();
      {
        std::lock_guard lk(mu);
        done = true;
      }
      cv.notify_all();
      for (auto& h : helpers) h.join();
    }).join();
  }

 private:
  void run_fibers() {
    std::vector<boost::fibers::fiber> fibers;
    for (auto& b : bodies_) fibers.emplace_back(std::move(b));
    for (auto& f : fibers) f.join();
  }

  int threads_;
};

}  // namespace csp_bench
