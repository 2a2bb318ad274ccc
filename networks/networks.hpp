// The networks library: reusable process components in the spirit of JCSP's and PyCSP's
// plug-and-play sets, each a process body or a function that builds a small network between
// the ends it is given (docs/networks.md is the reference, with every picture and rule).
//
//   generator --> pipeline(successor, map(square)) --> farm(4, heavy) --+
//                                                                       +--> merge --> collector
//   generator ----------------------------------------------------------+
//
//   #include <networks/networks.hpp>
//   namespace nw = csp::networks;
//   nw::pipeline(net, "prep", numbers.reader(), prepared.writer(), nw::successor<int>, nw::map(square{}));
//
//   plumbing.hpp  identity, prefix, tail, successor, delta
//   fan.hpp       merge (fair fan-in), deal (round-robin fan-out)
//   arith.hpp     plus, pairs
//   sources.hpp   generator, ticker
//   sinks.hpp     black_hole, collector
//   stages.hpp    map, reduce: stages declared as pure functions
//   pipeline.hpp  pipeline: a chain of stages between two ends
//   farm.hpp      farm: n workers, ordered or unordered
#pragma once

#include <networks/arith.hpp>
#include <networks/fan.hpp>
#include <networks/farm.hpp>
#include <networks/pipeline.hpp>
#include <networks/plumbing.hpp>
#include <networks/sinks.hpp>
#include <networks/sources.hpp>
#include <networks/stages.hpp>
