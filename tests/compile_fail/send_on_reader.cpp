// A reader end cannot send.
// expect: no member named [^ ]*send
#include <csp/csp.hpp>

void body(csp::reader<int> in) { in.send(1); }

int main() {}
