// spawn_n: the body cannot be called with these arguments, with or without a csp::replica.
// expect: spawn_n: the body cannot be called
#include <csp/csp.hpp>

int main() {
  csp::network net;
  net.spawn_n(3, "worker", [](csp::replica, double*) {}, 1);
}
