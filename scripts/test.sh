#!/usr/bin/env bash
# Every test of csp, as CI runs it (.ci/run calls this):
#
#   release  build everything; run every ctest label (unit, conformance, stress, random,
#            model, compile_fail, package, examples, bench_smoke) on every built backend
#   tsan     ThreadSanitizer build of the library and the tests it runs: conformance, stress, random, stages
#   asan     AddressSanitizer + UBSan (+ LeakSanitizer) build of the tests it runs: conformance,
#            unit, stress, random, stages
#   fuzz     clang build of the libFuzzer targets; each runs CSP_FUZZ_SECONDS (60) from its corpus
#
# Each configuration is built once, with the presets of CMakePresets.json, into build/<preset>.
# docs/reliability.md says what each one checks and what it found.
#
#   ./scripts/test.sh              all four
#   ./scripts/test.sh tsan asan    only these
#
# Every stage runs even after an earlier one failed; the last line sums up, and the exit
# status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release tsan asan fuzz)

if ! ./scripts/setup.sh; then
  echo "test.sh: FAILED: scripts/setup.sh could not install the dependencies"
  exit 1
fi

summary=()
failed=0
start_all=$SECONDS
for preset in "${presets[@]}"; do
  start=$SECONDS
  echo "=== $preset: configure, build, test"
  result=ok
  if ! cmake --preset "$preset"; then
    result="configure FAILED"
  elif ! cmake --build --preset "$preset"; then
    result="build FAILED"
  elif ! ctest --preset "$preset"; then
    result="tests FAILED"
  fi
  [ "$result" = ok ] || failed=1
  summary+=("$preset $result ($((SECONDS - start)) s)")
done

line=$(IFS=';'; echo "${summary[*]}" | sed 's/;/, /g')
if [ $failed -eq 0 ]; then
  echo "test.sh: PASSED: $line; $((SECONDS - start_all)) s in all"
else
  echo "test.sh: FAILED: $line; $((SECONDS - start_all)) s in all"
fi
exit $failed
