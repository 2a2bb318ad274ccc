// producer --numbers--> square --squares--> sum
//
// Runs the network once on every backend built into the installed csp and checks the sum.
#include <csp/csp.hpp>

#include <functional>
#include <iostream>
#include <string>

namespace {

void producer(csp::writer<int> out, int n) {
  for (int i = 1; i <= n; ++i) out.send(i);
}
void square(csp::reader<int> in, csp::writer<int> out) {
  for (int v : in) out.send(v * v);
}
void sum(csp::reader<int> in, long& total) {
  for (int v : in) total += v;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 0;
  for (std::string_view backend : csp::config::built_backends()) {
    csp::config cfg = csp::config::from(argc, argv);
    cfg.backend = std::string(backend);
    csp::network net("consumer");
    auto numbers = net.channel<int>("numbers");
    auto squares = net.channel<int>("squares", csp::buffered(8));
    long total = 0;
    net.spawn("producer", producer, numbers.writer(), 100);
    net.spawn("square", square, numbers.reader(), squares.writer());
    net.spawn("sum", sum, squares.reader(), std::ref(total));
    csp::run(net, cfg);
    const bool ok = total == 338350;
    std::cout << backend << ": sum of squares 1..100 = " << total << (ok ? "" : " (wrong)") << '\n';
    failures += ok ? 0 : 1;
  }
  return failures == 0 ? 0 : 1;
}
