// csp::message: a const type cannot be moved out of a channel.
// expect: (csp::message|message<)
#include <csp/csp.hpp>

int main() {
  csp::writer<const int> w;
  (void)w;
}
