// csp::networks::element_function: a map stage's functor must be callable as
// `Out f(const In&) const` on the stage's input type; this one takes a mutable reference (it
// could write to its input) and returns nothing.
// expect: map_stage<F>: F must be an element_function
#include <networks/stages.hpp>

#include <csp/csp.hpp>

struct not_element_wise {
  void operator()(int& v) const { v *= 2; }
};

int main() {
  csp::network net;
  auto in = net.channel<int>("in");
  auto out = net.channel<int>("out");
  net.spawn("double", csp::networks::map(not_element_wise{}), in.reader(), out.writer());
  return csp::run(net);
}
