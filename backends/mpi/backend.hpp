// The mpi backend: SPMD. Every rank builds the same network; a placement puts each process on
// one rank, which runs it on a fiber; a channel whose ends are on different ranks is carried
// over MPI with the contract of a local one. See README.md beside this file.
#pragma once

#include <memory>

#include <csp/config.hpp>
#include <csp/detail/backend.hpp>

namespace csp::mpi {

/// Initializes MPI on first use (MPI_THREAD_SERIALIZED; finalized at exit) unless the program
/// did. Placement rules come from cfg.mpi.placement.
std::unique_ptr<detail::backend> make_backend(const config& cfg);

}  // namespace csp::mpi
