#!/bin/sh
# --csp-progress writes its line only to a terminal: run the pipeline example under a
# pseudo-terminal (script(1), util-linux) and look for the final line, then run it with stderr
# to a file and expect no line there. Exits 77 (skipped) where script(1) is missing.
#
#   progress_on_a_terminal.sh COMMAND...
#
# COMMAND runs the pipeline example: `build/release/examples/pipeline`, or on the mpi backend
# `mpirun -np 2 build/release/examples/pipeline --csp-backend=mpi`, whose line rank 0 writes
# with every rank's figures (20 messages in all, whichever rank delivered them).
set -u
if ! command -v script >/dev/null 2>&1; then
  echo "skipped: script(1) is not installed (apt-get install bsdutils), so no terminal to test on"
  exit 77
fi
command=""
for word in "$@"; do
  command="$command '$(printf '%s' "$word" | sed "s/'/'\\\\''/g")'"
done
on_terminal=$(script -qefc "$command --csp-progress" /dev/null) || { echo "the run failed: $on_terminal"; exit 1; }
printf '%s\n' "$on_terminal"
case $on_terminal in
  *"csp: 'pipeline' 20 messages ("*"/s), 0 of 0 processes blocked, "*) ;;
  *) echo "FAIL: no final progress line on the terminal"; exit 1 ;;
esac
err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$@" --csp-progress 2>"$err" >/dev/null || { echo "the run failed"; exit 1; }
if grep -q "csp: 'pipeline'" "$err"; then
  echo "FAIL: --csp-progress wrote to a stderr that is not a terminal:"
  cat "$err"
  exit 1
fi
echo "ok: a line on a terminal, nothing in a file"
