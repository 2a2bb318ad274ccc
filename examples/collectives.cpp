// MPI collectives as process networks.
//
// The Python recipe: mpi4py; P ranks call comm.bcast, comm.scatter, comm.gather,
// comm.alltoall and comm.reduce, and each collective moves data among all of them at once.
//
// Here a rank is a process, rank[0] .. rank[P-1], and every ordered pair of ranks has one
// rendezvous channel, "rank[i]->rank[j]": a full mesh that each collective uses as it needs.
// A collective is a pattern of sends and receives on the mesh that every rank runs in the same
// order, so the messages of one collective never meet those of another.
//
//   rank[0] <===> rank[1]     <===> is two channels, one each way: "rank[i]->rank[j]" and
//      ^   \     /   ^          "rank[j]->rank[i]"; every pair of ranks is linked,
//      |     \ /     |          the diagonals too.
//      |     / \     |
//      v   /     \   v          broadcast, reduce  a binomial tree from / to the root
//   rank[3] <===> rank[2]       scatter, gather    the root to each rank / each rank to it
//                               all-to-all         P-1 steps; in step s, rank r sends to rank
//                                                  r+s and receives from rank r-s (mod P) at
//                                                  once, in an alt of both
//
// Every rank checks its own result of each collective against what it must be; rank[0]
// gathers the results and prints them, and ends with
//
//   collectives: 4 ranks, broadcast, scatter, gather, all-to-all, reduce: ok
//
// The mpi backend is to run each rank[r] on MPI rank r (the mesh channels then cross ranks).
//
//   collectives [--ranks=P] [--csp-backend=NAME] [--csp-threads=T]
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <csp/csp.hpp>

#include "flags.hpp"

namespace {

using buffer = std::vector<std::int64_t>;

std::string show(const buffer& b) {
  std::ostringstream s;
  s << '[';
  for (std::size_t i = 0; i < b.size(); ++i) s << (i ? " " : "") << b[i];
  s << ']';
  return s.str();
}

void expect(const buffer& got, const buffer& wanted, const std::string& what) {
  if (got != wanted) throw std::runtime_error(what + ": got " + show(got) + ", expected " + show(wanted));
}

/// One rank's ends of the mesh: to[j] sends to rank[j], from[j] receives from rank[j] (both
/// empty at j == rank).
class communicator {
 public:
  communicator(std::size_t rank, std::vector<csp::writer<buffer>> to, std::vector<csp::reader<buffer>> from)
      : rank_(rank), to_(std::move(to)), from_(std::move(from)) {}

  std::size_t rank() const { return rank_; }
  std::size_t size() const { return to_.size(); }

  /// Every rank returns the root's `data` (the others pass anything), down a binomial tree.
  buffer broadcast(buffer data, std::size_t root) {
    const std::size_t me = relative(root);
    std::size_t mask = 1;
    for (; mask < size(); mask <<= 1) {
      if (me & mask) {
        data = from_[absolute(me - mask, root)].recv();
        break;
      }
    }
    for (mask >>= 1; mask > 0; mask >>= 1) {
      if (me + mask < size()) to_[absolute(me + mask, root)].send(data);
    }
    return data;
  }

  /// Rank r returns chunks[r] of the root's `chunks` (the others pass none).
  buffer scatter(std::vector<buffer> chunks, std::size_t root) {
    if (rank_ != root) return from_[root].recv();
    for (std::size_t r = 0; r < size(); ++r) {
      if (r != root) to_[r].send(std::move(chunks[r]));
    }
    return std::move(chunks[root]);
  }

  /// The root returns every rank's `mine`, in rank order; the others return nothing.
  std::vector<buffer> gather(buffer mine, std::size_t root) {
    if (rank_ != root) {
      to_[root].send(std::move(mine));
      return {};
    }
    std::vector<buffer> all(size());
    for (std::size_t r = 0; r < size(); ++r) all[r] = r == root ? std::move(mine) : from_[r].recv();
    return all;
  }

  /// Sends outgoing[j] to rank j; returns, at j, what each rank sent to this one.
  std::vector<buffer> all_to_all(std::vector<buffer> outgoing) {
    std::vector<buffer> incoming(size());
    incoming[rank_] = std::move(outgoing[rank_]);
    for (std::size_t step = 1; step < size(); ++step) {
      const std::size_t to = (rank_ + step) % size();
      const std::size_t from = (rank_ + size() - step) % size();
      incoming[from] = exchange(to, std::move(outgoing[to]), from);
    }
    return incoming;
  }

  /// The root returns the element-wise sum of every rank's `mine`, up a binomial tree.
  buffer reduce(buffer mine, std::size_t root) {
    const std::size_t me = relative(root);
    for (std::size_t mask = 1; mask < size(); mask <<= 1) {
      if (me & mask) {
        to_[absolute(me - mask, root)].send(std::move(mine));
        return {};
      }
      if (me + mask < size()) {
        const buffer theirs = from_[absolute(me + mask, root)].recv();
        for (std::size_t i = 0; i < mine.size(); ++i) mine[i] += theirs.at(i);
      }
    }
    return mine;
  }

 private:
  std::size_t relative(std::size_t root) const { return (rank_ + size() - root) % size(); }
  std::size_t absolute(std::size_t relative_rank, std::size_t root) const {
    return (relative_rank + root) % size();
  }

  /// Sends `out` to rank `to` and receives from rank `from`, whichever is ready first, so that
  /// two ranks sending to each other at once do not deadlock.
  buffer exchange(std::size_t to, buffer out, std::size_t from) {
    buffer in;
    bool sent = false;
    bool received = false;
    while (!sent || !received) {
      switch (csp::pri_select(csp::output(to_[to], out).when(!sent),
                              csp::input(from_[from], in).when(!received))) {
        case 0: sent = true; break;
        case 1: received = true; break;
      }
    }
    return in;
  }

  std::size_t rank_;
  std::vector<csp::writer<buffer>> to_;
  std::vector<csp::reader<buffer>> from_;
};

// What each collective must give; every rank can work it out on its own.
buffer broadcast_data() { return {3, 1, 4, 1, 5, 9, 2, 6}; }
buffer scatter_chunk(std::size_t r) {
  const auto v = static_cast<std::int64_t>(r);
  return {10 * v, 10 * v + 1};
}
buffer gather_part(std::size_t r) { return {static_cast<std::int64_t>(r * r)}; }
buffer all_to_all_part(std::size_t from, std::size_t to) { return {static_cast<std::int64_t>(100 * from + to)}; }
buffer reduce_part(std::size_t r) { return {1, static_cast<std::int64_t>(r)}; }  // sums to {P, P(P-1)/2}

void print_parts(const std::string& title, const std::vector<buffer>& parts) {
  std::cout << title << ':';
  for (const buffer& b : parts) std::cout << ' ' << show(b);
  std::cout << '\n';
}

/// rank[0] prints `title` and every rank's `mine`, gathered.
void print_gathered(communicator& comm, const std::string& title, buffer mine) {
  const std::vector<buffer> all = comm.gather(std::move(mine), 0);
  if (comm.rank() == 0) print_parts(title, all);
}

void rank(std::size_t r, std::vector<csp::writer<buffer>> to, std::vector<csp::reader<buffer>> from) {
  communicator comm(r, std::move(to), std::move(from));
  const std::size_t p = comm.size();
  const std::size_t last = p - 1;

  buffer b = comm.broadcast(r == last ? broadcast_data() : buffer{}, last);
  expect(b, broadcast_data(), "broadcast");
  print_gathered(comm, "broadcast from rank[" + std::to_string(last) + "]", std::move(b));

  std::vector<buffer> chunks;
  for (std::size_t i = 0; r == 0 && i < p; ++i) chunks.push_back(scatter_chunk(i));
  buffer s = comm.scatter(std::move(chunks), 0);
  expect(s, scatter_chunk(r), "scatter");
  print_gathered(comm, "scatter from rank[0]", std::move(s));

  const std::vector<buffer> gathered = comm.gather(gather_part(r), 0);
  for (std::size_t i = 0; i < gathered.size(); ++i) expect(gathered[i], gather_part(i), "gather");
  if (r == 0) print_parts("gather to rank[0]", gathered);

  std::vector<buffer> outgoing;
  for (std::size_t j = 0; j < p; ++j) outgoing.push_back(all_to_all_part(r, j));
  const std::vector<buffer> incoming = comm.all_to_all(std::move(outgoing));
  buffer row;
  for (std::size_t i = 0; i < p; ++i) {
    expect(incoming[i], all_to_all_part(i, r), "all-to-all");
    row.push_back(incoming[i].front());
  }
  print_gathered(comm, "all-to-all", std::move(row));

  const buffer sum = comm.reduce(reduce_part(r), 0);
  if (r != 0) return;
  const auto ranks = static_cast<std::int64_t>(p);
  expect(sum, {ranks, ranks * (ranks - 1) / 2}, "reduce");
  std::cout << "reduce (sum) to rank[0]: " << show(sum) << '\n'
            << "collectives: " << p << " ranks, broadcast, scatter, gather, all-to-all, reduce: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  int ranks = 4;
  const example::flags flags(cfg, {"ranks"});
  ranks = flags.integer("ranks", ranks);
  if (ranks < 1) throw std::invalid_argument("need --ranks >= 1");
  const auto p = static_cast<std::size_t>(ranks);

  csp::network net("collectives");
  std::vector<std::vector<csp::writer<buffer>>> to(p, std::vector<csp::writer<buffer>>(p));
  std::vector<std::vector<csp::reader<buffer>>> from(p, std::vector<csp::reader<buffer>>(p));
  for (std::size_t i = 0; i < p; ++i) {
    for (std::size_t j = 0; j < p; ++j) {
      if (i == j) continue;
      auto link = net.channel<buffer>("rank[" + std::to_string(i) + "]->rank[" + std::to_string(j) + "]");
      to[i][j] = link.writer();
      from[j][i] = link.reader();
    }
  }
  for (std::size_t r = 0; r < p; ++r) {
    net.spawn("rank[" + std::to_string(r) + "]", rank, r, std::move(to[r]), std::move(from[r]));
  }
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "collectives: " << e.what() << '\n';
  return 1;
}
