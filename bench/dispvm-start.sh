#!/usr/bin/env bash
# Disposable start benchmark (issue 5): the time from a call to @dispvm (made on domain work's socket) until a
# trivial service prints its first line in the disposable, with a ready pool (AIRLOCK_DISPVM_POOL=1, the broker
# refills it after each call; the wait for the refill is not timed) and without one (AIRLOCK_DISPVM_POOL=0: the
# disposable's sandbox and agent start for the call). Targets: median < 300 ms pooled, < 1.5 s cold. Needs root
# (domains run as their own users). On demand only; not part of the tests.
#
# Environment: RUNS (calls per mode, default 20), BENCH_DIR (work folder, default bench/out/dispvm-start),
# KEEP=1 (keep the work folder).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-20}
work=${BENCH_DIR:-$repo/bench/out/dispvm-start}
airlock=$repo/airlock

. "$here/lib.sh"


bench_header "call to @dispvm until the service starts in the disposable, pooled and cold"
bench_versions
echo "runs:      $runs per mode"
if [ -e "$work" ]; then
  echo "ERROR: $work exists; remove it or set BENCH_DIR" >&2
  exit 1
fi
mkdir -p "$work"
trap broker_cleanup EXIT
export AIRLOCK_HOME=$work/home AIRLOCK_CONFIG=$work/config
mkdir -p "$AIRLOCK_CONFIG/policy.d"
printf '%s\n' 'test.Start  *  work  @dispvm  allow' 'qubes.OpenInVM  *  work  @dispvm  allow' \
  > "$AIRLOCK_CONFIG/policy.d/30-bench.policy"
"$airlock" create dvm --class DispVM-template --label gray >/dev/null
"$airlock" create work --label red --default-dispvm dvm >/dev/null
mkdir -p "$AIRLOCK_HOME/domains/dvm/qubes-rpc"
printf '#!/bin/sh\necho started\n' > "$AIRLOCK_HOME/domains/dvm/qubes-rpc/test.Start"
chmod 755 "$AIRLOCK_HOME/domains/dvm/qubes-rpc/test.Start"
# The disposables' file handler (from the template's home): an edit, so that the file comes back.
mkdir -p "$AIRLOCK_HOME/domains/dvm/home/.config/airlock"
printf '#!/bin/sh\necho edited >> "$1"\n' > "$AIRLOCK_HOME/domains/dvm/home/.config/airlock/open-handler"
chmod 755 "$AIRLOCK_HOME/domains/dvm/home/.config/airlock/open-handler"
chown -R "$(stat -c %u:%g "$AIRLOCK_HOME/domains/dvm/home")" "$AIRLOCK_HOME/domains/dvm/home/.config"
# The domains' users pass through the work folder to their homes and sockets.
chmod 711 "$work"
socket=$AIRLOCK_HOME/run/domains/work/channel/agent.sock

measure() {
  AIRLOCK_DISPVM_POOL=$1 "$airlock" up >/dev/null
  "$airlock" start work >/dev/null
  # One call first: the broker's call path and the JVM's code for it are warm in both modes.
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$repo/target/airlock.jar" "$here/DispvmStart.java" "$socket" test.Start 1 "$2" \
    >/dev/null
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$repo/target/airlock.jar" "$here/DispvmStart.java" "$socket" test.Start "$runs" "$2"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$repo/target/airlock.jar" "$here/DispvmStart.java" "$socket" qubes.OpenInVM \
    "$runs" "$2" > "$work/open-$2.txt"
  "$airlock" down >/dev/null
}

echo "timing..."
# One mode after the other, each with its own broker: the first one's must be down before the second starts.
measure 1 pooled > "$work/pooled.txt"
measure 0 cold > "$work/cold.txt"
read -r pooled_median pooled_min pooled_max < "$work/pooled.txt"
read -r cold_median cold_min cold_max < "$work/cold.txt"
read -r open_pooled_median open_pooled_min open_pooled_max < "$work/open-pooled.txt"
read -r open_cold_median open_cold_min open_cold_max < "$work/open-cold.txt"
left=$(find "$AIRLOCK_HOME/run/domains" -maxdepth 1 -name 'disp*' | wc -l)

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
printf '%-8s %10s %10s %10s %8s\n' mode "median ms" "min ms" "max ms" target
printf '%-8s %10s %10s %10s %8s\n' pooled "$pooled_median" "$pooled_min" "$pooled_max" "< 300"
printf '%-8s %10s %10s %10s %8s\n' cold "$cold_median" "$cold_min" "$cold_max" "< 1500"
echo "qubes.OpenInVM (a small file sent, the handler appends a line, until the edited file starts to come back):"
printf '%-8s %10s %10s %10s %8s\n' pooled "$open_pooled_median" "$open_pooled_min" "$open_pooled_max" "< 300"
printf '%-8s %10s %10s %10s %8s\n' cold "$open_cold_median" "$open_cold_min" "$open_cold_max" "< 1500"
echo "disposable folders left in run/domains after airlock down: $left"
