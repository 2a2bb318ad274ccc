// csp::process_body: a reader end where the body wants a writer end.
// expect: process_body
#include <csp/csp.hpp>

int main() {
  csp::network net;
  auto c = net.channel<int>("c");
  net.spawn("p", [](csp::writer<int>) {}, c.reader());
}
