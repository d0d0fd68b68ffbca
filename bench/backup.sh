#!/usr/bin/env bash
# Backup benchmark (issue 14): `airlock backup` of 1 GiB of domains' homes (one big file in domain `big`, 10,000
# files of 4 KiB in domain `small`) against `tar -c | gzip | scrypt enc` of the same homes, and `airlock restore` of
# that backup against Qubes' emergency procedure (spec/backup.md section 10: tar -i -x, scrypt dec per chunk,
# gzip -d | tar -x), in the same run. Prints median times and the ratios other_time / airlock_time (>= 1.0: airlock
# is at least as fast). On demand only; not part of the tests.
#
# Environment: RUNS (runs per contender, default 3), BENCH_DIR (work folder, default bench/out/backup; on the file
# system to measure), BIG_MIB (the big file, default 984, so that with the small files the homes are ~1 GiB),
# SMALL_FILES (default 10000), SCRYPT_ENC_ARGS (the scrypt enc parameters of the baseline, default those airlock
# writes: --logN 17 -r 8 -p 1; empty for scrypt's own choice), KEEP=1 (keep the data), AIRLOCK (the launcher).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
runs=${RUNS:-3}
big_mib=${BIG_MIB:-984}
small_files=${SMALL_FILES:-10000}
small_size=4096
small_dirs=10
work=${BENCH_DIR:-$repo/bench/out/backup}
airlock=${AIRLOCK:-$repo/airlock}
scrypt_args=${SCRYPT_ENC_ARGS---logN 17 -r 8 -p 1}

for tool in scrypt tar gzip bc; do
  command -v "$tool" >/dev/null || { echo "ERROR: $tool is not installed" >&2; exit 1; }
done

cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "test data kept in $work"
  fi
}

. "$here/lib.sh"

bench_header "airlock backup/restore vs tar | gzip | scrypt enc and the emergency procedure"
"$airlock" --version >/dev/null
echo "airlock:   $airlock ($(git -C "$(dirname "$airlock")" describe --always --dirty 2>/dev/null || echo "not a git checkout"))"
echo "scrypt:    $(scrypt --version), baseline enc parameters: ${scrypt_args:-chosen by scrypt enc}"

make_work_dir
trap cleanup EXIT
make_datasets "$work"

# The homes: domain big holds the big file, domain small the 10,000 small ones (AIRLOCK_CONFIG keeps the policy
# of this run apart from the user's).
src=$work/home
export AIRLOCK_CONFIG=$work/config
"$airlock" create --home="$src" big >/dev/null
"$airlock" create --home="$src" small >/dev/null
mv "$work/src-big/big.bin" "$src/domains/big/home/"
mv "$work/src-small/small" "$src/domains/small/home/"
printf 'benchmark passphrase\n' > "$work/pass"
echo "homes:     $(du -sm "$src/domains" | cut -f1) MiB in $src/domains"

# Backups are written to and read from the work folder; each run's output is removed after it (and its timing).
timed() {
  local who=$1 label=$2 run=$3 t0 t1 out
  out=$work/out-$who-$label-$run
  settle
  case "$label-$who" in
    backup-airlock)
      t0=$(now)
      "$airlock" backup --home="$src" -p "$work/pass" "$out" big small >/dev/null
      t1=$(now) ;;
    backup-tar)
      t0=$(now)
      # shellcheck disable=SC2086
      tar -C "$src/domains" -cf - big/home small/home | gzip |
        scrypt enc --passphrase "file:$work/pass" $scrypt_args - "$out"
      t1=$(now) ;;
    restore-airlock)
      t0=$(now)
      "$airlock" restore --home="$out" -p "$work/pass" "$work/backup" >/dev/null
      t1=$(now)
      [ "$run" = 1 ] && diff -r "$src/domains/small/home" "$out/domains/small/home" >/dev/null
      [ "$run" = 1 ] && cmp "$src/domains/big/home/big.bin" "$out/domains/big/home/big.bin" ;;
    restore-tar)
      mkdir "$out"
      t0=$(now)
      (cd "$out" && emergency "$work/backup")
      t1=$(now)
      [ "$run" = 1 ] && diff -r "$src/domains/small/home" "$out/vm2/home" >/dev/null
      [ "$run" = 1 ] && cmp "$src/domains/big/home/big.bin" "$out/vm1/home/big.bin" ;;
  esac
  rm -rf "$out"
  echo "$t1 - $t0" | bc
}

# spec/backup.md section 10 for both homes (vm1 is big, vm2 is small: their places in the registry).
emergency() {
  local backup=$1 backup_pass backup_id vm f
  backup_pass=$(head -n1 "$work/pass")
  tar -i -xf "$backup" backup-header backup-header.hmac qubes.xml.000.enc
  echo "backup-header!$backup_pass" | scrypt dec -P backup-header.hmac backup-header.verified
  cmp -s backup-header backup-header.verified
  backup_id=$(sed -n 's/^backup-id=//p' backup-header)
  echo "$backup_id!qubes.xml.000!$backup_pass" | scrypt dec -P qubes.xml.000.enc | gzip -d | tar -x
  for vm in vm1 vm2; do
    tar -i -xf "$backup" "$vm/"
    find "$vm/" -name 'home.*.enc' | sort -V | while read -r f; do
      echo "$backup_id!${f%.enc}!$backup_pass" | scrypt dec -P "$f" || break; done | gzip -d | tar -x
    rm -f "$vm"/home.*.enc
  done
}

bench backup airlock tar
"$airlock" backup --home="$src" -p "$work/pass" "$work/backup" big small >/dev/null
echo "backup:    $(du -m "$work/backup" | cut -f1) MiB, $(tar -tf "$work/backup" | grep -c '\.enc$') chunks"
bench restore airlock tar

echo
printf '%-10s %10s %12s %14s\n' step contender "median s" "range s"
for label in backup restore; do
  for who in airlock tar; do
    printf '%-10s %10s %12.3f %14s\n' "$label" "$who" "$(stat_of "$label-$who" median)" \
      "$(stat_of "$label-$who" spread)"
  done
done
echo
for label in backup restore; do
  printf 'ratio %-8s (other / airlock): %.2f\n' "$label" \
    "$(echo "$(stat_of "$label-tar" median) / $(stat_of "$label-airlock" median)" | bc -l)"
done
echo "(the 'tar' contender is tar -c | gzip | scrypt enc for backup and the emergency procedure for restore)"
