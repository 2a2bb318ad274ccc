// cuda chain: a long stream of values through 1, 2 and 3 chained map stages on the GPU, against
// the copy-bound limit measured in the same run: a plain cudaMemcpyAsync round trip (to the
// device and back) of the same bytes, in batches of the same size on the same number of
// streams, with no kernel and no channel.
//
//   source --in--> [chain[0]: map(f)] (--> [chain[1]: map(g)] --> [chain[2]: map(h)]) --out--> sink
//
// A value is a block of 256 floats (1 KiB), so the stream's cost is its bytes crossing the bus,
// not the channel operations per value; the maps are element-wise on the floats. On the cuda
// backend with a GPU, the 2- and 3-stage chains are fused into one kernel (networks/pipeline.hpp),
// so they should cost what one stage does.
//
// Contenders, run in interleaved rounds, ns per value:
//   copy round trip      cudaMemcpyAsync H2D then D2H of cuda.batch values per batch, 2 streams
//   ours 1 map           the network above with one map stage, --csp-backend=cuda
//   ours 2 maps          two map stages (fused)
//   ours 3 maps          three map stages (fused)
// Targets (issue 6): ours 1 map at >= 0.8x the copy's throughput (a time ratio <= 1.25), and
// ours 3 maps no slower than 1.1x ours 1 map.
//
// Without a usable GPU it says so and exits 0: there is nothing to measure.
#include <cuda_runtime.h>

#include <cstdio>
#include <vector>

#include <csp/csp.hpp>
#include <networks/networks.hpp>

#include "../common/harness.hpp"

namespace {

namespace nw = csp::networks;

constexpr int floats = 256;
struct block {
  float v[floats];
};

struct scale {
  CSP_HOST_DEVICE block operator()(const block& b) const {
    block r;
    for (int i = 0; i < floats; ++i) r.v[i] = b.v[i] * 2.0f;
    return r;
  }
};
struct shift {
  CSP_HOST_DEVICE block operator()(const block& b) const {
    block r;
    for (int i = 0; i < floats; ++i) r.v[i] = b.v[i] + 1.0f;
    return r;
  }
};
struct halve {
  CSP_HOST_DEVICE block operator()(const block& b) const {
    block r;
    for (int i = 0; i < floats; ++i) r.v[i] = b.v[i] * 0.5f;
    return r;
  }
};

/// The first float of value i after `stages` stages (scale, then shift, then halve), exact in
/// float for the sizes used.
float expected(long i, int stages) {
  float x = static_cast<float>(i % 1024);
  if (stages >= 1) x *= 2.0f;
  if (stages >= 2) x += 1.0f;
  if (stages >= 3) x *= 0.5f;
  return x;
}

void check_cuda(cudaError_t e, const char* call) {
  if (e != cudaSuccess) throw csp_bench::wrong(std::string(call) + ": " + cudaGetErrorString(e));
}

/// The copy-bound limit: n values there and back, `batch` at a time on `streams` streams.
double copy_round_trip(long n, std::size_t batch, int streams) {
  std::vector<cudaStream_t> s(streams);
  std::vector<block*> host(streams), device(streams);
  for (int k = 0; k < streams; ++k) {
    check_cuda(cudaStreamCreate(&s[k]), "cudaStreamCreate");
    check_cuda(cudaMallocHost(&host[k], batch * sizeof(block)), "cudaMallocHost");
    check_cuda(cudaMalloc(&device[k], batch * sizeof(block)), "cudaMalloc");
  }
  const double ns = csp_bench::ns_per_op(n, [&] {
    long sent = 0;
    for (int k = 0; sent < n; k = (k + 1) % streams) {
      const std::size_t count = std::min<std::size_t>(batch, static_cast<std::size_t>(n - sent));
      check_cuda(cudaStreamSynchronize(s[k]), "cudaStreamSynchronize");
      check_cuda(cudaMemcpyAsync(device[k], host[k], count * sizeof(block), cudaMemcpyHostToDevice, s[k]), "H2D");
      check_cuda(cudaMemcpyAsync(host[k], device[k], count * sizeof(block), cudaMemcpyDeviceToHost, s[k]), "D2H");
      sent += static_cast<long>(count);
    }
    for (int k = 0; k < streams; ++k) check_cuda(cudaStreamSynchronize(s[k]), "cudaStreamSynchronize");
  });
  for (int k = 0; k < streams; ++k) {
    cudaFree(device[k]);
    cudaFreeHost(host[k]);
    cudaStreamDestroy(s[k]);
  }
  return ns;
}

/// The network with `stages` map stages, on the cuda backend; checks every value.
double ours(long n, int stages, const csp::config& cfg) {
  csp::network net("chain");
  auto in = net.channel<block>("in", csp::buffered(cfg.cuda.batch));
  auto out = net.channel<block>("out", csp::buffered(cfg.cuda.batch));
  net.spawn("source", [n](csp::writer<block> w) {
    block b{};
    for (long i = 0; i < n; ++i) {
      b.v[0] = static_cast<float>(i % 1024);
      w.send(b);
    }
  }, in.writer());
  const nw::pipeline_options link{.link = csp::buffered(cfg.cuda.batch)};
  if (stages == 1) nw::pipeline(net, "chain", link, in.reader(), out.writer(), nw::map(scale{}));
  if (stages == 2) nw::pipeline(net, "chain", link, in.reader(), out.writer(), nw::map(scale{}), nw::map(shift{}));
  if (stages == 3) {
    nw::pipeline(net, "chain", link, in.reader(), out.writer(), nw::map(scale{}), nw::map(shift{}), nw::map(halve{}));
  }
  long bad = -1;
  net.spawn("sink", [n, stages, &bad](csp::reader<block> r) {
    long i = 0;
    for (const block& b : r) {
      if (bad < 0 && b.v[0] != expected(i, stages)) bad = i;
      ++i;
    }
    if (i != n && bad < 0) bad = i;
  }, out.reader());
  const double ns = csp_bench::ns_per_op(n, [&] { csp::run(net, cfg); });
  csp_bench::expect(bad, -1, "first wrong value");
  return ns;
}

}  // namespace

int main(int argc, char** argv) try {
  csp_bench::flags f("cuda chain: 1, 2 and 3 map stages on the GPU against a cudaMemcpyAsync round trip");
  const long& n = f.size("--n", 1 << 20, 1 << 12, "values (1 KiB blocks) in the stream");
  const long& batch = f.size("--batch", 8192, 512, "values per batch (cuda.batch)");
  if (int rc = f.parse(argc, argv); rc >= 0) return rc;

  int devices = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&devices); e != cudaSuccess || devices == 0) {
    std::printf("cuda chain: no usable GPU (%s): not measured on a GPU\n",
                e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device");
    return 0;
  }
  cudaDeviceProp props{};
  check_cuda(cudaGetDeviceProperties(&props, 0), "cudaGetDeviceProperties");
  std::printf("cuda chain: %s, %ld values of %zu bytes, batches of %ld\n", props.name, n, sizeof(block), batch);

  csp::config cfg{.backend = "cuda"};
  cfg.cuda.require_device = true;
  cfg.cuda.batch = static_cast<std::size_t>(batch);
  cfg.cuda.streams = 2;
  csp_bench::suite s("cuda chain", "ns per value");
  s.contender("copy round trip", [&] { return copy_round_trip(n, cfg.cuda.batch, cfg.cuda.streams); });
  s.contender("ours 1 map", [&] { return ours(n, 1, cfg); });
  s.contender("ours 2 maps", [&] { return ours(n, 2, cfg); });
  s.contender("ours 3 maps", [&] { return ours(n, 3, cfg); });
  s.compare("ours 1 map", "copy round trip", 1.25);
  s.compare("ours 3 maps", "ours 1 map", 1.1);
  return s.run(f);
} catch (const std::exception& e) {
  std::fprintf(stderr, "cuda chain: %s\n", e.what());
  return 1;
}
