// The Mandelbrot set as an image pipeline whose heavy stage can run on a GPU.
//
//   points --c (buffered B)--> [escape: map(escape_count)] --counts (buffered B)--> image
//
// `points` sends the point c of every pixel, row by row; the stage `escape` is an element
// function, c -> how many iterations z -> z^2 + c takes to leave the circle of radius 2; `image`
// puts the counts back into rows, checks them against a plain loop, and writes the picture as a
// PGM file (--out=FILE) or in characters (--ascii). On the cuda backend with a GPU, `escape`
// runs as a kernel over batches of points; everywhere else it is an ordinary process.
//
// The arithmetic is fixed-point (integers scaled by 2^26), not floating point: a GPU fuses
// multiply-adds that the host rounds twice, so floating-point escape counts could differ at the
// edge of the set between the host and the GPU, and these are the same on every backend. It
// ends with
//
//   mandelbrot_pipeline: 256x128 pixels, at most 200 iterations, 6998 inside the set, checksum 732374, as a plain loop computes: ok
//
//   mandelbrot_pipeline [--width=W] [--height=H] [--batch=B] [--out=FILE.pgm] [--ascii]
//                       [--csp-backend=NAME] [--csp-threads=T]
#include <cstdint>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "flags.hpp"

namespace {

namespace nw = csp::networks;

constexpr int max_iterations = 200;
constexpr int fraction_bits = 26;  // |z| <= 2 before escaping, so z's squares fit in 56 bits
constexpr std::int64_t one = std::int64_t{1} << fraction_bits;

/// A point of the plane in fixed point: re / 2^26 + i im / 2^26.
struct point {
  std::int64_t re;
  std::int64_t im;
};

/// The stage's element function: the escape count of c (max_iterations if it never escapes).
struct escape_count {
  CSP_HOST_DEVICE std::uint16_t operator()(const point& c) const {
    std::int64_t x = 0, y = 0;
    int i = 0;
    for (; i < max_iterations; ++i) {
      const std::int64_t xx = (x * x) >> fraction_bits;
      const std::int64_t yy = (y * y) >> fraction_bits;
      if (xx + yy > 4 * one) break;
      const std::int64_t xy = (x * y) >> (fraction_bits - 1);  // 2xy
      x = xx - yy + c.re;
      y = xy + c.im;
    }
    return static_cast<std::uint16_t>(i);
  }
};

/// The pixel (col, row) of a width x height picture of [-2.2, 0.8] x [-1.2, 1.2].
point pixel(int col, int row, int width, int height) {
  return {-22 * one / 10 + (std::int64_t{30} * one / 10) * col / width,
          -12 * one / 10 + (std::int64_t{24} * one / 10) * row / height};
}

void points(int width, int height, csp::writer<point> out) {
  for (int row = 0; row < height; ++row) {
    for (int col = 0; col < width; ++col) out.send(pixel(col, row, width, height));
  }
}

struct picture_options {
  int width;
  int height;
  std::string file;
  bool ascii;
};

void image(const picture_options& o, csp::reader<std::uint16_t> counts) {
  std::vector<std::uint16_t> pixels;
  pixels.reserve(static_cast<std::size_t>(o.width) * o.height);
  for (std::uint16_t v : counts) pixels.push_back(v);
  if (pixels.size() != static_cast<std::size_t>(o.width) * o.height) {
    throw std::runtime_error(std::to_string(pixels.size()) + " pixels came out of " +
                             std::to_string(o.width * o.height));
  }
  long inside = 0, checksum = 0;
  for (int row = 0; row < o.height; ++row) {
    for (int col = 0; col < o.width; ++col) {
      const std::uint16_t got = pixels[static_cast<std::size_t>(row) * o.width + col];
      const std::uint16_t expected = escape_count{}(pixel(col, row, o.width, o.height));
      if (got != expected) {
        throw std::runtime_error("pixel (" + std::to_string(col) + ", " + std::to_string(row) + ") is " +
                                 std::to_string(got) + ", a plain loop says " + std::to_string(expected));
      }
      inside += got == max_iterations;
      checksum = (checksum * 31 + got) % 1'000'003;
    }
  }
  if (!o.file.empty()) {
    std::ofstream pgm(o.file, std::ios::binary);
    pgm << "P5\n" << o.width << ' ' << o.height << "\n255\n";
    for (std::uint16_t v : pixels) pgm.put(static_cast<char>(v >= max_iterations ? 0 : 255 - v * 255 / max_iterations));
    if (!pgm) throw std::runtime_error("cannot write the picture '" + o.file + "'");
  }
  if (o.ascii) {
    const std::string shades = " .:-=+*#%@";
    for (int row = 0; row < o.height; ++row) {
      for (int col = 0; col < o.width; ++col) {
        const std::uint16_t v = pixels[static_cast<std::size_t>(row) * o.width + col];
        std::cout << shades[v >= max_iterations ? shades.size() - 1 : v * (shades.size() - 1) / max_iterations];
      }
      std::cout << '\n';
    }
  }
  std::cout << "mandelbrot_pipeline: " << o.width << 'x' << o.height << " pixels, at most " << max_iterations
            << " iterations, " << inside << " inside the set, checksum " << checksum
            << ", as a plain loop computes: ok\n";
}

}  // namespace

int main(int argc, char** argv) try {
  const csp::config cfg = csp::config::from(argc, argv);
  const example::flags flags(cfg, {"width", "height", "batch", "out", "ascii"});
  const picture_options o{flags.integer("width", 256), flags.integer("height", 128), flags.text("out", ""),
                          flags.set("ascii")};
  const int batch = flags.integer("batch", 1024);
  if (o.width < 1 || o.height < 1 || o.width > 8192 || o.height > 8192) {
    throw std::invalid_argument("need 1 <= --width, --height <= 8192");
  }
  if (batch < 1) throw std::invalid_argument("need --batch >= 1");
  const auto b = static_cast<std::size_t>(batch);

  csp::network net("mandelbrot_pipeline");
  auto c = net.channel<point>("c", csp::buffered(b));
  auto counts = net.channel<std::uint16_t>("counts", csp::buffered(b));
  net.spawn("points", points, o.width, o.height, c.writer());
  net.spawn("escape", nw::map(escape_count{}, {.batch = b, .grain = 64}), c.reader(), counts.writer());
  net.spawn("image", image, o, counts.reader());
  return csp::run(net, cfg);
} catch (const std::exception& e) {
  std::cerr << "mandelbrot_pipeline: " << e.what() << '\n';
  return 1;
}
