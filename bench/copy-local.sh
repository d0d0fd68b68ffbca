#!/usr/bin/env bash
# File-copy benchmark (issue 2): `airlock copy-local` against `tar -cf - | tar -xf -` followed by `sync`, for one
# 1 GiB file and for 10,000 files of 4 KiB, in the same run. Prints the median times, throughput and the ratio
# tar_time / airlock_time (>= 1.0: airlock is at least as fast). On demand only; not part of the tests.
#
# Environment: RUNS (runs per contender and dataset, default 5), BENCH_DIR (work folder, default
# bench/out/copy-local; must be on the file system you want to measure), BIG_MIB (size of the big file,
# default 1024), SMALL_FILES (default 10000), KEEP=1 (keep the test data and copies), AIRLOCK (the launcher to
# measure, default ./airlock of this checkout; point it at another checkout to compare versions).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-5}
big_mib=${BIG_MIB:-1024}
small_files=${SMALL_FILES:-10000}
small_size=4096
small_dirs=10
work=${BENCH_DIR:-$repo/bench/out/copy-local}
airlock=${AIRLOCK:-$repo/airlock}

cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "test data kept in $work"
  fi
}

. "$here/lib.sh"

bench_header "airlock copy-local vs tar | tar + sync"

# The first call builds the jar if needed, so the build is never timed.
"$airlock" --version >/dev/null
. "$repo/scripts/jdk.sh"
airlock_find_jdk
echo "java:      $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
echo "airlock:   $airlock ($(git -C "$(dirname "$airlock")" describe --always --dirty 2>/dev/null || echo "not a git checkout"))"

make_work_dir
trap cleanup EXIT
make_datasets "$work"

# Start-up share: ./airlock --version (launcher, JDK lookup, JVM, command-line parsing) and the bare JVM.
launcher_times=() jvm_times=()
for _ in $(seq "$runs"); do
  launcher_times+=("$(startup "$airlock" --version)")
  jvm_times+=("$(startup "$JAVA_HOME/bin/java" -Xshare:auto -version)")
done

run_airlock() { "$airlock" copy-local --progress=none "$1/$2" "$3"; }
run_tar() { (cd "$1" && tar -cf - "$2") | (cd "$3" && tar -xf -) && sync; }

# One timed run of contender $1 on dataset $2 (big or small), run number $3; prints seconds. The copy is checked
# (outside the timing) on the first run only, to keep the whole benchmark short.
#
# Copies of many files are kept until the dataset is done: ext4 without a journal (as here) passes over inodes
# freed in the last 60 s (360 s while their inode table block is dirty) when it allocates, reading inode tables to
# find out; right after the previous copy was deleted, tar needed 2.6 s of CPU for 10,000 files instead of 0.9 s.
timed() {
  local who=$1 label=$2 run=$3 parent name dest t0 t1
  parent="$work/src-$label"
  name=$([ "$label" = big ] && echo big.bin || echo small)
  dest="$work/dst-$name-$who-$run"
  if [ -f "$parent/$name" ]; then
    rm -rf "$work"/dst-*
  fi
  mkdir "$dest"
  settle
  t0=$(now)
  "run_$who" "$parent" "$name" "$dest" >&2
  t1=$(now)
  if [ "$run" = 1 ] && ! diff -r "$parent/$name" "$dest/$name" >/dev/null; then
    echo "ERROR: $who produced a copy that differs from the source" >&2
    exit 1
  fi
  echo "$t1 - $t0" | bc
}

echo "timing (each run: fresh destination, sync, drop caches)..."
bench big airlock tar
rm -rf "$work"/dst-*
bench small airlock tar
rm -rf "$work"/dst-*

save_results

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
results_table airlock tar
echo
for label in big small; do
  a=$(stat_of "$label-airlock" median)
  t=$(stat_of "$label-tar" median)
  printf 'ratio %-5s tar/airlock = %.2f  (target >= 1.0)\n' "$label" "$(echo "$t / $a" | bc -l)"
done
printf 'start-up (no copy): airlock --version median %.3f s; bare JVM (java -version) median %.3f s\n' \
  "$(printf '%s\n' "${launcher_times[@]}" | median)" "$(printf '%s\n' "${jvm_times[@]}" | median)"
