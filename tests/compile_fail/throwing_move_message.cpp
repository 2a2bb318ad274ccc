// csp::message: a channel's value type must move without throwing (a channel moves values
// under its lock, where an exception could not be undone).
// expect: (csp::message|message<)
#include <csp/csp.hpp>

struct throwing_move {
  throwing_move() = default;
  throwing_move(throwing_move&&) noexcept(false) {}
};

int main() {
  csp::network net;
  auto c = net.channel<throwing_move>("c");
  (void)c;
}
