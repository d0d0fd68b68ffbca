#!/usr/bin/env bash
# Copy into the host (issue 14): one file (default 100 MiB of random data) from domain work to the host with
# `qvm-copy-to-dom0` typed in work (broker, bubblewrap domain, the host's receiver in the broker, as the desktop
# user when root) against `tar -cf - | tar -xf -` of the same file on the host, each followed by `sync`,
# alternating, in the same run. Prints the medians and the ratio tar/airlock (>= 1.0: airlock is at least as fast).
# The time of qvm-copy-to-dom0 is taken inside the domain (what the user in work waits for, JVM start included).
# Run it on a quiet machine; on demand only, not part of the tests.
#
# Environment: RUNS (default 5), BENCH_DIR (work folder, default bench/out/host-copy; it holds AIRLOCK_HOME and the
# host user's QubesIncoming), MIB (size of the file, default 100), KEEP=1 (keep the work folder).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-5}
mib=${MIB:-100}
work=${BENCH_DIR:-$repo/bench/out/host-copy}
airlock=$repo/airlock

. "$here/lib.sh"

bench_header "domain to host (qvm-copy-to-dom0) vs tar | tar on the host"
bench_versions

make_work_dir
trap broker_cleanup EXIT
export AIRLOCK_HOME=$work/home AIRLOCK_CONFIG=$work/config
mkdir -p "$AIRLOCK_CONFIG/policy.d"
echo 'qubes.Filecopy  *  work  @adminvm  allow' > "$AIRLOCK_CONFIG/policy.d/30-bench.policy"
host_user=$work/host-user
mkdir -p "$host_user"
export AIRLOCK_HOST_INCOMING_HOME=$host_user
if [ "$(id -u)" = 0 ]; then
  # As root the host's receiver writes as the desktop user: here nobody, who owns the stand-in home.
  export AIRLOCK_DESKTOP_USER=${AIRLOCK_DESKTOP_USER:-65534}
  chown "$AIRLOCK_DESKTOP_USER:$AIRLOCK_DESKTOP_USER" "$host_user"
fi
"$airlock" create work --label red >/dev/null
chmod 711 "$work"
"$airlock" up >/dev/null
"$airlock" start work
work_home=$AIRLOCK_HOME/domains/work/home
head -c "$((mib * 1024 * 1024))" /dev/urandom > "$work_home/big.bin"
chown "$(stat -c %u:%g "$work_home")" "$work_home/big.bin"
tar_dest=$work/tar-dest

run_airlock() {
  rm -rf "$host_user/QubesIncoming"
  settle
  "$airlock" run work -- sh -c \
    't0=$(date +%s%N) && qvm-copy-to-dom0 big.bin && echo $(($(date +%s%N) - t0))' > "$work/.ns"
  sync
  awk '{ printf "%.3f\n", $1 / 1e9 }' "$work/.ns"
}

run_tar() {
  rm -rf "$tar_dest" && mkdir "$tar_dest"
  settle
  local t0 t1
  t0=$(now)
  (cd "$work_home" && tar -cf - big.bin) | (cd "$tar_dest" && tar -xf -) && sync
  t1=$(now)
  echo "$t1 - $t0" | bc -l | xargs printf '%.3f\n'
}

a=() t=()
for i in $(seq "$runs"); do
  if [ $((i % 2)) = 1 ]; then
    a+=("$(run_airlock)"); t+=("$(run_tar)")
  else
    t+=("$(run_tar)"); a+=("$(run_airlock)")
  fi
done
cmp "$work_home/big.bin" "$host_user/QubesIncoming/work/big.bin"
am=$(printf '%s\n' "${a[@]}" | median)
tm=$(printf '%s\n' "${t[@]}" | median)
echo "qvm-copy-to-dom0: median ${am} s ($(printf '%s\n' "${a[@]}" | spread)), $(echo "$mib / $am" | bc -l | xargs printf '%.0f') MiB/s"
echo "tar | tar:        median ${tm} s ($(printf '%s\n' "${t[@]}" | spread)), $(echo "$mib / $tm" | bc -l | xargs printf '%.0f') MiB/s"
echo "ratio tar/airlock: $(echo "$tm / $am" | bc -l | xargs printf '%.2f')"
