// The control: correct uses of everything the other cases misuse. It must compile, which
// proves that the harness (compiler, flags, include path) is sound.
// expect: compiles
#include <csp/csp.hpp>

#include <string>

struct movable {
  movable() = default;
  movable(movable&&) noexcept = default;
  movable& operator=(movable&&) noexcept = default;
};

int main() {
  csp::network net;
  auto ints = net.channel<int>("ints");
  auto things = net.channel<movable>("things");
  auto texts = net.channel<std::string>("texts");
  net.spawn("producer", [](csp::writer<int> out) { out.send(1); }, ints.writer());
  net.spawn("consumer", [](csp::reader<int> in) { in.recv(); }, ints.reader());
  net.spawn("things", [](csp::writer<movable> out, csp::reader<movable> in) {
    out.send(movable{});
    in.recv();
  }, things.writer(), things.reader());
  net.spawn("texts", [](csp::writer<std::string> out) { out.send(std::string("x")); }, texts.writer());
  net.spawn_n(2, "copies", [](csp::replica, csp::reader<std::string> in) { in.recv(); }, texts.reader());
  net.spawn(csp::parallel("both", csp::process("a", [] {}), csp::process("b", [] {})));
  csp::reader<int> r = ints.reader();
  int v = 0;
  csp::pri_select(csp::input(r, v), csp::skip());
  return csp::run(net);
}
