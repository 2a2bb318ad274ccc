// The dining philosophers without a butler, forced into their deadlock, and the report csp
// gives when it happens.
//
//   philosopher[i] --"philosopher[i]->fork[i]"----> fork[i]      (left fork; see dining.hpp)
//   philosopher[i] --"philosopher[i]->fork[i+1]"--> fork[i+1]    (right fork, mod n)
//   philosopher[i] --holding--> host --go--> philosopher[i]
//
// Every philosopher picks up its left fork and tells the host; the host waits until all n
// hold one before it lets any reach for the right fork. Now each philosopher waits for its
// right neighbour to put a fork down, and nobody can: every process is blocked, none on a
// timer, so csp::run throws csp::deadlock. Its what() names each blocked process, the channel
// and operation it waits on, and the wait-for cycle among them; its graph() is that cycle as
// a picture, which --csp-graph=deadlock.svg writes to deadlock.deadlock.svg beside the
// network's own (docs/observability.md). (philosophers.cpp has the butler that prevents this.)
//
// Exits 0 only if the deadlock was reported.
//
//   deadlock [--n=N] [--csp-backend=fiber|thread] [--csp-threads=T] [--csp-graph=FILE]
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

#include "dining.hpp"

namespace {

void philosopher(int id, csp::writer<int> left, csp::writer<int> right,
                 csp::writer<int> holding, csp::reader<int> go) {
  left.send(id);     // pick up the left fork
  holding.send(id);  // tell the host
  go.recv();         // wait until every philosopher holds its left fork
  right.send(id);    // never completes: the right fork is the neighbour's left fork
}

void host(int n, csp::reader<int> holding, csp::writer<int> go) {
  for (int i = 0; i < n; ++i) holding.recv();
  for (int i = 0; i < n; ++i) go.send(i);
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int n = 3;
  const example::flags flags(cfg, {"n"});
  n = flags.integer("n", n);
  if (n < 2) throw std::invalid_argument("need --n >= 2");

  csp::network net("deadlock");
  auto holding = net.channel<int>("holding");
  auto go = net.channel<int>("go");
  const std::vector<dining::hands> hands = dining::lay_table(net, n);
  for (int i = 0; i < n; ++i) {
    const auto& h = hands[static_cast<std::size_t>(i)];
    net.spawn("philosopher[" + std::to_string(i) + "]", philosopher, i, h.left.writer(),
              h.right.writer(), holding.writer(), go.reader());
  }
  net.spawn("host", host, n, holding.reader(), go.writer());
  try {
    csp::run(net, cfg);
  } catch (const csp::deadlock& d) {
    std::cout << d.what();
    return 0;
  }
  std::cerr << "deadlock: the network ended without the deadlock it was built to reach\n";
  return 1;
} catch (const std::exception& e) {
  std::cerr << "deadlock: " << e.what() << '\n';
  return 1;
}
