#!/usr/bin/env bash
# Model-checks csp's protocols with spin, every scenario exhaustively:
#   model/alt.pml     the local alt protocol (channel locks, the selection slot, retire, poison,
#                     the deadlock count)
#   model/remote.pml  the mpi backend's protocol between ranks (homes, offers, claims, "select
#                     again"; backends/mpi/README.md)
#
#   model/check.sh                  every scenario of both models must verify: no assertion
#                                   fails, no process is left blocked, the search completes
#                                   within the memory bound; for remote.pml also its LTL
#                                   property `ends` (every run ends: no livelock either)
#   model/check.sh --mutants        also plants each bug of each model's MUTANT list and
#                                   requires that some scenario catches it (so the properties
#                                   can fail)
#   model/check.sh --model remote   only one model: alt or remote (default: both)
#   model/check.sh 3 5              only these scenarios, of alt.pml (as before remote.pml
#                                   came), or of the one model that --model names
#
# It also checks that every `model/alt.pml: NAME` and `model/remote.pml: NAME` cited in the
# C++ names an inline or a proctype of that model, so the comments that tie code to model stay
# true. It prints each search's figures and the time the whole check took.
# Work files go to $CSP_MODEL_DIR (default: build/model). Needs spin and a C compiler.
set -uo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

check_mutants=0
models=(alt remote)
model_named=0
picked=()
while [ $# -gt 0 ]; do
  case "$1" in
    --mutants) check_mutants=1 ;;
    --model=*) models=("${1#--model=}"); model_named=1 ;;
    --model) shift; models=("${1:-}"); model_named=1 ;;
    [0-9]*) picked+=("$1") ;;
    *) echo "check.sh: unknown argument '$1'; accepted: --mutants, --model alt|remote, scenario numbers" >&2; exit 2 ;;
  esac
  shift
done
case "${models[*]}" in
  "alt remote" | alt | remote) ;;
  *) echo "check.sh: unknown model '${models[*]}'; accepted: alt, remote" >&2; exit 2 ;;
esac
if [ ${#picked[@]} -gt 0 ] && [ $model_named -eq 0 ]; then models=(alt); fi

for tool in spin cc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check.sh: '$tool' not found (scripts/setup.sh installs spin and a C compiler)" >&2
    exit 2
  fi
done

work=${CSP_MODEL_DIR:-build/model}
mkdir -p "$work"
memory_mb=${CSP_MODEL_MEMORY_MB:-6000}

# What each model has: its scenarios; its mutants; the order in which scenarios try to catch a
# mutant (the quick ones first: a mutant stops at its first catch); for remote.pml, the
# scenario that should catch each mutant, tried before that order.
declare -A scenarios=([alt]="1 2 3 4 5 6" [remote]="1 2 3 4 5 6")
declare -A mutants=([alt]="1 2 3 4 5 6" [remote]="1 2 3 4 5 6 7 8 9")
declare -A catch_order=([alt]="1 5 2 4 6 3" [remote]="6 1 2 4 5 3")
declare -A first_catch=([remote-1]=2 [remote-2]=4 [remote-3]=2 [remote-4]=2 [remote-5]=2
                        [remote-6]=2 [remote-7]=4 [remote-8]=1 [remote-9]=4)

# alt.pml: safety (assertions, invalid end states). remote.pml: its LTL property `ends` (<>
# finished), which spin checks with the acceptance-cycle search: besides the assertions, a
# run that stops before the end (a process parked for ever) or loops without ending (a
# livelock) violates it.
dir_of() { if [ "$1" = alt ]; then echo "$work/s$2-m$3"; else echo "$work/$1-s$2-m$3"; fi; }

# verify MODEL SCENARIO MUTANT: prints nothing; status 0 when the model verified.
verify() {
  local name=$1 s=$2 m=$3 dir cflags panflags source
  dir=$(dir_of "$name" "$s" "$m")
  source=$(pwd)/model/$name.pml
  # remote.pml's runs are at most 4,000 steps deep and 400,000 states: a smaller stack and
  # hash table (-w20) keep each search near 50 MB
  if [ "$name" = alt ]; then cflags=-DSAFETY; panflags="-m1000000"; else cflags=""; panflags="-a -m100000 -w20"; fi
  mkdir -p "$dir"
  (
    cd "$dir" || exit 2
    spin -a -DSCENARIO="$s" -DMUTANT="$m" "$source" >spin.log 2>&1 || { cat spin.log; exit 2; }
    # -O0: pan.c compiles in 3 s instead of 20, and the search is at most 1.5x slower
    cc -O0 $cflags -DCOLLAPSE -DMEMLIM="$memory_mb" -o pan pan.c 2>cc.log || { cat cc.log; exit 2; }
    ./pan $panflags -n >pan.log 2>&1
    if grep -q "errors: 0" pan.log && ! grep -qE "Search not completed|reached -DMEMLIM|max search depth too small" pan.log; then
      exit 0
    fi
    exit 1
  )
}

figures() {
  local log
  log="$(dir_of "$1" "$2" "$3")/pan.log"
  local states transitions memory seconds
  states=$(awk '/states, stored/ {print $1; exit}' "$log")
  transitions=$(awk '/transitions \(= (stored|visited)\+matched\)/ {print $1; exit}' "$log")
  memory=$(awk '/total actual memory usage/ {print $1; exit}' "$log")
  seconds=$(awk '/elapsed time/ {print $4; exit}' "$log")
  echo "$states states, $transitions transitions, $memory MB, $seconds s"
}

failed=0
for name in "${models[@]}"; do
  model_started=$SECONDS
  model=$(pwd)/model/$name.pml
  list=${scenarios[$name]}
  [ ${#picked[@]} -gt 0 ] && list="${picked[*]}"
  total_states=0
  for s in $list; do
    dir=$(dir_of "$name" "$s" 0)
    if verify "$name" "$s" 0; then
      echo "model $name: scenario $s verified: $(figures "$name" "$s" 0)"
      n=$(awk '/states, stored/ {printf "%d", $1; exit}' "$dir/pan.log")
      total_states=$((total_states + n))
    else
      echo "model $name: scenario $s FAILED; spin's report: $dir/pan.log"
      grep -E "assertion violated|invalid end state|acceptance cycle|errors:|Search not completed|reached -DMEMLIM|max search depth" \
        "$dir/pan.log" | head -5
      echo "  replay: cd $dir && spin -t -p -k $name.pml.trail -DSCENARIO=$s -DMUTANT=0 $model"
      failed=1
    fi
  done
  echo "model $name: $total_states states explored in all"

  if [ $check_mutants -eq 1 ]; then
    for m in ${mutants[$name]}; do
      caught=""
      first=${first_catch[$name-$m]:-}
      order=$first
      for s in ${catch_order[$name]}; do [ "$s" != "$first" ] && order="$order $s"; done
      for s in $order; do
        if ! verify "$name" "$s" "$m"; then
          caught="$s"
          break
        fi
      done
      if [ -n "$caught" ]; then
        why=$(grep -m1 -oE "assertion violated.*|invalid end state.*|acceptance cycle.*|reached -DMEMLIM" \
          "$(dir_of "$name" "$caught" "$m")/pan.log" | head -c 120)
        echo "model $name: mutant $m caught by scenario $caught: $why"
      else
        echo "model $name: mutant $m SURVIVED every scenario: the properties cannot see that bug"
        failed=1
      fi
    done
  fi
  echo "model $name: took $((SECONDS - model_started)) s"
done

# Every model name the C++ cites must exist.
cited_total=0
for name in alt remote; do
  cited=$(grep -rhoE "model/$name\.pml: ?[a-z_]+" csp channels src backends networks 2>/dev/null |
          sed -E 's/.*: ?//' | sort -u)
  for c in $cited; do
    if ! grep -qE "^(inline|proctype) $c\b" "model/$name.pml"; then
      echo "model: the code cites model/$name.pml: $c, which the model does not define"
      failed=1
    fi
  done
  cited_total=$((cited_total + $(echo "$cited" | grep -c .)))
done
echo "model: $cited_total model names cited by the code"

echo "model: took $((SECONDS - started)) s"
if [ $failed -eq 0 ]; then echo "model: PASSED"; else echo "model: FAILED"; fi
exit $failed
