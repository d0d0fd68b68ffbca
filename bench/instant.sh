#!/usr/bin/env bash
# Every figure of issue 16 in one run, each with its peer, the ratio and the target: the commands a person types
# (`airlock run work -- true`, `airlock ls`, `qvm-copy-to-vm personal f` of one small file typed in a domain; medians
# of REPS runs, end to end as the user waits), a trivial call with a warm broker, 10,000 x 4 KiB and 1 GiB copied
# domain to domain (typed in the domain) and with copy-local against tar + sync, and the resident memory of the
# broker and of a domain's agent. The copies are copy-local.sh's and d2d-copy.sh's own runs (RUNS each, medians,
# page cache dropped before every run); this script adds the rest and the summary. Works with whatever the commands
# are (JVM per command or thin clients): it only times them. Needs root. On demand only; not part of the tests.
#
# Environment: RUNS (copies per contender and dataset, default 3), REPS (runs of each typed command, default 20),
# BENCH_DIR (work folder, default bench/out/instant), BIG_MIB (default 1024), SMALL_FILES (default 10000),
# COPIES=0 (skip the two copy benchmarks: commands, latency and memory only), KEEP=1 (keep the work folders).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-3}
reps=${REPS:-20}
work=${BENCH_DIR:-$repo/bench/out/instant}
airlock=$repo/airlock

. "$here/lib.sh"

bench_header "issue 16: typed commands, trivial call, small and large copies, memory"
bench_versions
make_work_dir
results=$work/results
: > "$results"

if [ "${COPIES:-1}" != 0 ]; then
  echo "copies: bench/copy-local.sh and bench/d2d-copy.sh, RUNS=$runs (their output in $work/*.log)..."
  for b in copy-local d2d-copy; do
    if ! RUNS=$runs RESULTS=$results BENCH_DIR=$work/$b KEEP=${KEEP:-0} "$here/$b.sh" > "$work/$b.log" 2>&1; then
      echo "ERROR: bench/$b.sh failed; its last lines:" >&2
      tail -5 "$work/$b.log" >&2
      exit 1
    fi
  done
fi

echo "typed commands: $reps runs each..."
top=$work
work=$top/domains
mkdir -p "$work"
# The broker and its domains go at the end; so does everything else unless KEEP=1 (the copies' logs included).
cleanup() {
  KEEP=1 broker_cleanup >/dev/null
  if [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$top"
  else
    echo "work folder kept in $top"
  fi
}
trap cleanup EXIT
start_two_domains 'qubes.Filecopy  *  work  personal  allow
test.True       *  work  personal  allow'

# Seconds of each of $reps runs of the command $@, one a line.
typed() {
  local i
  for i in $(seq "$reps"); do
    startup "$@"
  done
}
typed "$airlock" run work -- true > "$work/run-true"
typed "$airlock" ls > "$work/ls"
# One file of 4 KiB per run, each under a new name (the receiver keeps what it has), timed inside the domain: what
# the user typing in `work` waits for, in one shell so that the host's client is not part of it.
head -c 4096 /dev/urandom > "$work_home/one"
for i in $(seq "$reps"); do cp "$work_home/one" "$work_home/one-$i"; done
chown "$(stat -c %u:%g "$work_home")" "$work_home"/one*
"$airlock" run work -- sh -c "for i in \$(seq $reps); do t0=\$(date +%s%N); qvm-copy-to-vm personal one-\$i \
  >/dev/null 2>&1 || exit 1; echo \$(((\$(date +%s%N) - t0) / 1000)); done" > "$work/copy-one-us"
awk '{ printf "%.6f\n", $1 / 1e6 }' "$work/copy-one-us" > "$work/copy-one"

echo "latency: ${WARMUP:-200} calls to warm up, then ${MEASURED:-100} measured..."
read -r lat_median lat_min lat_max < <("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$repo/target/airlock.jar" "$here/CallLatency.java" "$AIRLOCK_HOME/run/domains/work/channel/agent.sock" \
  personal test.True "${WARMUP:-200}" "${MEASURED:-100}")

# Resident memory after the work above, once idle: the broker (the process that listens on the admin socket) and
# each domain's agent (the JVM below the domain's sandbox, whose pid the broker records).
sleep "${IDLE_SECONDS:-10}"
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
descendants() {
  local p
  for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$p"
    descendants "$p"
  done
}
agent_pid() {
  local p
  for p in $(descendants "$(head -1 "$AIRLOCK_HOME/run/domains/$1/pid")"); do
    if [ "$(cat "/proc/$p/comm")" = java ] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q 'airlock.jar agent'; then
      echo "$p"
      return
    fi
  done
}
broker_pid=$(ss -xlpn | awk -v s="$AIRLOCK_HOME/run/admin.sock" '$5 == s' |
  sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
broker_rss=$(rss_kib "$broker_pid")
agent_work_rss=$(rss_kib "$(agent_pid work)")
agent_personal_rss=$(rss_kib "$(agent_pid personal)")

result() { awk -v k="$1" '$1 == k { print $2 }' "$results"; }
ms() { echo "$1 * 1000" | bc -l | xargs printf '%.1f'; }
# One summary line: figure, airlock's value, the peer's, the peer/airlock ratio (>= 1: airlock faster), target.
line() { printf '%-46s %12s %12s %8s   %s\n' "$@"; }
secs() { if [ -n "$1" ]; then printf '%.3f' "$1"; else echo -; fi; }
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then echo "$2 / $1" | bc -l | xargs printf '%.2f'; else echo -; fi; }

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
echo
line figure airlock peer ratio target
line "airlock run work -- true, median ms" "$(ms "$(median < "$work/run-true")")" - - "< 60 ms"
line "airlock ls, median ms" "$(ms "$(median < "$work/ls")")" - - "< 60 ms"
line "qvm-copy-to-vm personal f (in domain), ms" "$(ms "$(median < "$work/copy-one")")" - - "< 80 ms"
line "trivial call, warm broker, median ms" "$lat_median" - - "< 2 ms"
if [ "${COPIES:-1}" != 0 ]; then
  for label in small big; do
    if [ "$label" = small ]; then what="${SMALL_FILES:-10000} x 4 KiB"; else what="${BIG_MIB:-1024} MiB"; fi
    tar=$(result "$label-tar")
    d2d=$(result "$label-in-domain")
    local_=$(result "$label-airlock")
    want_d2d=$([ "$label" = small ] && echo ">= 1.0" || echo ">= 1.1")
    want_local=$([ "$label" = small ] && echo ">= 1.0" || echo ">= 1.2")
    line "$what d2d (typed in domain) vs tar+sync, s" "$(secs "$d2d")" "$(secs "$tar")" "$(ratio "$d2d" "$tar")" \
      "$want_d2d"
    line "$what copy-local vs tar+sync, s" "$(secs "$local_")" "$(secs "$tar")" "$(ratio "$local_" "$tar")" \
      "$want_local"
  done
fi
line "broker RSS idle, MiB" "$((broker_rss / 1024))" - - "< 100 MiB"
line "agent RSS (work, personal), MiB" "$((agent_work_rss / 1024)), $((agent_personal_rss / 1024))" - - "< 64 MiB"
echo
echo "tar+sync and copy-local come from copy-local.sh's run, d2d from d2d-copy.sh's (its in-domain time, host client"
echo "excluded), in the same invocation; ratio = tar / airlock. Typed commands: $reps runs; copies: RUNS=$runs."
echo "spreads (s): run true $(spread < "$work/run-true"), ls $(spread < "$work/ls"),"\
  "copy of one file $(spread < "$work/copy-one")"
