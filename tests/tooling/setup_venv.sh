#!/usr/bin/env bash
# Create the development virtualenv and install the test requirements into it.
#
# Idempotent and fast when nothing changed: the sha256 of the requirement files and of the
# Python version is kept in $VENV/.requirements.sha256 and pip runs only when it differs.
# Also creates the symlink tree pytest and ansible-playbook use to import the collection:
#   .build/collections/ansible_collections/hwcloud/sms -> repo root
# Environment: PYTHON (default python3.11 if present, else python3), VENV (default <repo>/.venv).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO_ROOT/.venv}"
if [ -z "${PYTHON:-}" ]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
STAMP="$VENV/.requirements.sha256"

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating virtualenv $VENV with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi

wanted="$(cat "$REPO_ROOT/requirements.txt" "$REPO_ROOT/tests/requirements.txt" \
    <("$VENV/bin/python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
    echo "setup: requirements unchanged, nothing to install ($VENV)"
else
    echo "setup: installing tests/requirements.txt into $VENV"
    # This machine's pip configuration lists optional local indexes that may be absent; pip
    # warns once per package about them, which buries real messages.
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
        -r "$REPO_ROOT/tests/requirements.txt" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    echo "$wanted" >"$STAMP"
    echo "setup: installed"
fi

# Symlink tree: ansible and pytest import the collection as ansible_collections.hwcloud.sms.
link_parent="$REPO_ROOT/.build/collections/ansible_collections/hwcloud"
mkdir -p "$link_parent"
if [ "$(realpath "$link_parent/sms" 2>/dev/null)" != "$(realpath "$REPO_ROOT")" ]; then
    rm -rf "$link_parent/sms"
    # Relative, as tests/conftest.py makes it, so the tree survives moving the clone.
    ln -s ../../../.. "$link_parent/sms"
    echo "setup: linked $link_parent/sms -> $REPO_ROOT"
fi
