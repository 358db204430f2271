#!/usr/bin/env bash
# `make demo`: start the local SMS emulator with a generated fleet, run the demo playbook
# (playbooks/demo_fleet_summary.yml) against it, and stop the emulator on exit.
#
# The emulator writes its URL and credentials (`export HUAWEICLOUD_...=...` lines) to an env
# file, then atomically a ready file once it listens; this script waits for the ready file and
# sources the env file.
# Environment: VENV (default <repo>/.venv), DEMO_SOURCES (fleet size, default 200),
# DEMO_PLAYBOOK (default playbooks/demo_fleet_summary.yml), DEMO_START_TIMEOUT (seconds, 60).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO_ROOT/.venv}"
EMULATOR="$REPO_ROOT/tests/emulator/run_emulator.py"
PLAYBOOK="${DEMO_PLAYBOOK:-$REPO_ROOT/playbooks/demo_fleet_summary.yml}"
SOURCES="${DEMO_SOURCES:-200}"
START_TIMEOUT="${DEMO_START_TIMEOUT:-60}"
cd "$REPO_ROOT"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/.build/collections"
# The playbook targets the implicit localhost (which runs modules with this venv's Python).
export ANSIBLE_LOCALHOST_WARNING=False

for needed in "$EMULATOR" "$PLAYBOOK"; do
    if [ ! -f "$needed" ]; then
        echo "demo: $needed does not exist yet; nothing to demo" >&2
        exit 1
    fi
done

work_dir="$(mktemp -d)"
env_file="$work_dir/emulator.env"
ready_file="$work_dir/emulator.ready"
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting the SMS emulator with $SOURCES source servers"
python "$EMULATOR" --sources "$SOURCES" --env-file "$env_file" --ready-file "$ready_file" \
    >"$work_dir/emulator.log" 2>&1 &
emulator_pid=$!

deadline=$((SECONDS + START_TIMEOUT))
until [ -s "$ready_file" ] && [ -s "$env_file" ]; do
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "demo: the emulator exited before it was ready; its output:" >&2
        cat "$work_dir/emulator.log" >&2
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "demo: the emulator was not ready within ${START_TIMEOUT}s; its output:" >&2
        cat "$work_dir/emulator.log" >&2
        exit 1
    fi
    sleep 0.2
done
set -a
# shellcheck disable=SC1090  # the file is generated at run time
. "$env_file"
set +a
echo "demo: emulator ready at ${HUAWEICLOUD_SMS_ENDPOINT:-<see $env_file>}"

echo "demo: ansible-playbook $PLAYBOOK"
ansible-playbook "$PLAYBOOK"
