#!/usr/bin/env bash
# Pendrive copy benchmark (issue 6): `qvm-copy-to-vm --pendrive personal DATA` run in domain work (new pendrive,
# FAT32 written over the pendrive channel, send, the incoming handler in personal extracting the files) against
# `qvm-copy-to-vm personal DATA` (qubes.Filecopy through the broker) in the same run, alternating, for one file of
# BIG_MIB MiB and for SMALL_FILES files of 4 KiB. A pendrive run ends when personal's incoming handler has written
# its report key (seen by a `qubesdb-watch` started in personal before the run); its `qubes_penctl umount` is not
# timed. Both are followed by `sync`. Needs root (domains run as their own users, page cache dropped). On demand.
#
# Environment: RUNS (default 5), BENCH_DIR (work folder, default bench/out/pendrive-copy), BIG_MIB (default 100),
# SMALL_FILES (default 1000), KEEP=1 (keep the work folder).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-5}
big_mib=${BIG_MIB:-100}
small_files=${SMALL_FILES:-1000}
small_size=4096
small_dirs=10
work=${BENCH_DIR:-$repo/bench/out/pendrive-copy}
airlock=$repo/airlock
in_domain_java='$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1'
in_domain_java+=' -Xshare:auto'

. "$here/lib.sh"


bench_header "pendrive copy (qvm-copy-to-vm --pendrive) vs qubes.Filecopy (qvm-copy-to-vm), domain to domain"
bench_versions

make_work_dir
trap broker_cleanup EXIT
export AIRLOCK_HOME=$work/home AIRLOCK_CONFIG=$work/config
mkdir -p "$AIRLOCK_CONFIG/policy.d"
cat > "$AIRLOCK_CONFIG/policy.d/30-bench.policy" <<'POLICY'
qubes.Filecopy        *  work  personal  allow
airlock.PendriveSend  *  work  personal  allow
POLICY
"$airlock" create work --label red >/dev/null
"$airlock" create personal --label green >/dev/null
chmod 711 "$work"
"$airlock" up >/dev/null
"$airlock" start work
"$airlock" start personal
work_home=$AIRLOCK_HOME/domains/work/home
incoming=$AIRLOCK_HOME/domains/personal/home/QubesIncoming
make_datasets "$work_home"
chown -R "$(stat -c %u:%g "$work_home")" "$work_home"

in_domain() { "$airlock" run "$1" -- sh -c "$2"; }

# One timed run of contender $1 on dataset $2 (big or small), run number $3; prints seconds. The first run of
# each is checked against the source, outside the timing.
timed() {
  local who=$1 label=$2 run=$3 name dest t0 t1 watcher got
  name=$([ "$label" = big ] && echo big.bin || echo small)
  dest="$work/dst-$who-$run"
  mkdir "$dest"
  if [ "$who" = pendrive ]; then
    : > "$work/watch.out"
    in_domain personal "$in_domain_java -jar /opt/airlock/airlock.jar qubesdb-watch -n 2 pendrive/incoming" \
      > "$work/watch.out" 2>&1 &
    watcher=$!
    # The watch is set up once its first change (ours) shows: the second change is the handler's report.
    while [ ! -s "$work/watch.out" ]; do
      "$airlock" run personal -- qubesdb-write pendrive/incoming ready
      for _ in $(seq 30); do [ -s "$work/watch.out" ] && break; sleep 0.1; done
    done
  fi
  settle
  t0=$(now)
  if [ "$who" = pendrive ]; then
    in_domain work "cd src-$label && $in_domain_java -jar /opt/airlock/airlock.jar qvm-copy-to-vm --pendrive personal $name" >&2
    wait "$watcher"
  else
    in_domain work "cd src-$label && $in_domain_java -jar /opt/airlock/airlock.jar qvm-copy-to-vm personal $name" >&2
  fi
  sync
  t1=$(now)
  if [ "$who" = pendrive ]; then
    got=$("$airlock" run personal -- qubesdb-read pendrive/incoming)
    case "$got" in *failed*) echo "ERROR: pendrive run $run: $got" >&2; exit 1 ;; esac
    "$airlock" run personal -- qubes_penctl umount >&2
    mv "$incoming/pendrive-work" "$dest/work"
  else
    mv "$incoming/work" "$dest/work"
  fi
  if [ "$run" = 1 ] && ! diff -r "$work_home/src-$label/$name" "$dest/work/$name" >/dev/null; then
    echo "ERROR: $who produced a copy that differs from the source" >&2
    exit 1
  fi
  echo "$t1 - $t0" | bc
}

echo "timing (each run: fresh destination, sync, drop caches)..."
for label in big small; do
  bench "$label" pendrive filecopy
  rm -rf "$work"/dst-*
done

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
results_table pendrive filecopy
echo
for label in big small; do
  p=$(stat_of "$label-pendrive" median)
  f=$(stat_of "$label-filecopy" median)
  printf 'ratio %-5s filecopy/pendrive = %.2f  (pendrive time as a share of filecopy: %.0f%%)\n' "$label" \
    "$(echo "$f / $p" | bc -l)" "$(echo "100 * $p / $f" | bc -l)"
done
