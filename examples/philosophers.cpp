// The dining philosophers, made safe by a butler who lets at most n-1 of them sit at once.
//
//                       sit, stand (shared by all philosophers)
//   philosopher[0..n-1] =====================================> butler
//     |   |   |                                                  |
//     |   |   +--meals (shared)--> steward <--------seating------+
//     |   |
//     |   +--"philosopher[i]->fork[i+1]"--> fork[i+1]    (see dining.hpp)
//     +------"philosopher[i]->fork[i]"----> fork[i]
//
// Each philosopher, `meals` times: asks the butler for a seat, picks up its left fork, then
// its right, eats, puts both down and stands up. Then it tells the steward how often it ate
// and ends; its ends retire as it ends. Forks and the butler are servers: they wait in an alt
// (fair_select) on their channels, with a precondition on the butler's `sit` guard (no seat
// while n-1 philosophers sit), and stop when every philosopher has retired from them; the
// butler then tells the steward how many sat at once at most. The steward prints it all and
// fails the run unless each philosopher ate `meals` times and never more than n-1 sat.
//
//   philosophers [--n=N] [--meals=M] [--csp-backend=fiber|thread] [--csp-threads=T]
#include <algorithm>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

#include "dining.hpp"

namespace {

using report = std::pair<int, int>;  // (philosopher, meals eaten)

void philosopher(int id, int meals, csp::writer<int> sit, csp::writer<int> stand,
                 csp::writer<int> left, csp::writer<int> right, csp::writer<report> steward) {
  int eaten = 0;
  for (int m = 0; m < meals; ++m) {
    sit.send(id);
    left.send(id);   // pick up
    right.send(id);
    ++eaten;
    left.send(id);   // put down
    right.send(id);
    stand.send(id);
  }
  steward.send({id, eaten});
}

void butler(int n, csp::reader<int> sit, csp::reader<int> stand, csp::writer<int> seating) {
  csp::alt alt;
  int seated = 0;
  int most_seated = 0;
  bool sit_open = true;
  bool stand_open = true;
  while (sit_open || stand_open) {
    int who = 0;
    try {
      switch (alt.fair_select(csp::input(sit, who).when(sit_open && seated < n - 1),
                              csp::input(stand, who).when(stand_open))) {
        case 0: most_seated = std::max(most_seated, ++seated); break;
        case 1: --seated; break;
      }
    } catch (const csp::retired& e) {  // every philosopher has retired from that channel
      (e.guard() == 0 ? sit_open : stand_open) = false;
    }
  }
  seating.send(most_seated);
}

void steward(csp::reader<report> reports, csp::reader<int> seating, int n, int meals) {
  std::vector<int> eaten(static_cast<std::size_t>(n), 0);
  for (const auto& [id, count] : reports) eaten[static_cast<std::size_t>(id)] = count;
  const int most_seated = seating.recv();
  bool ok = most_seated <= n - 1;
  for (int i = 0; i < n; ++i) {
    std::cout << "philosopher[" << i << "] ate " << eaten[static_cast<std::size_t>(i)] << " times\n";
    ok = ok && eaten[static_cast<std::size_t>(i)] == meals;
  }
  std::cout << "at most " << most_seated << " of " << n << " sat at once\n";
  if (!ok) {
    throw std::runtime_error("expected " + std::to_string(meals) + " meals each, with at most " +
                             std::to_string(n - 1) + " seated");
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int n = 5;
  int meals = 10;
  const example::flags flags(cfg, {"n", "meals"});
  n = flags.integer("n", n);
  meals = flags.integer("meals", meals);
  if (n < 2 || meals < 0) throw std::invalid_argument("need --n >= 2 and --meals >= 0");

  csp::network net("philosophers");
  auto sit = net.channel<int>("sit");
  auto stand = net.channel<int>("stand");
  auto reports = net.channel<report>("meals");
  auto seating = net.channel<int>("seating");
  const std::vector<dining::hands> hands = dining::lay_table(net, n);
  for (int i = 0; i < n; ++i) {
    const auto& h = hands[static_cast<std::size_t>(i)];
    net.spawn("philosopher[" + std::to_string(i) + "]", philosopher, i, meals, sit.writer(),
              stand.writer(), h.left.writer(), h.right.writer(), reports.writer());
  }
  net.spawn("butler", butler, n, sit.reader(), stand.reader(), seating.writer());
  net.spawn("steward", steward, reports.reader(), seating.reader(), n, meals);
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "philosophers: " << e.what() << '\n';
  return 1;
}
