// An event, the CSP way.
//
// The Python recipe: threading.Event; one thread calls set() and every thread blocked in
// wait() goes on, as does every later wait().
//
// Here the event is a process whose state is where it is in its program: first it waits for
// `set`; from then on it hands a wake-up to any waiter that asks on `wake`, until every waiter
// has retired. A waiter waits by receiving on `wake`, so before the set it blocks in that
// receive, and after it passes at once. So that every run shows waiters blocked on the event,
// the setter sets it only when each waiter has said on `ready` that it is about to wait.
//
//   waiter[0..n-1] --ready (shared)--> setter --set--> event --wake (shared)--> waiter[0..n-1]
//
//   setter, waiter[0..n-1] --log (shared)--> auditor
//
// The setter logs "set" before it sets; each waiter logs "passed" when its wait has returned.
// A log send completes only when the auditor has taken it, so the auditor sees "set" before
// any "passed" unless a waiter got past the event before it was set. It checks that, and that
// every waiter passed once, and prints
//
//   event: 8 waiters reached the wait before the set, none passed before it: ok
//
//   event [--n=WAITERS] [--csp-backend=NAME] [--csp-threads=T]
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

/// What the auditor is told: the event was set, or this waiter passed.
struct note {
  bool set;
  std::size_t waiter;
};

void setter(std::size_t waiters, csp::reader<int> ready, csp::writer<note> log, csp::writer<int> set) {
  for (std::size_t i = 0; i < waiters; ++i) ready.recv();
  log.send({true, 0});
  set.send(0);
}

// Ends when every waiter has retired from `wake` (the send throws csp::retired).
void event(csp::reader<int> set, csp::writer<int> wake) {
  set.recv();
  for (;;) wake.send(0);
}

void waiter(csp::replica self, csp::writer<int> ready, csp::reader<int> wake, csp::writer<note> log) {
  ready.send(0);
  wake.recv();
  log.send({false, self.index});
}

void auditor(std::size_t waiters, csp::reader<note> log) {
  bool set = false;
  std::vector<int> passed(waiters, 0);
  for (const note& n : log) {
    if (n.set) {
      set = true;
    } else if (!set) {
      throw std::runtime_error("waiter[" + std::to_string(n.waiter) + "] passed before the event was set");
    } else {
      ++passed[n.waiter];
    }
  }
  for (std::size_t i = 0; i < waiters; ++i) {
    if (passed[i] != 1) throw std::runtime_error("waiter[" + std::to_string(i) + "] did not pass once");
  }
  std::cout << "event: " << waiters << " waiters reached the wait before the set, none passed before it: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int waiters = 8;
  const example::flags flags(cfg, {"n"});
  waiters = flags.integer("n", waiters);
  if (waiters < 1) throw std::invalid_argument("need --n >= 1");
  const auto n = static_cast<std::size_t>(waiters);

  csp::network net("event");
  auto set = net.channel<int>("set");
  auto wake = net.channel<int>("wake");
  auto log = net.channel<note>("log");
  auto ready = net.channel<int>("ready");
  net.spawn("setter", setter, n, ready.reader(), log.writer(), set.writer());
  net.spawn("event", event, set.reader(), wake.writer());
  net.spawn_n(n, "waiter", waiter, ready.writer(), wake.reader(), log.writer());
  net.spawn("auditor", auditor, n, log.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "event: " << e.what() << '\n';
  return 1;
}
