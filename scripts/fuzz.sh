#!/bin/sh
# Runs every libFuzzer target for SECONDS (default 30) each, starting from
# the committed corpus, with inputs up to 256 KiB (enough for JSON nested
# 100,000 deep). A crash fails the script and leaves the input in
# build-fuzz/findings/; add it to the target's regressions with the fix. Needs clang and libclang-rt (scripts/install-deps.sh installs them).
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" "$root" -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C "$dir" >/dev/null
mkdir -p "$dir/findings"
status=0
# Targets live beside the tests of what they fuzz (tests/fuzz, tests/data,
# ...), each with its corpus in a corpus/NAME folder there.
for target in $(find "$dir/tests" -type f -name 'fuzz-*' -perm -u+x | sort); do
  name=$(basename "$target" | sed 's/^fuzz-//')
  work=$(mktemp -d)
  corpus=$(find "$root/tests" -type d -path "*/corpus/$name" | head -n 1)
  [ -n "$corpus" ] && cp -r "$corpus/." "$work/"
  log=$dir/findings/$name.log
  echo "fuzzing $name for ${seconds}s"
  if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
     "$target" "$work" -max_len=262144 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$dir/findings/$name-" -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' "$log" | tail -3 | sed 's/^/  /'
  else
    echo "  FAILED: see $log and $dir/findings/$name-*" >&2
    tail -30 "$log" >&2
    status=1
  fi
  rm -rf "$work"
done
exit $status
