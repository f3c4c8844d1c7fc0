#!/usr/bin/env bash
# Install and prepare what the interoperability tests (tests/interop/) run:
#   Debian: virtuoso-opensource (Virtuoso 7.2), raptor2-utils (rapper), wrk and nginx (the benchmark),
#           libapache-jena-java (Jena 4.5: riot, tdb2.tdbloader, shacl, rsparql), a Java runtime
#   npm:    @comunica/query-sparql 3.3.0, from the lock file in scripts/interop/comunica/,
#           into .interop/node_modules (3.3.0: 5.x needs Node 22, 4.5.0 drops language tags)
#   Jena:   the relocated Xerces message bundles jar (scripts/interop/jena_classpath.py)
# Every step is skipped when its result is already there, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
interop="$root/.interop"
mkdir -p "$interop"

step() { printf '[interop setup %ss] %s\n' "$SECONDS" "$*"; }

# --- Debian packages -------------------------------------------------------
missing=()
command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || missing+=(virtuoso-opensource)
command -v rapper >/dev/null || missing+=(raptor2-utils)
[ -f /usr/share/java/jena-cmds.jar ] || missing+=(libapache-jena-java)
command -v javac >/dev/null || missing+=(default-jdk-headless)  # runs scripts/interop/*.java
command -v npm >/dev/null || missing+=(npm)
command -v chromium >/dev/null || missing+=(chromium)               # tests/web/test_browser.py
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# a CJK font, so the pages' Chinese text is drawn in the browser tests' screenshots
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
command -v wrk >/dev/null || missing+=(wrk)                         # tests/interop/test_benchmark.py
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)  # its --ld static file server
if [ ${#missing[@]} -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The packages may start a system-wide Virtuoso (and nginx) on the default ports; the tests start their own.
step "Debian packages present: $(command -v virtuoso-t) $(command -v rapper) /usr/share/java/jena-cmds.jar"

# --- Comunica (npm) --------------------------------------------------------
lock_src="$root/scripts/interop/comunica/package-lock.json"
stamp="$interop/node_modules/.spacecoop-lock.sha256"
want="$(sha256sum "$lock_src" | cut -d' ' -f1)"
if [ ! -x "$interop/node_modules/.bin/comunica-sparql" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "npm ci @comunica/query-sparql into .interop/node_modules"
    cp "$root/scripts/interop/comunica/package.json" "$lock_src" "$interop/"
    (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
fi
step "Comunica $(node -p "require('$interop/node_modules/@comunica/query-sparql/package.json').version")"

# --- Jena class path -------------------------------------------------------
python3 "$root/scripts/interop/jena_classpath.py" >/dev/null
step "Jena class path ready"
