// Pipes and queues between processes, the CSP way.
//
// The Python recipe: multiprocessing; two processes exchange objects over a Pipe (two ends,
// each can send and receive), and several producers and consumers share a Queue.
//
// A pipe is a pair of one-to-one rendezvous channels, one each way. A queue is one buffered
// channel with many writer and many reader ends: whoever is free takes the next object. The
// objects are parcels: a number, a string and a vector, moved through the channels whole.
//
//   pipe:    left --"left->right"--> right
//            left <--"right->left"-- right
//   queue:   producer[0..p-1] --queue (buffered 4, shared)--> consumer[0..c-1]
//   report:  consumer[0..c-1] --delivered (shared)--> collector
//            left --pipe report--> collector
//
// left sends n parcels through the pipe; right checks each is intact and sends it back; left
// checks that what came back is what it sent and reports how many round trips it made. Each
// producer puts n parcels of its own numbers on the queue; the consumers check each parcel
// they take and tell the collector its number. The collector checks that every parcel was
// delivered exactly once and that the pipe made n round trips, and prints
//
//   pipes_and_queues: pipe: 100 parcels there and back intact; queue: 3 producers, 2 consumers, 300 parcels each delivered once intact: ok
//
//   pipes_and_queues [--n=PARCELS] [--producers=P] [--consumers=C] [--csp-backend=NAME] [--csp-threads=T]
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

struct parcel {
  std::size_t number = 0;
  std::string label;
  std::vector<double> contents;
  bool operator==(const parcel&) const = default;
  /// cereal serialization: the codec that carries a parcel between ranks (docs/codecs.md).
  template <class Archive>
  void serialize(Archive& ar) {
    ar(number, label, contents);
  }
};

parcel make_parcel(std::size_t number) {
  parcel p{number, "parcel " + std::to_string(number) + " of the cookbook's recipe", {}};
  for (std::size_t k = 0; k <= number % 7; ++k) {
    p.contents.push_back(static_cast<double>(number) + 0.25 * static_cast<double>(k));
  }
  return p;
}

void check_intact(const parcel& p, const char* where) {
  if (p != make_parcel(p.number)) {
    throw std::runtime_error("parcel " + std::to_string(p.number) + " arrived damaged at " + where);
  }
}

void left(std::size_t n, csp::writer<parcel> to_right, csp::reader<parcel> from_right,
          csp::writer<std::size_t> report) {
  for (std::size_t i = 0; i < n; ++i) {
    const parcel sent = make_parcel(i);
    to_right.send(sent);
    if (from_right.recv() != sent) throw std::runtime_error("parcel " + std::to_string(i) + " came back changed");
  }
  to_right.retire();
  report.send(n);
}

void right(csp::reader<parcel> from_left, csp::writer<parcel> to_left) {
  for (parcel& p : from_left) {
    check_intact(p, "right");
    to_left.send(std::move(p));
  }
}

void producer(csp::replica self, std::size_t n, csp::writer<parcel> queue) {
  for (std::size_t i = 0; i < n; ++i) queue.send(make_parcel(self.index * n + i));
}

void consumer(csp::reader<parcel> queue, csp::writer<std::size_t> delivered) {
  for (const parcel& p : queue) {
    check_intact(p, "a consumer");
    delivered.send(p.number);
  }
}

void collector(std::size_t n, std::size_t producers, std::size_t consumers, csp::reader<std::size_t> delivered,
               csp::reader<std::size_t> pipe_report) {
  std::vector<bool> seen(n * producers, false);
  for (std::size_t number : delivered) {
    if (number >= seen.size() || seen[number]) {
      throw std::runtime_error("parcel " + std::to_string(number) + " delivered twice or never sent");
    }
    seen[number] = true;
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) throw std::runtime_error("parcel " + std::to_string(i) + " was never delivered");
  }
  const std::size_t round_trips = pipe_report.recv();
  if (round_trips != n) throw std::runtime_error("the pipe made " + std::to_string(round_trips) + " round trips");
  std::cout << "pipes_and_queues: pipe: " << round_trips << " parcels there and back intact; queue: " << producers
            << " producers, " << consumers << " consumers, " << seen.size()
            << " parcels each delivered once intact: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int n = 100;
  int producers = 3;
  int consumers = 2;
  const example::flags flags(cfg, {"n", "producers", "consumers"});
  n = flags.integer("n", n);
  producers = flags.integer("producers", producers);
  consumers = flags.integer("consumers", consumers);
  if (n < 0 || producers < 1 || consumers < 1) {
    throw std::invalid_argument("need --n >= 0, --producers >= 1 and --consumers >= 1");
  }
  const auto parcels = static_cast<std::size_t>(n);
  const auto p = static_cast<std::size_t>(producers);
  const auto c = static_cast<std::size_t>(consumers);

  csp::network net("pipes_and_queues");
  auto to_right = net.channel<parcel>("left->right");
  auto to_left = net.channel<parcel>("right->left");
  auto queue = net.channel<parcel>("queue", csp::buffered(4));
  auto delivered = net.channel<std::size_t>("delivered");
  auto pipe_report = net.channel<std::size_t>("pipe report");
  net.spawn("left", left, parcels, to_right.writer(), to_left.reader(), pipe_report.writer());
  net.spawn("right", right, to_right.reader(), to_left.writer());
  net.spawn_n(p, "producer", producer, parcels, queue.writer());
  net.spawn_n(c, "consumer", consumer, queue.reader(), delivered.writer());
  net.spawn("collector", collector, parcels, p, c, delivered.reader(), pipe_report.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "pipes_and_queues: " << e.what() << '\n';
  return 1;
}
