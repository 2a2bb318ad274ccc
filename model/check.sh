#!/usr/bin/env bash
# Model-checks the alt protocol (model/alt.pml) with spin: every scenario, exhaustively.
#
#   model/check.sh              every scenario must verify: no assertion fails, no process is
#                               left blocked, the search completes within the memory bound
#   model/check.sh --mutants    also plants each bug of the model's MUTANT list and requires
#                               that some scenario catches it (so the properties can fail)
#   model/check.sh 3 5          only these scenarios
#
# It also checks that every `model/alt.pml: NAME` cited in the C++ names an inline or a
# proctype of the model, so the comments that tie code to model stay true.
# Work files go to $CSP_MODEL_DIR (default: build/model). Needs spin and a C compiler.
set -uo pipefail
cd "$(dirname "$0")/.."

scenarios=(1 2 3 4 5 6)
mutants=(1 2 3 4 5 6)
check_mutants=0
picked=()
for arg in "$@"; do
  case "$arg" in
    --mutants) check_mutants=1 ;;
    [0-9]*) picked+=("$arg") ;;
    *) echo "check.sh: unknown argument '$arg'; accepted: --mutants, scenario numbers" >&2; exit 2 ;;
  esac
done
[ ${#picked[@]} -gt 0 ] && scenarios=("${picked[@]}")

for tool in spin cc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check.sh: '$tool' not found (scripts/setup.sh installs spin and a C compiler)" >&2
    exit 2
  fi
done

work=${CSP_MODEL_DIR:-build/model}
mkdir -p "$work"
model=$(pwd)/model/alt.pml
memory_mb=${CSP_MODEL_MEMORY_MB:-6000}

# verify SCENARIO MUTANT: prints spin's figures; status 0 when the model verified.
verify() {
  local dir="$work/s$1-m$2"
  mkdir -p "$dir"
  (
    cd "$dir" || exit 2
    spin -a -DSCENARIO="$1" -DMUTANT="$2" "$model" >spin.log 2>&1 || { cat spin.log; exit 2; }
    # -O0: pan.c compiles in 3 s instead of 20, and the search is at most 1.5x slower
    cc -O0 -DSAFETY -DCOLLAPSE -DMEMLIM="$memory_mb" -o pan pan.c 2>cc.log || { cat cc.log; exit 2; }
    ./pan -m1000000 -n >pan.log 2>&1
    if grep -q "errors: 0" pan.log && ! grep -qE "Search not completed|reached -DMEMLIM|max search depth too small" pan.log; then
      exit 0
    fi
    exit 1
  )
}

figures() {
  local log="$work/s$1-m$2/pan.log"
  local states transitions memory seconds
  states=$(awk '/states, stored/ {print $1; exit}' "$log")
  transitions=$(awk '/transitions \(= stored\+matched\)/ {print $1; exit}' "$log")
  memory=$(awk '/total actual memory usage/ {print $1; exit}' "$log")
  seconds=$(awk '/elapsed time/ {print $4; exit}' "$log")
  echo "$states states, $transitions transitions, $memory MB, $seconds s"
}

failed=0
total_states=0
for s in "${scenarios[@]}"; do
  if verify "$s" 0; then
    echo "model: scenario $s verified: $(figures "$s" 0)"
    n=$(awk '/states, stored/ {printf "%d", $1; exit}' "$work/s$s-m0/pan.log")
    total_states=$((total_states + n))
  else
    echo "model: scenario $s FAILED; spin's report: $work/s$s-m0/pan.log"
    grep -E "assertion violated|invalid end state|errors:|Search not completed|reached -DMEMLIM|max search depth" \
      "$work/s$s-m0/pan.log" | head -5
    echo "  replay: cd $work/s$s-m0 && spin -t -p -DSCENARIO=$s -DMUTANT=0 $model"
    failed=1
  fi
done
echo "model: $total_states states explored in all"

if [ $check_mutants -eq 1 ]; then
  for m in "${mutants[@]}"; do
    caught=""
    for s in 1 5 2 4 6 3; do   # the quick scenarios first: a mutant stops at its first catch
      if ! verify "$s" "$m"; then
        caught="$s"
        break
      fi
    done
    if [ -n "$caught" ]; then
      why=$(grep -m1 -oE "assertion violated.*|invalid end state.*|reached -DMEMLIM" "$work/s$caught-m$m/pan.log" | head -c 120)
      echo "model: mutant $m caught by scenario $caught: $why"
    else
      echo "model: mutant $m SURVIVED every scenario: the properties cannot see that bug"
      failed=1
    fi
  done
fi

# Every model name the C++ cites must exist.
cited=$(grep -rhoE "model/alt\.pml: ?[a-z_]+" csp channels src backends networks 2>/dev/null |
        sed -E 's/.*: ?//' | sort -u)
for name in $cited; do
  if ! grep -qE "^(inline|proctype) $name\b" model/alt.pml; then
    echo "model: the code cites model/alt.pml: $name, which the model does not define"
    failed=1
  fi
done
echo "model: $(echo "$cited" | grep -c .) model names cited by the code"

if [ $failed -eq 0 ]; then echo "model: PASSED"; else echo "model: FAILED"; fi
exit $failed
