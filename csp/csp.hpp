// csp: process networks in the style of PyCSP. The one header a user includes.
//
//   producer --numbers--> square --squares--> printer
//
//   void producer(csp::writer<int> out, int n) { for (int i = 0; i < n; ++i) out.send(i); }
//   void square(csp::reader<int> in, csp::writer<int> out) { for (int v : in) out.send(v * v); }
//   void printer(csp::reader<int> in) { for (int v : in) std::cout << v << '\n'; }
//
//   int main(int argc, char** argv) {
//     csp::network net;
//     auto numbers = net.channel<int>("numbers");
//     auto squares = net.channel<int>("squares", csp::buffered(64));
//     net.spawn("producer", producer, numbers.writer(), 1000);
//     net.spawn("square", square, numbers.reader(), squares.writer());
//     net.spawn("printer", printer, squares.reader());
//     return csp::run(net, csp::config::from(argc, argv));
//   }
#pragma once

#include <csp/alt.hpp>
#include <csp/channel.hpp>
#include <csp/codec.hpp>
#include <csp/config.hpp>
#include <csp/device.hpp>
#include <csp/ends.hpp>
#include <csp/errors.hpp>
#include <csp/network.hpp>
#include <csp/parallel.hpp>
#include <csp/run.hpp>
#include <csp/status.hpp>
