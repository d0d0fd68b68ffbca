#!/usr/bin/env bash
# Load, soak, misbehaving domain and chaos (issue 17), against real domains and a real broker (`airlock up`), in
# this order:
#  1. load:      DOMAINS domains, COPIES concurrent qvm-copy-to-vm among them (sizes 4 KiB, 256 KiB, 4 MiB and
#                BIG_MIB MiB in turn), each checked byte for byte; the broker's threads, descriptors, RSS and heap
#                (used after a full GC) before and after.
#  2. soak:      SOAK_CALLS trivial calls spread over SOAK_SECONDS (Soak.java), the broker sampled every 10 s.
#  3. misbehave: domain load0 opens MISBEHAVE_IDLE silent connections, floods calls from 4 threads and sends 2 MiB
#                frames on its pendrive and agent sockets for MISBEHAVE_SECONDS (Misbehave.java); the call latency
#                between two other domains is measured without it and during it (CallLatency.java).
#  4. chaos:     the load again; meanwhile kill -9 of a random domain's agent, of a random running copy receiver,
#                and of the broker, which is then started again. Every copy is bounded (COPY_TIMEOUT in the
#                domain, more on the host); then no partial file in any QubesIncoming, the registry and the audit
#                log are checked.
# Every phase is bounded in count and time; the script exits non-zero if a check failed. Needs root (domains run
# as their own users; jcmd attaches to the broker). On demand only; not part of the tests.
#
# Environment (defaults are a quick run; the issue's full scale is COPIES=100 SOAK_CALLS=10000 SOAK_SECONDS=600):
# DOMAINS (10), COPIES (40), BIG_MIB (32), SOAK_CALLS (1000), SOAK_SECONDS (60), MISBEHAVE_SECONDS (30),
# MISBEHAVE_IDLE (200), COPY_TIMEOUT (seconds, 300), CHAOS (1; 0 skips phase 4), BENCH_DIR (work folder, default
# bench/out/load), KEEP=1 (keep it).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
domains=${DOMAINS:-10}
copies=${COPIES:-40}
big_mib=${BIG_MIB:-32}
soak_calls=${SOAK_CALLS:-1000}
soak_seconds=${SOAK_SECONDS:-60}
mis_seconds=${MISBEHAVE_SECONDS:-30}
mis_idle=${MISBEHAVE_IDLE:-200}
copy_timeout=${COPY_TIMEOUT:-300}
chaos=${CHAOS:-1}
work=${BENCH_DIR:-$repo/bench/out/load}
airlock=$repo/airlock
runs=1
failures=0

. "$here/lib.sh"

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

bench_header "load, soak, misbehaving domain, chaos"
bench_versions
if [ "$(id -u)" != 0 ]; then
  echo "ERROR: needs root (domains run as their own users, jcmd attaches to the broker)" >&2
  exit 1
fi
echo "scale:     $domains domains, $copies copies, soak $soak_calls calls over $soak_seconds s, misbehaving" \
  "$mis_seconds s, chaos $([ "$chaos" = 1 ] && echo on || echo off)"
make_work_dir
trap broker_cleanup EXIT
export AIRLOCK_HOME=$work/home AIRLOCK_CONFIG=$work/config
mkdir -p "$AIRLOCK_CONFIG/policy.d"
cat > "$AIRLOCK_CONFIG/policy.d/30-load.policy" <<'POLICY'
qubes.Filecopy  *  @anyvm  @anyvm  allow
test.True       *  @anyvm  @anyvm  allow
POLICY
names=()
for d in $(seq 0 $((domains - 1))); do
  names+=("load$d")
  "$airlock" create "load$d" --label red >/dev/null
  mkdir -p "$AIRLOCK_HOME/domains/load$d/qubes-rpc"
  printf '#!/bin/sh\nexit 0\n' > "$AIRLOCK_HOME/domains/load$d/qubes-rpc/test.True"
  chmod 755 "$AIRLOCK_HOME/domains/load$d/qubes-rpc/test.True"
done
# The domains' users pass through the work folder to their homes and sockets.
chmod 711 "$work"

broker_pid=
start_broker() {
  local said
  said=$("$airlock" up 2>&1) || { echo "$said" >&2; return 1; }
  broker_pid=$(echo "$said" | grep -oE 'pid [0-9]+' | grep -oE '[0-9]+' | head -1)
}
start_broker
for n in "${names[@]}"; do
  "$airlock" start "$n" >/dev/null
done
home_of() { echo "$AIRLOCK_HOME/domains/$1/home"; }
socket_of() { echo "$AIRLOCK_HOME/run/domains/$1/channel/agent.sock"; }
java_src() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$repo/target/airlock.jar" "$@"; }

# threads fds rss_kib heap_used_kib of the broker, heap after a full GC (so garbage is not counted as growth).
metrics() {
  local heap
  "$JAVA_HOME/bin/jcmd" "$broker_pid" GC.run >/dev/null 2>&1 || true
  # Serial GC: the young and the tenured generation, "DefNew total ...K, used ...K" and "Tenured ...".
  heap=$("$JAVA_HOME/bin/jcmd" "$broker_pid" GC.heap_info 2>/dev/null |
    awk '/^ *(DefNew|Tenured|def new generation|tenured generation)/ { for (i = 1; i < NF; i++) if ($i == "used") { sub(/K.*/, "", $(i + 1)); u += $(i + 1) } }
         END { print u + 0 }')
  echo "$(ls "/proc/$broker_pid/task" | wc -l) $(ls "/proc/$broker_pid/fd" | wc -l)" \
    "$(awk '/VmRSS/ { print $2 }' "/proc/$broker_pid/status") ${heap:-?}"
}
print_metrics() { printf '%-28s threads %4s  fds %5s  rss %7s KiB  heap used %7s KiB\n' "$1" $2 $3 $4 $5; }

# Source files: copy i is sent by domain i % DOMAINS to another one, its size the i-th of the mix.
sizes=(4096 262144 4194304 $((big_mib << 20)))
echo "creating test data..."
for i in $(seq 0 $((copies - 1))); do
  s=$((i % domains))
  head -c "${sizes[$((i % 4))]}" /dev/urandom > "$(home_of "load$s")/c-$i.bin"
done
for n in "${names[@]}"; do
  chown -R "$(stat -c %u:%g "$(home_of "$n")")" "$(home_of "$n")"
done
target_of() { local i=$1 s=$(($1 % domains)); echo $(((s + 1 + (i / domains) % (domains - 1)) % domains)); }

# Starts every copy at once: per sending domain a script, started through `airlock run` in a session of its own (so
# that it outlives the broker in the chaos phase), which starts its copies in the background, each bounded by
# `timeout` in the domain; results (file target exit ms) go to ROUND.results in the sender's home.
run_round() {
  local round=$1 s i script h
  for s in $(seq 0 $((domains - 1))); do
    script=""
    for i in $(seq "$s" "$domains" $((copies - 1))); do
      script+="(t0=\$(date +%s%N); timeout $copy_timeout qvm-copy-to-vm load$(target_of "$i") c-$i.bin"
      script+=" >/dev/null 2>>$round.err; c=\$?; echo \"c-$i.bin load$(target_of "$i") \$c"
      script+=" \$(( (\$(date +%s%N) - t0) / 1000000 ))\" >> $round.results) &"$'\n'
    done
    script+="wait"$'\n'
    h=$(home_of "load$s")
    rm -f "$h/$round.results" "$h/$round.err"
    printf '%s' "$script" > "$h/$round.sh"
    chown "$(stat -c %u:%g "$h")" "$h/$round.sh"
    timeout 60 "$airlock" run "load$s" -- sh -c "setsid sh $round.sh </dev/null >/dev/null 2>&1 &" >/dev/null 2>&1 ||
      fail "$round: could not start the copies of load$s"
  done
}

# Waits (bounded) for every sender's results, then checks every copy that succeeded byte for byte and every file
# in every QubesIncoming against its source: a file that differs or is hidden is a partial one.
check_round() {
  local round=$1 s n want have deadline ok=0 failed=0 missing=0 lost=0 bad=0 partial=0 maxms=0 f src t c ms
  deadline=$(($(date +%s) + copy_timeout + 30))
  for s in $(seq 0 $((domains - 1))); do
    want=$(seq "$s" "$domains" $((copies - 1)) | wc -l)
    while have=$(cat "$(home_of "load$s")/$round.results" 2>/dev/null | wc -l); [ "$have" -lt "$want" ] &&
      [ "$(date +%s)" -lt "$deadline" ] && [ "load$s" != "$(cat "$work/$round.victim" 2>/dev/null)" ]; do
      sleep 1
    done
    if [ "load$s" = "$(cat "$work/$round.victim" 2>/dev/null)" ]; then
      lost=$((lost + want - have))
    else
      missing=$((missing + want - have))
    fi
    while read -r f t c ms; do
      [ "$ms" -gt "$maxms" ] && maxms=$ms
      if [ "$c" = 0 ]; then
        if cmp -s "$(home_of "load$s")/$f" "$(home_of "$t")/QubesIncoming/load$s/$f"; then
          ok=$((ok + 1))
        else
          bad=$((bad + 1))
          fail "$round: load$s $f reported success but differs at $t"
        fi
      else
        failed=$((failed + 1))
      fi
    done < <(cat "$(home_of "load$s")/$round.results" 2>/dev/null)
  done
  for n in "${names[@]}"; do
    while IFS= read -r -d '' f; do
      src=$(echo "$f" | sed -E 's|.*/QubesIncoming/([^/]+)/(.*)|\1 \2|')
      # shellcheck disable=SC2086 # two words on purpose
      set -- $src
      if [[ "$2" == .* ]] || ! cmp -s "$(home_of "$1")/$2" "$f"; then
        partial=$((partial + 1))
        fail "$round: partial file $f"
      fi
    done < <(find "$(home_of "$n")/QubesIncoming" -type f -print0 2>/dev/null)
  done
  [ "$missing" -gt 0 ] && fail "$round: $missing copies never reported (a sender domain lost?)"
  echo "$round: $copies copies: $ok complete and identical, $failed failed cleanly, $missing unreported," \
    "$lost unreported by the domain whose agent was killed (its senders die with it)," \
    "$bad corrupt, $partial partial files in QubesIncoming; slowest copy $maxms ms (bound ${copy_timeout}000 ms)"
  for s in $(seq 0 $((domains - 1))); do
    sed "s/^/  load$s: /" "$(home_of "load$s")/$round.err" 2>/dev/null | sort | uniq -c | sort -rn | head -3 || true
  done
}

clear_incoming() {
  for n in "${names[@]}"; do
    rm -rf "$(home_of "$n")/QubesIncoming"
  done
}

# Warm-up: a few calls and one small copy, so the baseline is the broker at work, not fresh from start.
java_src "$here/Soak.java" "$(for n in "${names[@]}"; do printf '%s:%s,' "$(socket_of "$n")" "$n"; done | sed 's/,$//')" \
  test.True 50 5 4 >/dev/null
# The broker's pool of blocking threads lets an idle thread go after 60 s: every "idle" figure is taken after that.
idle=65
sleep "$idle"
read -r -a base < <(metrics)
echo
print_metrics "idle baseline (+${idle} s)" "${base[@]}"

echo "== 1. load"
t0=$(now)
run_round load
check_round load
echo "load: all copies ended and were checked within $(printf '%.1f' "$(echo "$(now) - $t0" | bc)") s"
sleep "$idle"
read -r -a after < <(metrics)
print_metrics "after load (+${idle} s)" "${after[@]}"
clear_incoming

echo "== 2. soak"
samples=$work/soak-samples
(
  while sleep 10; do metrics >> "$samples"; done
) &
sampler=$!
soak_out=$(java_src "$here/Soak.java" \
  "$(for n in "${names[@]}"; do printf '%s:%s,' "$(socket_of "$n")" "$n"; done | sed 's/,$//')" test.True \
  "$soak_calls" "$soak_seconds" 4) || fail "soak: calls hung"
kill "$sampler" 2>/dev/null || true
echo "soak: $soak_out"
if [ -s "$samples" ]; then
  awk '{ t[NR] = $1; f[NR] = $2; r[NR] = $3; h[NR] = $4 }
       END { printf "soak samples (every 10 s): threads %d..%d, fds %d..%d, rss %d..%d KiB, heap used %s..%s KiB\n",
             min(t), max(t), min(f), max(f), min(r), max(r), min(h), max(h) }
       function min(a,  i, m) { m = a[1]; for (i in a) if (a[i] + 0 < m + 0) m = a[i]; return m }
       function max(a,  i, m) { m = a[1]; for (i in a) if (a[i] + 0 > m + 0) m = a[i]; return m }' "$samples"
fi
sleep "$idle"
read -r -a after < <(metrics)
print_metrics "after soak (+${idle} s)" "${after[@]}"

echo "== 3. misbehaving domain load0"
lat() { java_src "$here/CallLatency.java" "$(socket_of load1)" load2 test.True 20 200; }
read -r m0 lo0 hi0 < <(lat)
echo "load1 -> load2 trivial call without load0 misbehaving: median $m0 ms (min $lo0, max $hi0) over 200 calls"
java_src "$here/Misbehave.java" "$AIRLOCK_HOME/run/domains/load0/channel" load3 test.True "$mis_seconds" \
  "$mis_idle" 4 > "$work/misbehave.out" 2>&1 &
mis=$!
sleep 5
read -r m1 lo1 hi1 < <(lat)
echo "load1 -> load2 trivial call with load0 misbehaving:    median $m1 ms (min $lo1, max $hi1) over 200 calls"
wait "$mis" || fail "misbehave driver failed: $(cat "$work/misbehave.out")"
echo "load0 did: $(tail -1 "$work/misbehave.out")"
sleep 5
read -r -a after < <(metrics)
print_metrics "after misbehaving (+5 s)" "${after[@]}"
sleep $((idle - 5))
read -r -a after < <(metrics)
print_metrics "after misbehaving (+${idle} s)" "${after[@]}"
"$airlock" ls >/dev/null || fail "airlock ls failed after the misbehaving domain"

# Processes under domain $1's sandbox whose command line matches $2: pid lines.
in_domain() {
  local root
  root=$(head -1 "$AIRLOCK_HOME/run/domains/$1/pid" 2>/dev/null | grep -oE '^[0-9]+') || return 0
  ps -e -o pid=,ppid=,args= | awk -v root="$root" -v pat="$2" '
    { parent[$1] = $2; line[$1] = $0 }
    END { for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q];
          if (q == root && p != root && line[p] ~ pat) print p } }'
}

if [ "$chaos" = 1 ]; then
  echo "== 4. chaos"
  chaos_acts() {
    sleep 3
    v=load$((RANDOM % domains))
    a=$(in_domain "$v" 'airlock[.]jar agent$' | head -1)
    echo "$v" > "$work/chaos.victim"
    echo "chaos: kill -9 agent of $v (pid ${a:-none found})"
    [ -n "$a" ] && kill -9 "$a"
    sleep 3
    r=
    for n in $(printf '%s\n' "${names[@]}" | shuf); do
      r=$(in_domain "$n" 'qvm-copy-to-vm' | shuf -n 1)
      [ -n "$r" ] && { echo "chaos: kill -9 a running qvm-copy-to-vm in $n (pid $r)"; kill -9 "$r"; break; }
    done
    [ -z "$r" ] && echo "chaos: no qvm-copy-to-vm was running to kill"
    sleep 3
    echo "chaos: kill -9 broker (pid $broker_pid)"
    kill -9 "$broker_pid"
    sleep 2
  }
  t0=$(now)
  # The faults start once every sender runs, so that each one hits copies in flight.
  run_round chaos
  chaos_acts > "$work/chaos.log" 2>&1
  cat "$work/chaos.log"
  start_broker
  echo "chaos: broker started again (pid $broker_pid)"
  check_round chaos
  echo "chaos: all copies ended within $(printf '%.1f' "$(echo "$(now) - $t0" | bc)") s"
  sleep 5
  running=$("$airlock" ls | grep -cE '^load[0-9]+ .*Running' || true)
  echo "chaos: $running of $domains domains running after the restart"
  n=$("$airlock" ls | grep -c '^load' || true)
  [ "$n" = "$domains" ] || fail "registry: airlock ls lists $n of $domains domains"
  python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$AIRLOCK_HOME/domains.xml" ||
    fail "registry: domains.xml does not parse"
  python3 - "$AIRLOCK_HOME" <<'PY' || fail "audit log: a line does not parse"
import glob, json, sys
lines = 0
for f in glob.glob(sys.argv[1] + "/**/audit.jsonl*", recursive=True):
    for n, line in enumerate(open(f, encoding="utf-8"), 1):
        json.loads(line)
        lines += 1
print("audit log: %d lines, every one parses" % lines)
PY
  read -r -a after < <(metrics)
  print_metrics "new broker after chaos" "${after[@]}"
fi

echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at end"
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) FAILED"
  exit 1
fi
echo "all checks passed"
