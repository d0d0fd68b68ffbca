#!/usr/bin/env bash
# Desktop benchmark (issue 11): how long until a window a domain opens is mapped on the user's display.
#  - peer:    a host xterm on the same display, until mapped (what the display costs without any isolation);
#  - run:     `airlock run work -- xterm` with work running (warm) and with work stopped (cold: the sandbox, its
#             xpra server and Xvfb, and the host client start for it);
#  - open:    `airlock open-in-dvm --view-only FILE` (a host file) until the viewer's window of the disposable is
#             mapped, with a pool of one ready disposable (AIRLOCK_DISPVM_POOL=1) and without (=0).
# Targets (issue 11): open pooled < 500 ms, cold < 3 s (Qubes: 2-5 s preloaded, 7-8 s cold). Also the resident
# memory a gui domain adds (its processes with the display, against a gui=false domain) and the host client's.
# Needs root (domains run as their own users), Xvfb, openbox, xpra, xauth and xdotool. On demand only.
#
# Environment: RUNS (per measure, default 10), BENCH_DIR (default bench/out/gui-open), KEEP=1 (keep the folder).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-10}
work=${BENCH_DIR:-$repo/bench/out/gui-open}
airlock=$repo/airlock
desktop_user=60998

. "$here/lib.sh"

for tool in Xvfb openbox xpra xauth xdotool xterm; do
  command -v "$tool" >/dev/null || { echo "ERROR: $tool is missing (apt-get install xvfb openbox xpra python3-gi-cairo xauth xdotool xterm)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "ERROR: run as root: domains run as their own users" >&2; exit 1; }

bench_header "a domain's window until mapped: airlock run, open-in-dvm pooled and cold, against a host xterm"
bench_versions
echo "runs:      $runs per measure"
if [ -e "$work" ]; then
  echo "ERROR: $work exists; remove it or set BENCH_DIR" >&2
  exit 1
fi
mkdir -p "$work"
chmod 711 "$work"
pids=()
cleanup() {
  "$airlock" down >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "work folder kept in $work"; fi
}
trap cleanup EXIT

# A display of our own, with a cookie, as a desktop session has; the desktop user reads the cookie.
n=$((RANDOM % 500 + 300))
while [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
touch "$work/Xauthority"
xauth -q -f "$work/Xauthority" add ":$n" MIT-MAGIC-COOKIE-1 "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
chmod 644 "$work/Xauthority"
Xvfb ":$n" -auth "$work/Xauthority" -nolisten tcp -noreset -screen 0 1280x800x24 >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=:$n XAUTHORITY=$work/Xauthority AIRLOCK_DESKTOP_USER=$desktop_user
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
openbox --sm-disable >"$work/openbox.log" 2>&1 &
pids+=($!)
sleep 1

export AIRLOCK_HOME=$work/home AIRLOCK_CONFIG=$work/config
mkdir -p "$AIRLOCK_CONFIG/policy.d"
"$airlock" create dvm --class DispVM-template --label red >/dev/null
"$airlock" prefs --global default_dispvm dvm >/dev/null
"$airlock" create work --label blue >/dev/null
"$airlock" create plain --label green >/dev/null
"$airlock" prefs plain gui false >/dev/null
# The disposables' viewer: a terminal showing the file, titled with the file's name.
mkdir -p "$AIRLOCK_HOME/domains/dvm/home/.config/airlock"
printf '#!/bin/sh\nexec xterm -T "viewer $(basename "$1")" -e less "$1"\n' \
  > "$AIRLOCK_HOME/domains/dvm/home/.config/airlock/open-handler"
chmod 755 "$AIRLOCK_HOME/domains/dvm/home/.config/airlock/open-handler"
chown -R "$(stat -c %u:%g "$AIRLOCK_HOME/domains/dvm/home")" "$AIRLOCK_HOME/domains/dvm/home/.config"
printf 'a file to look at\n' > "$work/note.txt"

# Seconds since $1 until a visible window whose title matches $2 exists (60 s at the most). Polled every 10 ms:
# xdotool's own --sync looks only every 0.5 s, which would round every figure up to the next half second.
mapped_after() {
  local t0=$1 pattern=$2 deadline
  deadline=$(($(date +%s) + 60))
  until xdotool search --onlyvisible --name "$pattern" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "ERROR: no window $pattern within 60 s" >&2; exit 1; }
    sleep 0.01
  done
  echo "$(now) - $t0" | bc
}

declare -A results
record() { results[$1]+="$2"$'\n'; printf '  %-14s run %2d %7.3f s\n' "$1" "$3" "$2" >&2; }

measure_peer() {
  local i t0 p
  for i in $(seq "$runs"); do
    t0=$(now)
    xterm -T "peer-$i" -e sleep 600 &
    p=$!
    record peer "$(mapped_after "$t0" "^peer-$i\$")" "$i"
    kill "$p"; wait "$p" 2>/dev/null || true
  done
}

# airlock run work -- xterm until mapped; work is stopped first when $1 is cold.
measure_run() {
  local mode=$1 i t0 p
  for i in $(seq "$runs"); do
    if [ "$mode" = cold ]; then
      "$airlock" shutdown work >/dev/null 2>&1 || true
    else
      "$airlock" start work >/dev/null 2>&1 || true
    fi
    t0=$(now)
    "$airlock" run work -- xterm -T "run-$mode-$i" -e sleep 600 >/dev/null 2>&1 &
    p=$!
    record "run-$mode" "$(mapped_after "$t0" "^\[work\] run-$mode-$i\$")" "$i"
    "$airlock" run work -- pkill -x sleep >/dev/null 2>&1 || true
    wait "$p" 2>/dev/null || true
  done
}

# airlock open-in-dvm --view-only until the viewer is mapped, then its viewer is closed (q to less).
measure_open() {
  local mode=$1 i t0 p w
  for i in $(seq "$runs"); do
    if [ "$mode" = pooled ]; then
      # The refill after the previous call is not timed: wait until a disposable is ready again.
      for _ in $(seq 300); do "$airlock" ls 2>/dev/null | grep -q " Pooled " && break; sleep 0.1; done
    fi
    t0=$(now)
    "$airlock" open-in-dvm --view-only "$work/note.txt" >/dev/null 2>&1 &
    p=$!
    record "open-$mode" "$(mapped_after "$t0" '^\[disp[0-9]*\] viewer note.txt$')" "$i"
    w=$(xdotool search --onlyvisible --name '^\[disp[0-9]*\] viewer note.txt$' | head -1)
    xdotool windowactivate --sync "$w" key q >/dev/null 2>&1 || true
    timeout 60 tail --pid="$p" -f /dev/null || kill "$p"
  done
}

rss_mib() { ps -o rss= -u "$1" 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'; }

echo "timing..."
AIRLOCK_DISPVM_POOL=1 "$airlock" up >/dev/null
"$airlock" start work >/dev/null
"$airlock" start plain >/dev/null
# One window first: the broker's and the client's code is warm for every measure.
"$airlock" run work -- true >/dev/null
measure_peer
measure_run warm
measure_run cold
"$airlock" start work >/dev/null
sleep 2
work_uid=$(stat -c %u "$AIRLOCK_HOME/domains/work/home")
plain_uid=$(stat -c %u "$AIRLOCK_HOME/domains/plain/home")
work_rss=$(rss_mib "$work_uid")
plain_rss=$(rss_mib "$plain_uid")
client_rss=$(rss_mib "$desktop_user")
measure_open pooled
"$airlock" down >/dev/null
AIRLOCK_DISPVM_POOL=0 "$airlock" up >/dev/null
measure_open cold
"$airlock" down >/dev/null

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
peer=$(printf '%s' "${results[peer]}" | median)
printf '%-12s %10s %16s %14s %10s\n' measure "median ms" "range s" "x host xterm" target
for m in peer run-warm run-cold open-pooled open-cold; do
  med=$(printf '%s' "${results[$m]}" | median)
  case $m in open-pooled) target="< 500" ;; open-cold) target="< 3000" ;; *) target="-" ;; esac
  printf '%-12s %10.0f %16s %14.1f %10s\n' "$m" "$(echo "$med * 1000" | bc)" \
    "$(printf '%s' "${results[$m]}" | spread)" "$(echo "$med / $peer" | bc -l)" "$target"
done
echo
echo "resident memory (MiB): gui domain work $work_rss, gui=false domain plain $plain_rss (a gui domain adds" \
  "$((work_rss - plain_rss))); the host clients of all gui domains running (desktop user) $client_rss"
