// An input guard receives into a variable of the channel's type (or calls a handler that can
// take it).
// expect: (input|no matching)
#include <csp/csp.hpp>

#include <string>

void body(csp::reader<int> in) {
  std::string s;
  csp::pri_select(csp::input(in, s));
}

int main() {}
