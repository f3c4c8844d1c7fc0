#!/usr/bin/env bash
# Extract the web interface's messages (babel.cfg: the templates and the Python views) and merge
# them into each language's catalogue (then translate the new entries in
# src/spacecoop/web/locale/<lang>/LC_MESSAGES/messages.po; obsolete ones are dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WEB=src/spacecoop/web
LOCALE=$WEB/locale
$BIN/pybabel --quiet extract --no-location --omit-header --sort-output -F babel.cfg -o "$LOCALE/messages.pot" "$WEB"
for language in zh; do
    po="$LOCALE/$language/LC_MESSAGES/messages.po"
    if [[ -f $po ]]; then
        $BIN/pybabel --quiet update --no-fuzzy-matching --omit-header --ignore-obsolete -l "$language" -i "$LOCALE/messages.pot" -o "$po"
    else
        $BIN/pybabel init -l "$language" -i "$LOCALE/messages.pot" -o "$po"
    fi
done
