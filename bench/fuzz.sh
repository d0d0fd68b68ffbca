#!/usr/bin/env bash
# Coverage-guided fuzzing with Jazzer (issue 17): bench/fuzz.sh [TARGET[,TARGET...]|all|list|seeds] [DURATION]
#   TARGET    one or more of the names below, comma-separated (default: all); one after the other, never two
#             fuzzing JVMs at a time
#   DURATION  per target, in Jazzer's notation (30s, 10m, 2h; default 10m)
#   seeds     rewrites the binary seeds of the corpora with our own encoders (bench/fuzz-seeds.jsh)
# Findings and the generated corpus go to target/fuzz-findings/TARGET/ (never into src/); a finding is copied by
# hand into the target's Inputs folder under src/test/resources together with its fix. At the end a line per
# target: executions, coverage (libFuzzer's cov: edges and ft: features), corpus size, findings.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(dirname "$here")
. "$here/lib.sh"
. "$repo/scripts/jdk.sh"
airlock_find_jdk || exit 1

declare -A targets=(
  [filecopy-stream]=dev.airlock.filecopy.FilecopyFuzzTest#unpack
  [filecopy-reply]=dev.airlock.filecopy.FilecopyFuzzTest#reply
  [qrexec]=dev.airlock.qrexec.QrexecFuzzTest#messages
  [admin]=dev.airlock.broker.AdminRequestFuzzTest#request
  [policy]=dev.airlock.policy.PolicyFuzzTest#policy
  [registry]=dev.airlock.domain.RegistryXmlFuzzTest#registry
  [keystore]=dev.airlock.keystore.KeyStoreFuzzTest#operations
  [fat]=dev.airlock.pendrive.fat.FatReaderFuzzTest#image
  [dvm-header]=dev.airlock.openinvm.OpenInVmFuzzTest#dvmHeader
  [name-field]=dev.airlock.openinvm.OpenInVmFuzzTest#nameField
  [scrypt]=dev.airlock.backup.BackupFuzzTest#scryptFile
  [tar]=dev.airlock.backup.BackupFuzzTest#tar
  [backup-header]=dev.airlock.backup.BackupFuzzTest#backupHeader
  [qubes-xml]=dev.airlock.backup.BackupFuzzTest#qubesXml
  [desktop]=dev.airlock.xdg.DesktopFileFuzzTest#desktopFile
  [wire]=dev.airlock.pendrive.wire.ChannelCodecFuzzTest#frames
)
order=(filecopy-stream filecopy-reply qrexec admin policy registry keystore fat dvm-header name-field scrypt tar
  backup-header qubes-xml desktop wire)

what=${1:-all}
duration=${2:-10m}
cd "$repo"
case "$what" in
  list)
    for t in "${order[@]}"; do echo "$t ${targets[$t]}"; done
    exit 0 ;;
  seeds)
    ./mvnw -q -B -o compile
    cp=target/classes:$(./mvnw -q -B -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
    "$JAVA_HOME/bin/jshell" --class-path "$cp" -R-Dseeds.resources="$repo/src/test/resources" "$here/fuzz-seeds.jsh"
    exit 0 ;;
  all) run=("${order[@]}") ;;
  *)
    IFS=, read -r -a run <<<"$what"
    for t in "${run[@]}"; do
      if [ -z "${targets[$t]:-}" ]; then
        echo "ERROR: unknown target $t (bench/fuzz.sh list)" >&2
        exit 2
      fi
    done ;;
esac

bench_header "Jazzer fuzzing: ${run[*]}, $duration each"
./mvnw -q -B -o test-compile
summary=()
for t in "${run[@]}"; do
  out="$repo/target/fuzz-findings/$t"
  mkdir -p "$out"
  touch "$out/.start"
  echo "-- $t (${targets[$t]}), $duration, from $(date -u +%H:%M:%SZ), load $(cut -d' ' -f1 /proc/loadavg)"
  # jazzer.internal.basedir: the generated corpus and any crash file land under $out, not in src/.
  # jazzer.internal.arg.N are libFuzzer's arguments: an input that takes over 10 s is a finding (-timeout); not
  # JUnit's timeout, which would end the whole fuzzing run after 10 s.
  set +e
  JAZZER_FUZZ=1 ./mvnw -B -o surefire:test -Dtest="${targets[$t]}" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="$duration" -Djazzer.internal.basedir="$out" \
    -Djazzer.internal.arg.0=-timeout=10 -Djazzer.internal.arg.1=-timeout=10 >"$out/log" 2>&1
  status=$?
  set -e
  stats=$(grep -aE '^#[0-9]+' "$out/log" | tail -n 1 || true)
  execs=$(grep -aoE 'Done [0-9]+ runs in [0-9]+ second' "$out/log" | tail -n 1 | awk '{ print $2 " in " $5 " s" }' || true)
  cov=$(sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, ft \2, corpus \3/p' <<<"$stats")
  # Only this run's: files of earlier runs stay in the folder until someone removes them.
  findings=$(find "$out" -maxdepth 1 -newer "$out/.start" \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  line=$(printf '%-16s %-26s %-34s findings %s%s' "$t" "${execs:-? runs}" "${cov:-no stats}" "$findings" \
    "$([ $status -ne 0 ] && echo " (exit $status, see $out/log)")")
  echo "$line"
  summary+=("$line")
done
echo "== summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
