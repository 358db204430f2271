#!/usr/bin/env bash
# Lint the plugins' documentation and build the documentation site from it, offline.
#
#   bash docs/build_docs.sh [OUTPUT_DIR]     (default: .build/docs)
#
# 1. antsibull-docs lint-collection-docs --plugin-docs: every DOCUMENTATION/EXAMPLES/RETURN
#    parses and follows the schema, and every M()/O()/RV() reference resolves.
# 2. antsibull-docs collection: one RST page per plugin plus indexes, in OUTPUT_DIR/rst.
# 3. sphinx-build (warnings are errors): HTML in OUTPUT_DIR/html; open OUTPUT_DIR/html/index.html.
# Generated files are not committed: they are rebuilt from the code whenever needed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$REPO_ROOT/.build/docs}" && cd "${1:-$REPO_ROOT/.build/docs}" && pwd)"
BIN="$REPO_ROOT/.venv/bin"
[ -x "$BIN/antsibull-docs" ] || BIN="$(dirname "$(command -v antsibull-docs)")"
# The collection must be importable as ansible_collections.hwcloud.sms (tests/conftest.py and
# `make setup` create this symlink tree; create it here too so the script stands alone).
COLLECTIONS="$REPO_ROOT/.build/collections"
mkdir -p "$COLLECTIONS/ansible_collections/hwcloud"
[ -e "$COLLECTIONS/ansible_collections/hwcloud/sms" ] || ln -s "$REPO_ROOT" "$COLLECTIONS/ansible_collections/hwcloud/sms"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS"
export PYTHONDONTWRITEBYTECODE=1
export PATH="$BIN:$PATH"   # antsibull-docs runs ansible-doc and ansible-galaxy
# antsibull-docs logs to ~/antsibull.log and ansible writes ~/.ansible: keep both in the output dir.
export HOME="$OUT/home"
mkdir -p "$HOME"

cd "$REPO_ROOT"
"$BIN/antsibull-docs" lint-collection-docs --plugin-docs .

rm -rf "$OUT/rst" "$OUT/html" "$OUT/doctrees"
mkdir -m 755 "$OUT/rst"   # antsibull-docs insists on a directory only its owner can write
"$BIN/antsibull-docs" --config-file docs/site/antsibull-docs.cfg collection \
    --use-current --fail-on-error --dest-dir "$OUT/rst" hwcloud.sms
cp docs/site/index.rst docs/site/ansible_references.rst "$OUT/rst/"
"$BIN/sphinx-build" -q -b html -d "$OUT/doctrees" -c docs/site -W --keep-going "$OUT/rst" "$OUT/html"
echo "docs: $OUT/html/index.html"
