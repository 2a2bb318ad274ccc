// The Mandelbrot set computed by a farm of worker processes, a PyCSP classic.
//
// The Python recipe: PyCSP's Mandelbrot example; a producer hands out the rows of the picture
// to a pool of workers, which compute the escape counts of every point in a row, and a
// consumer puts the rows back together.
//
// Here the farm is the networks library's (networks/farm.hpp), ordered, so the rows come out
// of it in the order they went in, whichever worker finished first:
//
//                                            +--> [rows.worker[0]]   --+
//   producer --row numbers--> [rows.farmer] --rows.jobs--> ...       --rows.results--+
//                                            +--> [rows.worker[w-1]] --+              |
//                                                                                     v
//                                         picture <--pixels-- [rows.harvester] <------+
//
// A worker's work is a pure function, row number -> escape counts of the row's points. The
// picture process checks that the rows came in order and that each is what a plain loop
// computes, prints the picture in characters (unless --quiet), and ends with
//
//   mandelbrot: 64x24 points, 24 rows by 4 workers in order, as a plain loop computes them: ok
//
//   mandelbrot [--width=W] [--height=H] [--workers=N] [--quiet] [--csp-backend=NAME] [--csp-threads=T]
#include <algorithm>
#include <bit>
#include <complex>
#include <cstddef>
#include <iostream>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "flags.hpp"

namespace {

namespace nw = csp::networks;

constexpr int max_iterations = 256;

/// The picture's size; the plane shown is [-2.2, 0.8] x [-1.2, 1.2].
struct frame {
  int width;
  int height;
};

/// How many iterations z -> z^2 + c takes to leave the circle of radius 2 (max_iterations if
/// it never does).
int escape_count(std::complex<double> c) {
  std::complex<double> z = 0;
  int i = 0;
  for (; i < max_iterations && std::norm(z) <= 4.0; ++i) z = z * z + c;
  return i;
}

/// A row of escape counts. A pure function of the row number: what each worker computes.
struct compute_row {
  frame f;
  std::vector<int> operator()(const int& y) const {
    std::vector<int> counts(static_cast<std::size_t>(f.width));
    const double im = 1.2 - 2.4 * y / (f.height - 1);
    for (int x = 0; x < f.width; ++x) {
      const double re = -2.2 + 3.0 * x / (f.width - 1);
      counts[static_cast<std::size_t>(x)] = escape_count({re, im});
    }
    return counts;
  }
};

/// A character for a point: '@' inside the set, and outside it darker the longer the point
/// took to escape (one step of the ramp per doubling of the count).
char shade(int count) {
  static constexpr std::string_view ramp = " .:-=+*#%";
  if (count >= max_iterations) return '@';
  return ramp[std::min<std::size_t>(std::bit_width(static_cast<unsigned>(count)) - 1, ramp.size() - 1)];
}

void picture(frame f, std::size_t workers, bool quiet, csp::reader<std::vector<int>> rows) {
  const compute_row plain{f};
  int y = 0;
  for (std::vector<int>& row : rows) {
    if (y >= f.height) throw std::runtime_error("more rows than the picture has");
    if (row != plain(y)) {
      throw std::runtime_error("row " + std::to_string(y) + " is not what a plain loop computes");
    }
    if (!quiet) {
      std::string line;
      for (int count : row) line += shade(count);
      std::cout << line << '\n';
    }
    ++y;
  }
  if (y != f.height) throw std::runtime_error("only " + std::to_string(y) + " rows came");
  std::cout << "mandelbrot: " << f.width << 'x' << f.height << " points, " << f.height << " rows by "
            << workers << " workers in order, as a plain loop computes them: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"width", "height", "workers", "quiet"});
  const frame f{flags.integer("width", 64), flags.integer("height", 24)};
  const int workers = flags.integer("workers", 4);
  if (f.width < 2 || f.height < 2) throw std::invalid_argument("need --width and --height >= 2");
  if (workers < 1) throw std::invalid_argument("need --workers >= 1");

  csp::network net("mandelbrot");
  auto numbers = net.channel<int>("row numbers");
  auto pixels = net.channel<std::vector<int>>("pixels");
  net.spawn("producer", nw::generator(std::views::iota(0, f.height)), numbers.writer());
  nw::farm(net, "rows", static_cast<std::size_t>(workers), compute_row{f}, numbers.reader(),
           pixels.writer());
  net.spawn("picture", picture, f, static_cast<std::size_t>(workers), flags.set("quiet"),
            pixels.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "mandelbrot: " << e.what() << '\n';
  return 1;
}
