#!/bin/sh
# Open MPI's launch agent for "hosts" that are network namespaces of this machine: mpirun
# calls it where it would call ssh, as
#
#   netns_agent.sh HOST COMMAND
#
# and it runs COMMAND (one string, for a shell, as ssh would take it) inside the namespace
# that CSP_NETNS_HOSTS maps HOST to, a list of HOST=NAMESPACE words:
#
#   CSP_NETNS_HOSTS="10.77.0.1=csp-a 10.77.0.2=csp-b" \
#     mpirun --mca plm_rsh_agent /path/to/netns_agent.sh --host 10.77.0.1,10.77.0.2 ...
#
# It needs root (ip netns exec). tests/mpi/two_hosts.sh uses it.
set -eu
host=$1
shift
for pair in ${CSP_NETNS_HOSTS:-}; do
  if [ "${pair%%=*}" = "$host" ]; then
    exec ip netns exec "${pair#*=}" sh -c "$*"
  fi
done
echo "netns_agent: host '$host' is not in CSP_NETNS_HOSTS='${CSP_NETNS_HOSTS:-}'" >&2
exit 255
