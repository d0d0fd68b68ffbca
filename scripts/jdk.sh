# Sourced by ./airlock and ./run-tests: finds a JDK 25 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME, then `java` on the PATH, then /usr/lib/jvm/*25* (and newer).
# Every command a person types runs this first, so the usual case uses bash builtins only (each fork of sed,
# dirname or readlink cost a few milliseconds; the whole search used to take 25 ms before java started).

airlock_jdk_ok() {
  # Whether $1 is a JDK 25 or newer: java and javac present, the major version from the JDK's release file (read
  # without starting a JVM), else from java itself (about 60 ms; only for a JDK without a release file).
  local home=$1 line major=
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -f "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
        major=${BASH_REMATCH[1]}
        break
      fi
    done <"$home/release"
  fi
  if [ -z "$major" ]; then
    major=$("$home/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1)
  fi
  [ -n "$major" ] && [ "$major" -ge 25 ]
}

airlock_find_jdk() {
  local candidate
  if [ -n "${JAVA_HOME:-}" ] && airlock_jdk_ok "$JAVA_HOME"; then
    return 0
  fi
  if command -v java >/dev/null 2>&1; then
    candidate=$(readlink -f "$(command -v java)")
    candidate=${candidate%/bin/java}
    if airlock_jdk_ok "$candidate"; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/*3[0-9]*; do
    if airlock_jdk_ok "$candidate"; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  cat >&2 <<'MSG'
ERROR: airlock needs a JDK 25 (or newer) and found none.
Looked at $JAVA_HOME, at `java` on the PATH and in /usr/lib/jvm/*25*.
Install one, for example Debian/Ubuntu: apt-get install temurin-25-jdk (Adoptium repository)
or openjdk-25-jdk where your distribution has it; then run this again, or set JAVA_HOME to it.
MSG
  return 1
}

airlock_find_jdk_cached() {
  # Like airlock_find_jdk, remembering the JDK found in the file $1 (a valid $JAVA_HOME still wins): the search
  # through the PATH needs readlink. A remembered JDK that is gone or changed is looked for again.
  local cache=$1 remembered=
  if [ -n "${JAVA_HOME:-}" ] && airlock_jdk_ok "$JAVA_HOME"; then
    return 0
  fi
  if [ -f "$cache" ] && IFS= read -r remembered <"$cache" && [ -n "$remembered" ] && airlock_jdk_ok "$remembered"
  then
    export JAVA_HOME="$remembered"
    return 0
  fi
  airlock_find_jdk || return 1
  if [ -d "${cache%/*}" ]; then
    printf '%s\n' "$JAVA_HOME" >"$cache.$$" 2>/dev/null && mv -f "$cache.$$" "$cache" 2>/dev/null
    rm -f "$cache.$$" 2>/dev/null
  fi
  return 0
}
