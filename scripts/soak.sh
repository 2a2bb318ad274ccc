#!/usr/bin/env bash
# Soak: the random tier (tests/random/) for a given time, with fresh seeds, on every built
# backend configuration, on the release build and optionally the ThreadSanitizer build.
#
#   ./scripts/soak.sh                      10 minutes, release build
#   ./scripts/soak.sh --minutes 60 --tsan  an hour, alternating release and tsan rounds
#
# Options:
#   --minutes M        how long to keep starting rounds (default 10; a round started before
#                      the end runs to completion)
#   --tsan             also run rounds on the tsan build (every other round)
#   --networks N       networks per case and round on the release build (default 3000; a
#                      tsan round runs N/10)
#   --release-dir DIR  build directory of the release build (default build/release, made with
#                      the preset if missing)
#   --tsan-dir DIR     same for the tsan build (default build/tsan)
#
# Each round takes its first seed from the clock, runs both suites (random_networks and
# fault_injection, every backend configuration) on CSP_RANDOM_NETWORKS networks, and prints
# the seed and the round's summary lines. A failing round prints GoogleTest's report, whose
# last lines are the command that replays the failing network, and ends the soak. The last
# lines sum every round, per build and tier; lost must be 0. Exit status: 0 if every round
# passed.
set -uo pipefail
cd "$(dirname "$0")/.."

minutes=10
tsan=0
networks=3000
release_dir=build/release
tsan_dir=build/tsan
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --tsan) tsan=1; shift ;;
    --networks) networks=$2; shift 2 ;;
    --release-dir) release_dir=$2; shift 2 ;;
    --tsan-dir) tsan_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# Builds the random tier's test binary in $2 (configured with preset $1 if $2 has no build).
build() {
  local preset=$1 dir=$2
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    if [ "$dir" = "build/$preset" ]; then
      cmake --preset "$preset" >/dev/null || return 1
    else
      echo "soak.sh: $dir is not a configured build directory" >&2
      return 1
    fi
  fi
  cmake --build "$dir" --target csp_random_tests -j2 >/dev/null || return 1
}

builds=(release)
[ $tsan -eq 1 ] && builds+=(tsan)
for b in "${builds[@]}"; do
  dir=$release_dir
  [ "$b" = tsan ] && dir=$tsan_dir
  echo "soak.sh: building csp_random_tests in $dir"
  if ! build "$b" "$dir"; then
    echo "soak.sh: FAILED: could not build $dir"
    exit 1
  fi
done

summary=$(mktemp)
trap 'rm -f "$summary" "$summary.round" "$summary.out"' EXIT
end=$((SECONDS + minutes * 60))
round=0
failed=0
while [ $SECONDS -lt $end ]; do
  b=${builds[$((round % ${#builds[@]}))]}
  dir=$release_dir
  n=$networks
  if [ "$b" = tsan ]; then
    dir=$tsan_dir
    n=$(( (networks + 9) / 10 ))
  fi
  # A seed from the clock, spaced by more than any round's networks: no two rounds overlap.
  seed=$(( $(date +%s) * 100000 + round ))
  round=$((round + 1))
  echo "soak.sh: round $round ($b): CSP_RANDOM_SEED=$seed CSP_RANDOM_NETWORKS=$n"
  : >"$summary.round"
  if ! CSP_RANDOM_SEED=$seed CSP_RANDOM_NETWORKS=$n CSP_RANDOM_SUMMARY="$summary.round" \
      TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
      "$dir/tests/csp_random_tests" --gtest_filter='backends/*' >"$summary.out" 2>&1; then
    cat "$summary.out"
    echo "soak.sh: round $round FAILED ($b build, CSP_RANDOM_SEED=$seed CSP_RANDOM_NETWORKS=$n)"
    failed=1
  fi
  sed "s/^/build=$b /" "$summary.round" | tee -a "$summary" | sed 's/^/  /'
  rm -f "$summary.out"
  [ $failed -eq 0 ] || break
done

# Sums the key=value figures of every summary line, per build and tier, then over all.
awk '
  {
    key = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(build|tier)=/) key = key $i " "
    for (i = 1; i <= NF; i++) {
      if (split($i, kv, "=") != 2 || kv[2] !~ /^[0-9.]+$/ || kv[1] == "seeds") continue
      if (!(kv[1] in seen)) { seen[kv[1]] = 1; order[++n] = kv[1] }
      sum[key, kv[1]] += kv[2]; total[kv[1]] += kv[2]
    }
    keys[key] = 1
  }
  END {
    for (k in keys) {
      line = "soak.sh: " k; for (j = 1; j <= n; j++) line = line order[j] "=" sum[k, order[j]] " "
      print line
    }
    line = "soak.sh: all: "; for (j = 1; j <= n; j++) line = line order[j] "=" total[order[j]] " "
    print line
  }' "$summary"

if [ $failed -eq 0 ]; then
  echo "soak.sh: PASSED: $round round(s) in $((SECONDS / 60)) min $((SECONDS % 60)) s"
else
  echo "soak.sh: FAILED after $round round(s)"
fi
exit $failed
