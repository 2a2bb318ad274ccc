// csp::parallel takes csp::process values.
// expect: parallel takes csp::process values
#include <csp/csp.hpp>

int main() {
  auto p = csp::parallel("group", 42);
  (void)p;
}
