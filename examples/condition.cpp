// A condition variable, the CSP way: the bounded buffer is the condition.
//
// The Python recipe: a producer and a consumer share a list guarded by threading.Condition;
// the consumer wait()s while the list is empty, the producer wait()s while it is full, and
// each notify()s the other after changing it.
//
// Here the list, the lock and both waits are one bounded channel: a send waits while the
// buffer is full, a receive while it is empty, and nobody notifies anybody.
//
//   producer --items (buffered N)--> consumer
//       |                                ^
//       +------------report--------------+
//
// The producer sends 0..n-1 and retires `items`, then reports on `report` the most it ever
// got ahead of the consumer. "Ahead" is counted, not timed: the consumer adds one to a shared
// counter after each receive, and the producer reads the counter after each send. When a send
// has returned, at most N values are in the buffer, and the consumer may hold one more that
// it received but has not counted yet, so the producer can never be more than N + 1 ahead;
// it would be if the buffer let it through while full. The consumer checks that it received
// 0..n-1 in order and that the report is within N + 1, and prints (the lead varies):
//
//   condition: 1000 items in order through a buffer of 8, the producer at most 9 ahead (limit 9): ok
//
//   condition [--n=ITEMS] [--buffer=N] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

using count = std::int64_t;

void producer(count n, csp::writer<count> items, csp::writer<count> report,
              const std::atomic<count>& received) {
  count most_ahead = 0;
  for (count i = 0; i < n; ++i) {
    items.send(i);
    most_ahead = std::max(most_ahead, i + 1 - received.load());
  }
  items.retire();
  report.send(most_ahead);
}

void consumer(count n, count buffer, csp::reader<count> items, csp::reader<count> report,
              std::atomic<count>& received) {
  for (count v : items) {
    if (v != received.load()) {
      throw std::runtime_error("received " + std::to_string(v) + ", expected " + std::to_string(received.load()));
    }
    ++received;
  }
  if (received.load() != n) throw std::runtime_error("received " + std::to_string(received.load()) + " items");
  const count most_ahead = report.recv();
  if (most_ahead > buffer + 1) {
    throw std::runtime_error("the producer got " + std::to_string(most_ahead) + " ahead of a buffer of " +
                             std::to_string(buffer));
  }
  std::cout << "condition: " << n << " items in order through a buffer of " << buffer << ", the producer at most "
            << most_ahead << " ahead (limit " << buffer + 1 << "): ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  count n = 1000;
  count buffer = 8;
  const example::flags flags(cfg, {"n", "buffer"});
  n = flags.integer("n", n);
  buffer = flags.integer("buffer", buffer);
  if (n < 0 || buffer < 1) throw std::invalid_argument("need --n >= 0 and --buffer >= 1");

  std::atomic<count> received{0};
  csp::network net("condition");
  auto items = net.channel<count>("items", csp::buffered(static_cast<std::size_t>(buffer)));
  auto report = net.channel<count>("report");
  net.spawn("producer", producer, n, items.writer(), report.writer(), std::cref(received));
  net.spawn("consumer", consumer, n, buffer, items.reader(), report.reader(), std::ref(received));
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "condition: " << e.what() << '\n';
  return 1;
}
