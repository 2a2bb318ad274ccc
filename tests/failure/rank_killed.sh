#!/usr/bin/env bash
# Kills a rank in the middle of a run (rank_killed.cpp) and requires that the run ends, with
# an error naming the rank, rather than hanging:
#   1. plain mpirun: mpirun aborts the job and names the rank it lost;
#   2. mpirun --enable-recovery, which keeps the job alive: the other ranks notice by their
#      heartbeats (backends/mpi/watchdog.hpp) and each ends with csp's error naming the rank,
#      whether the lost rank is rank 0 (the others watch it) or another (rank 0 watches it
#      and tells the rest).
#
#   rank_killed.sh MPIRUN PROGRAM
set -uo pipefail
mpirun=$1
program=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
config=$(mktemp --suffix=.toml)
trap 'rm -f "$config"' EXIT
printf '[mpi]\nfailure_timeout_ms = 1000\n' >"$config"
failed=0

# run NAME EXPECTED-LINES-REGEX COUNT MPIRUN-ARGS...
run() {
  local name=$1 pattern=$2 count=$3
  shift 3
  local out rc
  out=$(timeout 60 "$mpirun" --oversubscribe "$@" 2>&1)
  rc=$?
  echo "--- $name (exit status $rc)"
  echo "$out"
  if [ $rc -eq 124 ]; then
    echo "rank_killed.sh: FAILED: $name: the run hung for 60 s"
    failed=1
  elif [ "$(grep -cE "$pattern" <<<"$out")" -lt "$count" ]; then
    echo "rank_killed.sh: FAILED: $name: expected $count line(s) matching: $pattern"
    failed=1
  fi
}

run "plain mpirun, rank 1 killed" "rank 1 .*exited on signal 9" 1 \
  -np 4 "$program" 1 --csp-backend=mpi
for victim in 2 0; do
  run "mpirun --enable-recovery, rank $victim killed" \
    "^rank_killed: rank $victim is lost: it sent no heartbeat for 1000 ms" 3 \
    --enable-recovery -np 4 "$program" $victim --csp-backend=mpi --csp-config="$config"
done
# 1 MiB values, sent as messages of their own: a rank may wait for one from the killed rank.
run "mpirun --enable-recovery, rank 1 killed, 1 MiB values" \
  "^rank_killed: rank 1 is lost: it sent no heartbeat for 1000 ms" 3 \
  --enable-recovery -np 4 "$program" 1 large --csp-backend=mpi --csp-config="$config"
[ $failed -eq 0 ] && echo "rank_killed.sh: passed: every run ended naming the killed rank"
exit $failed
