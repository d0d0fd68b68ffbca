#!/usr/bin/env bash
# Pendrive FAT32 code (issue 6): format time of a 1 GiB image, and write / read / extract of one 100 MiB file and
# of 1,000 files of 4 KiB (random data), in one JVM (FatBench.java); mtools (mcopy) on the same data and image as
# a reference. Environment: RUNS (default 5), BENCH_DIR (default bench/out/fat, must not exist), KEEP=1 keeps it.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
. "$here/lib.sh"
. "$repo/scripts/jdk.sh"
airlock_find_jdk || exit 1
runs=${RUNS:-5}
work=${BENCH_DIR:-$repo/bench/out/fat}
big_mib=100 small_files=1000 small_size=4096 small_dirs=10

bench_header "pendrive FAT32: format, write, read, extract"
"$repo/airlock" --version >/dev/null
if [ -e "$work" ]; then
  echo "ERROR: $work exists; remove it or set BENCH_DIR" >&2
  exit 1
fi
mkdir -p "$work"
echo "work dir:  $work ($(stat -f -c %T "$work"), $(df -P "$work" | awk 'NR == 2 { print $1 }'))"
if (sync && echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
  drop_caches=yes
fi
echo "caches:    FatBench drops them only before 'read cold' (root only: $drop_caches); mcopy runs after sync$([ "$drop_caches" = yes ] && echo " and a drop")"
echo "runs:      $runs per measurement, in one JVM (the first run includes JIT warm-up)"
make_datasets "$work"
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$repo/target/airlock.jar")
"${java[@]}" "$here/FatBench.java" "$work" "$runs" "$work/src-big/big.bin" "$work/src-small/small"

if command -v mcopy >/dev/null 2>&1; then
  echo "-- mtools reference (same image format, same data)"
  export MTOOLS_SKIP_CHECK=1
  img=$work/mtools.img
  for set in big small; do
    src=$work/src-$set/$([ $set = big ] && echo big.bin || echo small)
    w=() r=()
    for _ in $(seq "$runs"); do
      rm -f "$img" && truncate -s 1G "$img" && mformat -F -i "$img" :: >/dev/null
      settle; t0=$(now); mcopy -s -i "$img" "$src" ::/ && sync "$img"; t1=$(now)
      w+=("$(echo "$t1 - $t0" | bc)")
      rm -rf "$work/mout" && mkdir "$work/mout"
      t0=$(now); mcopy -s -n -i "$img" "::/$(basename "$src")" "$work/mout/" && sync; t1=$(now)
      r+=("$(echo "$t1 - $t0" | bc)")
    done
    printf 'mcopy write %-12s median %.4f s\n' "$set" "$(printf '%s\n' "${w[@]}" | median)"
    printf 'mcopy read  %-12s median %.4f s\n' "$set" "$(printf '%s\n' "${r[@]}" | median)"
  done
fi
[ "${KEEP:-}" = 1 ] || rm -rf "$work"
