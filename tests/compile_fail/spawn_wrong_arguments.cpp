// csp::process_body: spawn with arguments the body cannot take.
// expect: process_body
#include <csp/csp.hpp>

int main() {
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("p", [](csp::reader<int>) {}, 42);
}
