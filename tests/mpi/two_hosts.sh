#!/usr/bin/env bash
# The pipeline example on two "hosts": two network namespaces of this machine, joined by a
# veth pair, with Open MPI's TCP transport between them and no shared memory.
#
#   namespace csp-PID-a, 10.77.0.1              namespace csp-PID-b, 10.77.0.2
#   +-------------------------------+          +-------------------------------+
#   | mpirun -- netns_agent.sh -----+----------+-> orted                       |
#   |   rank 0: producer, printer   |          |     rank 1: square            |
#   |                          csp0 +==========+ csp0                          |
#   +-------------------------------+   veth   +-------------------------------+
#           the channels numbers and squares cross the veth, over TCP
#
#   two_hosts.sh MPIRUN PIPELINE
#
# mpirun runs in the first namespace, which is therefore the first host, with rank 0 on it.
# It starts the second host's daemon through netns_agent.sh where it would use ssh. Exit
# status: 0 when the pipeline printed its sum with each rank in its own namespace; 77 (a
# skip for ctest) when this machine cannot make the namespaces, saying why; 1 otherwise.
# The namespaces, and the veth with them, are removed on every way out but SIGKILL; mpirun
# is bounded by a timeout well inside ctest's.
set -euo pipefail

skip() { echo "two_hosts: skipped: $*"; exit 77; }
fail() { echo "two_hosts: FAILED: $*" >&2; exit 1; }

[ $# -eq 2 ] || { echo "usage: $0 MPIRUN PIPELINE" >&2; exit 2; }
mpirun=$1
pipeline=$2
agent=$(cd "$(dirname "$0")" && pwd)/netns_agent.sh
limit=60  # seconds for mpirun; ctest allows the test 120

[ "$(id -u)" -eq 0 ] || skip "network namespaces need root, and this runs as uid $(id -u)"
command -v ip >/dev/null || skip "no 'ip' command (iproute2) to make network namespaces"
command -v "$mpirun" >/dev/null || skip "no mpirun at '$mpirun'"
[ -x "$pipeline" ] || fail "no pipeline executable at '$pipeline'"

a=csp-$$-a
b=csp-$$-b
ip_a=10.77.0.1
ip_b=10.77.0.2
subnet=10.77.0.0/24  # private to the two namespaces: nothing outside them sees it

made=()
log=
cleanup() {
  local ns pids
  for ns in "${made[@]}"; do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    ip netns delete "$ns" 2>/dev/null || true
  done
  [ -z "$log" ] || rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ns in "$a" "$b"; do
  err=$(ip netns add "$ns" 2>&1) || skip "this machine refuses 'ip netns add': $err"
  made+=("$ns")
done
err=$(ip netns exec "$a" true 2>&1) || skip "this machine refuses 'ip netns exec': $err"
# Made inside the namespaces, the pair never appears in this one, and both ends are csp0.
err=$(ip link add csp0 netns "$a" type veth peer name csp0 netns "$b" 2>&1) ||
  skip "this machine cannot make a veth pair: $err"
ip -n "$a" addr add "$ip_a/24" dev csp0
ip -n "$b" addr add "$ip_b/24" dev csp0
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up  # a process reaches its own address through lo
  ip -n "$ns" link set csp0 up
done

bytes() { ip netns exec "$b" cat /sys/class/net/csp0/statistics/"$1"_bytes; }
rx0=$(bytes rx)
tx0=$(bytes tx)

# Each rank says where it runs, then becomes the pipeline.
where='echo "rank $OMPI_COMM_WORLD_RANK: netns $(ip netns identify), address $(hostname -I)"'
log=$(mktemp)
start=$(date +%s%N)
# In the background, so that a signal to this script is handled at once (bash runs a trap
# only when the foreground command returns, and `wait` returns on a trapped signal).
CSP_NETNS_HOSTS="$ip_a=$a $ip_b=$b" \
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  timeout --kill-after=5 "$limit" ip netns exec "$a" "$mpirun" \
    -np 2 --host "$ip_a:1,$ip_b:1" \
    --mca plm_rsh_agent "$agent" \
    --mca pml ob1 --mca btl tcp,self \
    --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" \
    sh -c "$where; exec \"\$0\" \"\$@\"" "$pipeline" --csp-backend=mpi --n=100 --quiet \
    >"$log" 2>&1 &
rc=0
wait $! || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
out=$(<"$log")
echo "$out"
echo "two_hosts: mpirun took $ms ms;" \
     "csp0 of $b carried $(($(bytes rx) - rx0)) bytes in, $(($(bytes tx) - tx0)) out"

[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "mpirun did not finish within $limit s"
[ "$rc" -eq 0 ] || fail "mpirun exited with status $rc"
grep -qx "rank 0: netns $a, address $ip_a *" <<<"$out" || fail "rank 0 did not run in $a"
grep -qx "rank 1: netns $b, address $ip_b *" <<<"$out" || fail "rank 1 did not run in $b"
grep -qx "sum of squares of 1..100 = 338350" <<<"$out" || fail "the pipeline printed no correct sum"
echo "two_hosts: ok: the pipeline ran across two network namespaces over TCP"
