# Shell functions shared by the benchmarks (sourced, not run). The caller sets `work` (its work folder) and
# `runs`; make_datasets also reads big_mib, small_files, small_size and small_dirs.

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

# Prints the header lines every benchmark starts with: its title, date, machine and load.
bench_header() {
  echo "== $1"
  echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine:   $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
  echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"
}

# Creates $work (which must not exist yet), finds out whether the page cache may be dropped and says so.
make_work_dir() {
  if [ -e "$work" ]; then
    echo "ERROR: $work exists; remove it or set BENCH_DIR" >&2
    exit 1
  fi
  mkdir -p "$work"
  echo "work dir:  $work ($(stat -f -c %T "$work"), $(df -P "$work" | awk 'NR == 2 { print $1 }'))"
  if (sync && echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
    drop_caches=yes
  fi
  echo "caches:    sync before every run; drop_caches $([ "$drop_caches" = yes ] && echo "permitted, done before every run" || echo "NOT permitted (source may be cached)")"
  echo "runs:      $runs per contender and dataset, alternating order (AB BA ...)"
}

# The two datasets in folder $1: big/big.bin ($big_mib MiB) and small/small/dNN/fNNNNN ($small_files files).
# Random data: our unpacker turns all-zero chunks into holes, which zeros would flatter.
make_datasets() {
  local at=$1 per_dir left n d
  echo "creating test data..."
  mkdir -p "$at/src-big" "$at/src-small/small"
  head -c "$((big_mib * 1024 * 1024))" /dev/urandom > "$at/src-big/big.bin"
  per_dir=$(((small_files + small_dirs - 1) / small_dirs))
  left=$small_files
  for d in $(seq -w 1 "$small_dirs"); do
    n=$((left < per_dir ? left : per_dir))
    mkdir "$at/src-small/small/d$d"
    head -c "$((n * small_size))" /dev/urandom |
      (cd "$at/src-small/small/d$d" && split -b "$small_size" -a 5 -d - f)
    left=$((left - n))
  done
  [ "$(find "$at/src-small/small" -type f | wc -l)" -eq "$small_files" ]
}

# Seconds that the command $@ takes, its output discarded.
startup() {
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1
  t1=$(now)
  echo "$t1 - $t0" | bc
}

# Runs contenders $2... alternately on dataset $1 (label) `runs` times: each run calls `timed WHO LABEL RUN`, which
# prints seconds; the times are collected in times[LABEL-WHO], one a line.
declare -A times
bench() {
  local label=$1 a=$2 b=$3 i who t order
  times[$label-$a]="" times[$label-$b]=""
  for i in $(seq "$runs"); do
    order="$a $b"
    [ $((i % 2)) = 0 ] && order="$b $a"
    for who in $order; do
      t=$(timed "$who" "$label" "$i")
      times[$label-$who]+="$t"$'\n'
      printf '  %-6s run %d  %-9s %7.3f s\n' "$label" "$i" "$who" "$t" >&2
    done
  done
}

stat_of() { printf '%s' "${times[$1]}" | "$2"; }

# The results table for contenders $1 and $2 over the datasets big and small.
results_table() {
  local label who m tp ds
  printf '%-22s %10s %16s %14s %18s\n' dataset contender "median s" "range s" throughput
  for label in big small; do
    for who in "$1" "$2"; do
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
}

# The EXIT trap of the benchmarks that start a broker: stops it (and its domains), removes $work unless KEEP=1.
# Needs $airlock and $work.
broker_cleanup() {
  "$airlock" down >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "work folder kept in $work"
  fi
}

# After bench_header: builds airlock if need be, finds the JDK (exports JAVA_HOME) and prints it and the commit.
# Needs $airlock and $repo.
bench_versions() {
  "$airlock" --version >/dev/null
  . "$repo/scripts/jdk.sh"
  airlock_find_jdk
  echo "java:      $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
  echo "airlock:   $(git -C "$repo" describe --always --dirty)"
}

# Writes the median of every series timed by `bench` to $RESULTS as `LABEL-WHO SECONDS` lines, when RESULTS is set
# (bench/instant.sh reads them); nothing otherwise.
save_results() {
  local key
  [ -n "${RESULTS:-}" ] || return 0
  for key in "${!times[@]}"; do
    printf '%s %s\n' "$key" "$(stat_of "$key" median)" >> "$RESULTS"
  done
}

# Creates domains `work` and `personal` under a fresh AIRLOCK_HOME and AIRLOCK_CONFIG in $work (exported), with
# the policy lines $1 (added to the bench's policy file) and a trivial service test.True in personal, then starts
# the broker and both domains. Sets work_home and incoming. Needs $airlock; the caller traps broker_cleanup.
start_two_domains() {
  export AIRLOCK_HOME=$work/home AIRLOCK_CONFIG=$work/config
  mkdir -p "$AIRLOCK_CONFIG/policy.d"
  printf '%s\n' "$1" > "$AIRLOCK_CONFIG/policy.d/30-bench.policy"
  "$airlock" create work --label red >/dev/null
  "$airlock" create personal --label green >/dev/null
  mkdir -p "$AIRLOCK_HOME/domains/personal/qubes-rpc"
  printf '#!/bin/sh\nexit 0\n' > "$AIRLOCK_HOME/domains/personal/qubes-rpc/test.True"
  chmod 755 "$AIRLOCK_HOME/domains/personal/qubes-rpc/test.True"
  # The domains' users pass through the work folder to their homes and sockets.
  chmod 711 "$work"
  "$airlock" up >/dev/null 2>&1
  "$airlock" start work
  "$airlock" start personal
  work_home=$AIRLOCK_HOME/domains/work/home
  incoming=$AIRLOCK_HOME/domains/personal/home/QubesIncoming
}
