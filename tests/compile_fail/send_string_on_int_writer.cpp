// A writer<int> sends ints: a std::string does not convert.
// expect: (send|no matching|cannot convert|could not convert)
#include <csp/csp.hpp>

#include <string>

void body(csp::writer<int> out) { out.send(std::string("seven")); }

int main() {}
