#!/usr/bin/env bash
# JMH micro-benchmark of the policy engine: one evaluation against a 1,000-rule policy (issue 3; target: under
# 20 us median). Installs airlock into the local Maven repository, builds bench/jmh, runs it in sample mode
# and prints the medians. About a minute on 2 cores. Results: bench/out/policy-eval.{txt,json}.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/.." && pwd)
. "$root/scripts/jdk.sh"
airlock_find_jdk || exit 1

cd "$root"
echo "policy-eval: installing airlock and building the benchmark..." >&2
./mvnw -q -B -DskipTests install
./mvnw -q -B -f bench/jmh/pom.xml package

out="$root/bench/out"
mkdir -p "$out"
"$JAVA_HOME/bin/java" -jar bench/jmh/target/benchmarks.jar 'PolicyEvalBenchmark' \
  -bm sample -tu us -f 1 -wi 3 -w 2s -i 5 -r 2s \
  -rf json -rff "$out/policy-eval.json" | tee "$out/policy-eval.txt"

echo
# Percentile rows read "Benchmark:p0.50  sample  SCORE  us/op" (no count, no error column).
awk '$1 ~ /:p0\.50$/ { name = $1; sub(/:p0\.50$/, "", name); sub(/.*\./, "", name);
                       printf "median %s: %s %s\n", name, $(NF-1), $NF }' "$out/policy-eval.txt"
