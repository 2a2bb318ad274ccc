// A network: channels and processes, as data until run() (DESIGN.md section 1).
//
//   csp::network net;
//   auto numbers = net.channel<int>("numbers");
//   net.spawn("producer", producer, numbers.writer(), 1000);
//   net.spawn_n(4, "worker", worker, numbers.reader());       // worker[0] .. worker[3]
//   net.spawn(csp::sequence("setup-then-serve", csp::process("setup", setup),
//                                               csp::process("serve", serve, numbers.reader())));
//   csp::run(net);
//
// A process body is any callable; its arguments are stored with it and handed to it when the
// process starts, as rvalues when it takes them by value (so ends move in, without a second
// membership), as lvalues when it takes them by reference.
#pragma once

#include <array>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/channel.hpp>
#include <csp/detail/task.hpp>

namespace csp {

/// Passed first to a replicated body that accepts it: which copy this is, of how many.
struct replica {
  std::size_t index;
  std::size_t count;
};

namespace detail {

// Collects the channel ends among a process's arguments (for the wait-for graph, poison
// propagation and the checks of network::check()).
template <class T>
void collect_ends(const reader<T>& r, std::vector<end_ref>& out) {
  if (r && !r.is_retired()) out.push_back({r.core(), op_kind::recv});
}
template <class T>
void collect_ends(const writer<T>& w, std::vector<end_ref>& out) {
  if (w && !w.is_retired()) out.push_back({w.core(), op_kind::send});
}
template <class E, class A>
void collect_ends(const std::vector<E, A>& v, std::vector<end_ref>& out);
template <class E, std::size_t N>
void collect_ends(const std::array<E, N>& v, std::vector<end_ref>& out);
template <class T>
void collect_ends(const T&, std::vector<end_ref>&) {}
template <class E, class A>
void collect_ends(const std::vector<E, A>& v, std::vector<end_ref>& out) {
  for (const E& e : v) collect_ends(e, out);
}
template <class E, std::size_t N>
void collect_ends(const std::array<E, N>& v, std::vector<end_ref>& out) {
  for (const E& e : v) collect_ends(e, out);
}

}  // namespace detail

/// A body `F` that can run with arguments `Args` (as stored copies, passed as rvalues or
/// lvalues).
template <class F, class... Args>
concept process_body =
    std::is_invocable_v<std::decay_t<F>&, std::decay_t<Args>&&...> ||
    std::is_invocable_v<std::decay_t<F>&, std::decay_t<Args>&...>;

class network;
struct config;
int run(network& net, const config& cfg);

/// A named process not yet running: a body with its arguments bound.
class process {
 public:
  template <class F, class... Args>
    requires process_body<F, Args...>
  process(std::string name, F&& body, Args&&... args) : name_(std::move(name)) {
    (detail::collect_ends(args, ends_), ...);
    body_ = detail::task([f = std::decay_t<F>(std::forward<F>(body)),
                          a = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable {
      if constexpr (std::is_invocable_v<std::decay_t<F>&, std::decay_t<Args>&&...>) {
        std::apply([&f](auto&... v) { std::invoke(f, std::move(v)...); }, a);
      } else {
        std::apply(f, a);
      }
    });
  }

  const std::string& name() const noexcept { return name_; }

  /// When this process ends because of csp::poisoned, poison every channel whose end it was
  /// given (PyCSP's behaviour). Off by default: see docs/termination.md for the trade-off.
  process&& propagate_poison(bool on = true) && {
    propagate_poison_ = on;
    return std::move(*this);
  }

 private:
  friend class network;
  friend int run(network&, const config&);
  template <class... P>
  friend process parallel(std::string name, P&&... children);
  template <class... P>
  friend process sequence(std::string name, P&&... children);

  process(std::string name, detail::task body, std::vector<detail::end_ref> ends)
      : name_(std::move(name)), body_(std::move(body)), ends_(std::move(ends)) {}

  /// The children of a composite process, and every end they hold (the composite's ends).
  template <class... P>
  static std::pair<std::vector<process>, std::vector<detail::end_ref>> gather(P&&... children) {
    std::vector<process> kids;
    (kids.push_back(std::forward<P>(children)), ...);
    std::vector<detail::end_ref> ends;
    for (auto& k : kids) ends.insert(ends.end(), k.ends_.begin(), k.ends_.end());
    return {std::move(kids), std::move(ends)};
  }

  std::string name_;
  detail::task body_;
  std::vector<detail::end_ref> ends_;
  bool propagate_poison_ = false;
};

int run(network& net);

/// Processes and channels, to run together. Nothing executes until run().
class network {
 public:
  explicit network(std::string name = "network") : name_(std::move(name)) {}
  network(network&&) noexcept = default;
  network& operator=(network&&) noexcept = default;

  const std::string& name() const noexcept { return name_; }

  /// A new channel of `T` named `name` (names are for people: errors, reports, pictures).
  template <message T>
  csp::channel<T> channel(std::string name, flavor f = rendezvous()) {
    check_open("channel");
    auto c = csp::channel<T>::make(std::move(name), f);
    channels_.push_back(c.core());
    return c;
  }

  /// Adds a process: spawn(name, body, args...), or spawn(process).
  template <class F, class... Args>
    requires process_body<F, Args...>
  void spawn(std::string name, F&& body, Args&&... args) {
    spawn(process(std::move(name), std::forward<F>(body), std::forward<Args>(args)...));
  }
  void spawn(process p);

  /// Adds `n` copies of a process, named name[0] .. name[n-1], each with its own copy of the
  /// arguments (so each copy of an end is an end of its own). If the body accepts a
  /// csp::replica first, it is told its index.
  template <class F, class... Args>
  void spawn_n(std::size_t n, const std::string& name, F&& body, const Args&... args) {
    for (std::size_t i = 0; i < n; ++i) {
      std::string nm = name + "[" + std::to_string(i) + "]";
      if constexpr (process_body<F, replica, Args...>) {
        spawn(process(std::move(nm), body, replica{i, n}, args...));
      } else {
        static_assert(process_body<F, Args...>,
                      "spawn_n: the body cannot be called with these arguments (with or without "
                      "a leading csp::replica)");
        spawn(process(std::move(nm), body, args...));
      }
    }
  }

  /// A finding of check(): an error stops run(); a warning is printed by run() and goes on.
  struct finding {
    bool error;
    std::string message;
  };
  /// What run() would complain about: channels with readers but no writer (or the reverse),
  /// ends held by no process, duplicate process names.
  std::vector<finding> check() const;

  /// For tools and tests: the processes and channels added so far.
  std::size_t process_count() const noexcept { return processes_.size(); }
  const std::vector<std::shared_ptr<channels::channel_core>>& channels() const noexcept { return channels_; }

 private:
  friend int run(network&, const config&);
  void check_open(const char* what) const;

  std::string name_;
  std::vector<process> processes_;
  std::vector<std::shared_ptr<channels::channel_core>> channels_;
  bool ran_ = false;
};

/// A process that runs `children` concurrently, as a sub-network, and ends when all have.
template <class... P>
process parallel(std::string name, P&&... children) {
  static_assert((std::is_same_v<std::decay_t<P>, process> && ...), "parallel takes csp::process values");
  auto [kids, ends] = process::gather(std::forward<P>(children)...);
  auto body = [kids = std::move(kids), name]() mutable {
    network sub(name);
    for (auto& k : kids) sub.spawn(std::move(k));
    run(sub);
  };
  return process(std::move(name), detail::task(std::move(body)), std::move(ends));
}

/// A process that runs `children` one after another, in this process.
template <class... P>
process sequence(std::string name, P&&... children) {
  static_assert((std::is_same_v<std::decay_t<P>, process> && ...), "sequence takes csp::process values");
  auto [kids, ends] = process::gather(std::forward<P>(children)...);
  auto body = [kids = std::move(kids)]() mutable {
    for (auto& k : kids) {
      try {
        k.body_();
      } catch (const csp::poisoned&) {
        throw;
      } catch (const csp::retired&) {
        throw;
      } catch (...) {
        throw process_error(k.name_, std::current_exception());
      }
      k.body_ = detail::task{};
    }
  };
  return process(std::move(name), detail::task(std::move(body)), std::move(ends));
}

}  // namespace csp
