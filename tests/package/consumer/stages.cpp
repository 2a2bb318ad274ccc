// numbers --> [square: map stage] --> sum, built with csp_add_executable: by nvcc when the
// installed csp has the cuda backend, by the C++ compiler otherwise. Runs on every backend
// built into the installed csp (on cuda without a GPU, the stage runs on the host).
#include <csp/csp.hpp>
#include <networks/stages.hpp>

#include <functional>
#include <iostream>
#include <string>

namespace {

struct square {
  CSP_HOST_DEVICE long operator()(const int& v) const { return static_cast<long>(v) * v; }
};

}  // namespace

int main(int argc, char** argv) {
  int failures = 0;
  for (std::string_view backend : csp::config::built_backends()) {
    csp::config cfg = csp::config::from(argc, argv);
    cfg.backend = std::string(backend);
    csp::network net("stages");
    auto numbers = net.channel<int>("numbers", csp::buffered(16));
    auto squares = net.channel<long>("squares", csp::buffered(16));
    long total = 0;
    net.spawn("numbers", [](csp::writer<int> out) { for (int i = 1; i <= 100; ++i) out.send(i); }, numbers.writer());
    net.spawn("square", csp::networks::map(square{}, {.batch = 16}), numbers.reader(), squares.writer());
    net.spawn("sum", [&total](csp::reader<long> in) { for (long v : in) total += v; }, squares.reader());
    csp::run(net, cfg);
    const bool ok = total == 338350;
    std::cout << backend << ": a map stage's sum of squares 1..100 = " << total << (ok ? "" : " (wrong)") << '\n';
    failures += ok ? 0 : 1;
  }
  return failures == 0 ? 0 : 1;
}
