#!/usr/bin/env bash
# Domain-to-domain copy benchmark (issue 4): `qvm-copy-to-vm personal DATA` run in domain work through
# `airlock run` (broker, two bubblewrap domains, qubes.Filecopy relayed by the broker) against `airlock copy-local`
# of the same data on the host, for one 1 GiB file and for 10,000 files of 4 KiB, alternating, in the same run.
# Both are followed by `sync`. Prints medians, throughput, the ratio copy-local/d2d (target >= 0.9), the start-up
# shares, and the latency of a trivial call with a warm broker (median of MEASURED, target < 5 ms). Needs root
# (domains run as their own users, page cache dropped). On demand only; not part of the tests.
#
# Environment: RUNS (default 5), BENCH_DIR (work folder, default bench/out/d2d-copy; it holds AIRLOCK_HOME, so the
# domains' homes and thus the data are there), BIG_MIB (default 1024), SMALL_FILES (default 10000), WARMUP (calls
# before the latency is measured, default 200), MEASURED (default 100), KEEP=1 (keep the work folder).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-5}
big_mib=${BIG_MIB:-1024}
small_files=${SMALL_FILES:-10000}
small_size=4096
small_dirs=10
work=${BENCH_DIR:-$repo/bench/out/d2d-copy}
airlock=$repo/airlock

. "$here/lib.sh"


bench_header "domain to domain (qvm-copy-to-vm through the broker) vs airlock copy-local"
bench_versions

make_work_dir
trap broker_cleanup EXIT
start_two_domains 'qubes.Filecopy  *  work  personal  allow
test.True       *  work  personal  allow'
make_datasets "$work_home"
chown -R "$(stat -c %u:%g "$work_home")" "$work_home"

# Start-up shares: the host's launcher alone, a command in a domain through the broker, a JVM in a domain.
run_true=() run_java=()
for _ in $(seq "$runs"); do
  run_true+=("$(startup "$airlock" run work -- true)")
  run_java+=("$(startup "$airlock" run work -- qvm-copy-to-vm --help)")
done

# The user's command in the domain, as typed there (the in-domain script, with the domains' class cache). Its own
# duration is also taken inside the domain: that is what the user in `work` waits for, without the host's
# `airlock run` client that this harness needs to start it.
run_d2d() {
  "$airlock" run work -- sh -c \
    "cd src-$1 && t0=\$(date +%s%N) && qvm-copy-to-vm personal $2 && echo \$((\$(date +%s%N) - t0)) > ../.d2d-ns" &&
    sync
}
run_local() { "$airlock" copy-local --progress=none "$work_home/src-$1/$2" "$3" && sync; }

# One timed run of contender $1 on dataset $2 (big or small), run number $3; prints seconds. The first run of
# each is checked against the source, outside the timing. Copies are renamed aside, not deleted, until the dataset
# is done (freshly freed inodes slow ext4's allocation down, see copy-local.sh).
timed() {
  local who=$1 label=$2 run=$3 name dest t0 t1
  name=$([ "$label" = big ] && echo big.bin || echo small)
  dest="$work/dst-$who-$run"
  mkdir "$dest"
  settle
  t0=$(now)
  if [ "$who" = d2d ]; then
    run_d2d "$label" "$name" >&2
  else
    run_local "$label" "$name" "$dest" >&2
  fi
  t1=$(now)
  if [ "$who" = d2d ]; then
    mv "$incoming/work" "$dest/"
    dest=$dest/work
    echo "scale=3; $(cat "$work_home/.d2d-ns") / 1000000000" | bc >> "$work/in-domain-$label"
  fi
  if [ "$run" = 1 ] && ! diff -r "$work_home/src-$label/$name" "$dest/$name" >/dev/null; then
    echo "ERROR: $who produced a copy that differs from the source" >&2
    exit 1
  fi
  echo "$t1 - $t0" | bc
}

echo "timing (each run: fresh destination, sync, drop caches)..."
for label in big small; do
  bench "$label" d2d local
  rm -rf "$work"/dst-*
done

echo "latency: $((${WARMUP:-200})) calls to warm up, then ${MEASURED:-100} measured..."
read -r lat_median lat_min lat_max < <("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$repo/target/airlock.jar" "$here/CallLatency.java" \
  "$AIRLOCK_HOME/run/domains/work/channel/agent.sock" personal test.True "${WARMUP:-200}" "${MEASURED:-100}")

save_results
if [ -n "${RESULTS:-}" ]; then
  for label in big small; do
    echo "$label-in-domain $(median < "$work/in-domain-$label")" >> "$RESULTS"
  done
  echo "latency-ms $lat_median" >> "$RESULTS"
fi

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
results_table d2d local
echo
for label in big small; do
  d=$(stat_of "$label-d2d" median)
  l=$(stat_of "$label-local" median)
  i=$(median < "$work/in-domain-$label")
  printf 'ratio %-5s local/d2d = %.2f with the host client; in the domain: qvm-copy-to-vm median %.3f s (%s),' \
    "$label" "$(echo "$l / $d" | bc -l)" "$i" "$(spread < "$work/in-domain-$label")"
  printf ' local/d2d = %.2f  (target >= 0.9)\n' "$(echo "$l / $i" | bc -l)"
done
startup_line='start-up (no copy): airlock run work -- true median %.3f s;'
startup_line+=' qvm-copy-to-vm --help in the domain (through run) median %.3f s\n'
# shellcheck disable=SC2059 # the format is ours
printf "$startup_line" \
  "$(printf '%s\n' "${run_true[@]}" | median)" "$(printf '%s\n' "${run_java[@]}" | median)"
printf 'trivial call, warm broker: median %s ms (min %s, max %s) over %s calls (target < 5 ms)\n' \
  "$lat_median" "$lat_min" "$lat_max" "${MEASURED:-100}"
