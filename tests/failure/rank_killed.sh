#!/usr/bin/env bash
# Kills a rank in the middle of a run (rank_killed.cpp) and requires that the run ends within
# the time limit, with an error naming the rank, rather than hanging.
#
#   rank_killed.sh MPIRUN PROGRAM
set -uo pipefail
mpirun=$1
program=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(timeout 60 "$mpirun" --oversubscribe -np 2 "$program" --csp-backend=mpi 2>&1)
rc=$?
echo "$out"
if [ $rc -eq 124 ]; then
  echo "rank_killed.sh: FAILED: the run hung for 60 s after rank 1 was killed"
  exit 1
fi
if [ $rc -eq 0 ]; then
  echo "rank_killed.sh: FAILED: mpirun exited 0 although rank 1 was killed"
  exit 1
fi
if ! grep -q "rank 1 .*exited on signal 9" <<<"$out"; then
  echo "rank_killed.sh: FAILED: the error does not name rank 1 as killed"
  exit 1
fi
echo "rank_killed.sh: passed: the run ended (exit status $rc) naming rank 1"
