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

now() { date +%s.%N; }

median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

spread() {
  sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }'
}

# Both contenders start from the same state: nothing dirty in the page cache and, where permitted, nothing of the
# source cached either (otherwise whichever runs second would read from memory).
drop_caches=no
settle() {
  sync
  if [ "$drop_caches" = yes ]; then
    echo 3 > /proc/sys/vm/drop_caches
  fi
}

echo "== airlock copy-local vs tar | tar + sync"
echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine:   $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"

# The first call builds the jar if needed, so the build is never timed.
"$airlock" --version >/dev/null
. "$repo/scripts/jdk.sh"
airlock_find_jdk
echo "java:      $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
echo "airlock:   $airlock ($(git -C "$(dirname "$airlock")" describe --always --dirty 2>/dev/null || echo "not a git checkout"))"

if [ -e "$work" ]; then
  echo "ERROR: $work exists; remove it or set BENCH_DIR" >&2
  exit 1
fi
mkdir -p "$work"
trap cleanup EXIT
echo "work dir:  $work ($(stat -f -c %T "$work"), $(df -P "$work" | awk 'NR == 2 { print $1 }'))"
if (sync && echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
  drop_caches=yes
fi
echo "caches:    sync before every run; drop_caches $([ "$drop_caches" = yes ] && echo "permitted, done before every run" || echo "NOT permitted (source may be cached)")"
echo "runs:      $runs per contender and dataset, alternating order (AB BA ...)"

# Random data: our unpacker turns all-zero chunks into holes, which zeros would flatter.
echo "creating test data..."
mkdir -p "$work/src-big" "$work/src-small/small"
head -c "$((big_mib * 1024 * 1024))" /dev/urandom > "$work/src-big/big.bin"
per_dir=$(((small_files + small_dirs - 1) / small_dirs))
left=$small_files
for d in $(seq -w 1 "$small_dirs"); do
  n=$((left < per_dir ? left : per_dir))
  mkdir "$work/src-small/small/d$d"
  head -c "$((n * small_size))" /dev/urandom |
    (cd "$work/src-small/small/d$d" && split -b "$small_size" -a 5 -d - f)
  left=$((left - n))
done
[ "$(find "$work/src-small/small" -type f | wc -l)" -eq "$small_files" ]

# Start-up share: ./airlock --version (launcher, JDK lookup, JVM, command-line parsing) and the bare JVM.
startup() {
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1
  t1=$(now)
  echo "$t1 - $t0" | bc
}
launcher_times=() jvm_times=()
for _ in $(seq "$runs"); do
  launcher_times+=("$(startup "$airlock" --version)")
  jvm_times+=("$(startup "$JAVA_HOME/bin/java" -Xshare:auto -version)")
done

run_airlock() { "$airlock" copy-local --progress=none "$1/$2" "$3"; }
run_tar() { (cd "$1" && tar -cf - "$2") | (cd "$3" && tar -xf -) && sync; }

# One timed run of contender $1 on dataset ($2 = parent, $3 = name); prints seconds. The copy is checked (outside
# the timing) on the first run only, to keep the whole benchmark short.
#
# Copies of many files are kept until the dataset is done: ext4 without a journal (as here) passes over inodes
# freed in the last 60 s (360 s while their inode table block is dirty) when it allocates, reading inode tables to
# find out; right after the previous copy was deleted, tar needed 2.6 s of CPU for 10,000 files instead of 0.9 s.
timed() {
  local who=$1 parent=$2 name=$3 run=$4 dest t0 t1
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

declare -A times
bench() {
  local label=$1 parent=$2 name=$3 i
  times[$label-airlock]="" times[$label-tar]=""
  for i in $(seq "$runs"); do
    local order="airlock tar"
    [ $((i % 2)) = 0 ] && order="tar airlock"
    for who in $order; do
      local t
      t=$(timed "$who" "$parent" "$name" "$i")
      times[$label-$who]+="$t"$'\n'
      printf '  %-6s run %d  %-7s %7.3f s\n' "$label" "$i" "$who" "$t" >&2
    done
  done
  rm -rf "$work"/dst-*
}

echo "timing (each run: fresh destination, sync, drop caches)..."
bench big "$work/src-big" big.bin
bench small "$work/src-small" small

stat_of() { printf '%s' "${times[$1]}" | "$2"; }

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
printf '%-22s %10s %16s %14s %18s\n' dataset contender "median s" "range s" throughput
for label in big small; do
  for who in airlock tar; do
    m=$(stat_of "$label-$who" median)
    if [ "$label" = big ]; then
      tp=$(echo "$big_mib / $m" | bc -l | xargs printf '%.0f MiB/s')
      ds="1 x ${big_mib} MiB"
    else
      tp=$(echo "$small_files / $m" | bc -l | xargs printf '%.0f files/s')
      ds="$small_files x 4 KiB"
    fi
    printf '%-22s %10s %16.3f %14s %18s\n' "$ds" "$who" "$m" "$(stat_of "$label-$who" spread)" "$tp"
  done
done
echo
for label in big small; do
  a=$(stat_of "$label-airlock" median)
  t=$(stat_of "$label-tar" median)
  printf 'ratio %-5s tar/airlock = %.2f  (target >= 1.0)\n' "$label" "$(echo "$t / $a" | bc -l)"
done
printf 'start-up (no copy): airlock --version median %.3f s; bare JVM (java -version) median %.3f s\n' \
  "$(printf '%s\n' "${launcher_times[@]}" | median)" "$(printf '%s\n' "${jvm_times[@]}" | median)"
