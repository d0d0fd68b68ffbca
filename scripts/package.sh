#!/usr/bin/env bash
# Builds target/airlock_<version>_<arch>.deb (docs/packaging.md): the jar and its libraries, a runtime jlinked
# from this JDK (no JDK needed where it is installed), /usr/bin/airlock, the manual pages and the bash completion
# written from the command model, and the systemd units. Run as `./airlock package`.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$here/scripts/jdk.sh"
airlock_find_jdk || exit 1
for tool in jlink jdeps; do
  [ -x "$JAVA_HOME/bin/$tool" ] || { echo "ERROR: $JAVA_HOME has no $tool: a full JDK is needed" >&2; exit 1; }
done
command -v dpkg-deb >/dev/null 2>&1 || { echo "ERROR: dpkg-deb is missing: apt-get install dpkg" >&2; exit 1; }
started=$(date +%s)

jar="$here/target/airlock.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "airlock package: building the jar..." >&2
  (cd "$here" && ./mvnw -q -B -DskipTests package 1>&2)
fi
jversion=$(unzip -p "$jar" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *\([^[:space:]]*\).*/\1/p')
[ -n "$jversion" ] || { echo "ERROR: $jar has no Implementation-Version" >&2; exit 1; }
# Debian's order puts 0.1.0~snapshot before 0.1.0, as Maven puts 0.1.0-SNAPSHOT before 0.1.0; a hyphen would
# start a Debian revision.
version=$(printf '%s' "$jversion" | tr 'A-Z-' 'a-z~')
arch=$(dpkg --print-architecture)
out="$here/target/airlock_${version}_${arch}.deb"
work="$here/target/deb"
root="$work/root"
rm -rf "$work"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/airlock/lib" "$root/usr/share/man/man1" \
  "$root/usr/share/bash-completion/completions" "$root/usr/lib/systemd/user" "$root/usr/lib/systemd/system" \
  "$root/usr/share/doc/airlock"

cp "$jar" "$root/usr/lib/airlock/airlock.jar"
cp "$here"/target/lib/*.jar "$root/usr/lib/airlock/lib/"

# The modules the classes name, as jdeps reads them (java.desktop for the trusted dialog, jdk.net for socket
# options...): nothing is loaded only by name.
modules=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  --class-path "$here/target/lib/*" "$jar" 2>/dev/null | tail -n 1)
[ -n "$modules" ] || { echo "ERROR: jdeps found no modules" >&2; exit 1; }
# Keep bin/java: domains run it ($JAVA_HOME/bin/java in DomainTools). A default CDS archive for the JVMs that
# run without airlock's own class cache (domains of a broker that cannot write /usr/lib/airlock).
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --output "$root/usr/lib/airlock/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 --generate-cds-archive >/dev/null
# The archive for JVMs without compressed pointers (heaps of 32 GiB and more) is never used by airlock's: 14 MiB.
rm -f "$root/usr/lib/airlock/runtime/lib/server/classes_nocoops.jsa"
"$JAVA_HOME/bin/java" -cp "$jar:$here/target/lib/*" dev.airlock.packaging.PackageFiles "$jversion" \
  "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions/airlock" >/dev/null
gzip -9n "$root"/usr/share/man/man1/*.1

install -m 755 "$here/scripts/deb/airlock" "$root/usr/bin/airlock"
install -m 644 "$here/scripts/deb/airlockd.user.service" "$root/usr/lib/systemd/user/airlockd.service"
install -m 644 "$here/scripts/deb/airlockd.system.service" "$root/usr/lib/systemd/system/airlockd.service"
install -m 755 "$here/scripts/deb/postinst" "$here/scripts/deb/prerm" "$here/scripts/deb/postrm" "$root/DEBIAN/"
install -m 644 "$here/README.md" "$root/usr/share/doc/airlock/README.md"
commit=$(unzip -p "$jar" META-INF/MANIFEST.MF | sed -n 's/^Airlock-Commit: *\([^[:space:]]*\).*/\1/p')
printf 'airlock %s (commit %s), built with %s\n' "$jversion" "${commit:-unknown}" \
  "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)" >"$root/usr/share/doc/airlock/BUILD"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: airlock
Version: $version
Architecture: $arch
Maintainer: airlock developers <airlock@localhost>
Installed-Size: $size
Depends: bubblewrap (>= 0.4), util-linux
Recommends: xpra, xvfb, zenity, libnotify-bin, dbus-user-session, xdg-utils
Suggests: dunst, scrypt
Section: admin
Priority: optional
Description: Qubes OS file exchange between bubblewrap sandboxes
 airlock runs isolated domains in bubblewrap sandboxes with a broker that
 carries qvm-copy, qvm-move, qvm-open-in-dvm and qrexec calls between them
 under Qubes' policy language. This package bundles its own Java runtime.
CONTROL
find "$root" -type d -exec chmod 755 {} +
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$out" >/dev/null
echo "$out ($(du -h "$out" | cut -f1), $(( $(date +%s) - started )) s)"
