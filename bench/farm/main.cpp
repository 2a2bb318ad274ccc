// farm: a farm of CPU-bound work items (Mandelbrot rows) against tbb::parallel_for over the
// same rows, both on 2 threads, timed per row.
//
//              +--> worker[0] --+
//   farmer --rows--> ...  --results--> harvester     rows, results: rendezvous, any-to-any
//              +--> worker[w-1]-+
//
// The farmer sends row numbers 0..h-1 and retires; each worker computes the escape counts of
// its row and sends (row, sum of counts); the harvester adds every row's sum once and checks
// the total against a sequential computation. The peer computes the same rows with
// tbb::parallel_for (one row per index, TBB's auto partitioner) in a task_arena of 2 threads.
//
// Contenders, run in interleaved rounds:
//   ours tbb/2             csp network on the tbb backend, 2 threads, 8 workers
//   tbb parallel_for/2     tbb::parallel_for in a task_arena(2)
//   ours fiber/2           the same network on the fiber backend, 2 threads (for the record)
// Target (DESIGN.md section 7): ours tbb/2 at >= 0.95x the peer's throughput, that is a time
// ratio <= 1.053.
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <complex>
#include <utility>

#include <csp/csp.hpp>

#include "../common/harness.hpp"

namespace {

constexpr int max_iterations = 256;

/// Sum of the escape counts of row `y` of a width x height view of [-2, 1] x [-1.2, 1.2].
long row_sum(long y, long width, long height) {
  long sum = 0;
  const double ci = -1.2 + 2.4 * static_cast<double>(y) / static_cast<double>(height);
  for (long x = 0; x < width; ++x) {
    const double cr = -2.0 + 3.0 * static_cast<double>(x) / static_cast<double>(width);
    double zr = 0, zi = 0;
    int i = 0;
    while (i < max_iterations && zr * zr + zi * zi <= 4.0) {
      const double t = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = t;
      ++i;
    }
    sum += i;
  }
  return sum;
}

double ours(const csp::config& cfg, long width, long height, long workers, long want) {
  long total = 0;
  const double ns = csp_bench::ns_per_op(height, [&] {
    csp::network net("farm");
    auto rows = net.channel<long>("rows");
    auto results = net.channel<std::pair<long, long>>("results");
    net.spawn("farmer", [](csp::writer<long> out, long h) {
      for (long y = 0; y < h; ++y) out.send(y);
      out.retire();
    }, rows.writer(), height);
    net.spawn_n(static_cast<std::size_t>(workers), "worker", [](csp::reader<long> in, csp::writer<std::pair<long, long>> out,
                                                               long w, long h) {
      for (long y : in) out.send({y, row_sum(y, w, h)});
      out.retire();
    }, rows.reader(), results.writer(), width, height);
    net.spawn("harvester", [&total](csp::reader<std::pair<long, long>> in) {
      for (auto [y, sum] : in) total += sum;
    }, results.reader());
    csp::run(net, cfg);
  });
  csp_bench::expect(total, want, "farm total");
  return ns;
}

double peer(::tbb::task_arena& arena, long width, long height, long want) {
  std::atomic<long> total{0};
  const double ns = csp_bench::ns_per_op(height, [&] {
    arena.execute([&] {
      ::tbb::parallel_for(0L, height, [&](long y) { total.fetch_add(row_sum(y, width, height), std::memory_order_relaxed); });
    });
  });
  csp_bench::expect(total.load(), want, "parallel_for total");
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  csp_bench::flags f("farm: Mandelbrot rows on 2 threads, a csp farm against tbb::parallel_for");
  const long& width = f.size("--width", 1600, 200, "pixels per row");
  const long& height = f.size("--height", 600, 60, "rows (work items)");
  const long& workers = f.size("--workers", 8, 4, "worker processes of the farm");
  if (int rc = f.parse(argc, argv); rc >= 0) return rc;

  long want = 0;
  for (long y = 0; y < height; ++y) want += row_sum(y, width, height);
  ::tbb::task_arena arena(2);

  csp_bench::suite s("farm", "ns per row");
  s.contender("ours tbb/2", [&] { return ours({.backend = "tbb", .threads = 2}, width, height, workers, want); });
  s.contender("tbb parallel_for/2", [&] { return peer(arena, width, height, want); });
  s.contender("ours fiber/2", [&] { return ours({.backend = "fiber", .threads = 2}, width, height, workers, want); });
  s.compare("ours tbb/2", "tbb parallel_for/2", 1.0 / 0.95);
  s.compare("ours fiber/2", "tbb parallel_for/2", std::nullopt);
  return s.run(f);
}
