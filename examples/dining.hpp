// The table shared by philosophers.cpp and deadlock.cpp: forks, and the channels between
// philosophers and forks.
//
//   philosopher[i] --"philosopher[i]->fork[i]"-----> fork[i]      (its left fork)
//   philosopher[i] --"philosopher[i]->fork[i+1]"---> fork[i+1]    (its right fork, mod n)
//
// A philosopher sends its own number on a fork's channel to pick the fork up, and sends it
// again to put it down. A fork is a server process: it waits in an alt for either neighbour,
// then listens only to that neighbour until the fork is put down.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>

namespace dining {

/// Serves two neighbours until both have retired. Throws if a put-down comes from someone
/// other than the philosopher holding the fork (the protocol is broken).
inline void fork(csp::reader<int> left, csp::reader<int> right) {
  csp::alt alt;
  bool left_open = true;
  bool right_open = true;
  while (left_open || right_open) {
    int holder = -1;
    std::size_t side = 0;
    try {
      side = alt.fair_select(csp::input(left, holder).when(left_open),
                             csp::input(right, holder).when(right_open));
    } catch (const csp::retired& e) {  // that neighbour has finished: stop listening to it
      (e.guard() == 0 ? left_open : right_open) = false;
      continue;
    }
    const int put_down_by = (side == 0 ? left : right).recv();
    if (put_down_by != holder) {
      throw std::logic_error("philosopher " + std::to_string(put_down_by) +
                             " put down a fork held by philosopher " + std::to_string(holder));
    }
  }
}

/// The channels of one philosopher to its two forks.
struct hands {
  csp::channel<int> left;   // to fork[i]
  csp::channel<int> right;  // to fork[(i + 1) % n]
};

/// Makes the 2n fork channels of a table of `n` and spawns the n forks into `net`;
/// returns each philosopher's hands, for the caller to hand their writer ends out.
inline std::vector<hands> lay_table(csp::network& net, int n) {
  auto name = [](int p, int f) {
    return "philosopher[" + std::to_string(p) + "]->fork[" + std::to_string(f) + "]";
  };
  std::vector<hands> h;
  for (int i = 0; i < n; ++i) {
    h.push_back({net.channel<int>(name(i, i)), net.channel<int>(name(i, (i + 1) % n))});
  }
  for (int f = 0; f < n; ++f) {
    // fork[f] is the left fork of philosopher f and the right fork of philosopher f-1.
    net.spawn("fork[" + std::to_string(f) + "]", fork, h[f].left.reader(),
              h[(f + n - 1) % n].right.reader());
  }
  return h;
}

}  // namespace dining
