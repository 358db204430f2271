#!/usr/bin/env bash
# `make demo`: start the local SMS emulator with a generated fleet and show the collection on it:
# the inventory graph of the fleet (ansible-inventory with hwcloud.sms.sms_sources), the fleet
# summary (playbooks/demo_fleet_summary.yml), then a migration wave of DEMO_WAVE_SIZE servers from
# a CSV plan through hwcloud.sms.migrate_wave (template and project created, tasks created, started,
# waited on, cut over, report). The emulator's clock runs DEMO_SPEEDUP times faster and its agents
# answer their own commands, so hours of replication take seconds. Stops the emulator on exit.
#
# Needs only the runtime requirements: a light virtualenv under .build/demo-venv with ansible-core
# and requirements.txt (created on the first run, reused after), not the test toolchain. The
# playbooks get an inventory (the fleet's sms_sources file), so ansible prints no "No inventory was
# parsed" warning; they run on the implicit localhost.
# The emulator writes its URL and credentials (`export HUAWEICLOUD_...=...` lines) to an env
# file, then atomically a ready file once it listens; this script waits for the ready file and
# sources the env file.
# Environment: DEMO_VENV (default <repo>/.build/demo-venv), DEMO_PYTHON (python3.11 if present, else
# python3), DEMO_SOURCES (fleet size, default 200), DEMO_PLAYBOOK (default
# playbooks/demo_fleet_summary.yml), DEMO_GRAPH_HOSTS (hosts shown per group, default 3),
# DEMO_START_TIMEOUT (seconds, 60), DEMO_WAVE_SIZE (servers in the wave, default 6; 0 skips it),
# DEMO_SPEEDUP (emulator clock factor, default 20000).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${DEMO_VENV:-$REPO_ROOT/.build/demo-venv}"
EMULATOR="$REPO_ROOT/tests/emulator/run_emulator.py"
PLAYBOOK="${DEMO_PLAYBOOK:-$REPO_ROOT/playbooks/demo_fleet_summary.yml}"
SOURCES="${DEMO_SOURCES:-200}"
GRAPH_HOSTS="${DEMO_GRAPH_HOSTS:-3}"
START_TIMEOUT="${DEMO_START_TIMEOUT:-60}"
WAVE_SIZE="${DEMO_WAVE_SIZE:-6}"
SPEEDUP="${DEMO_SPEEDUP:-20000}"
if [ -z "${DEMO_PYTHON:-}" ]; then
    if command -v python3.11 >/dev/null 2>&1; then DEMO_PYTHON=python3.11; else DEMO_PYTHON=python3; fi
fi
cd "$REPO_ROOT"

# The light venv: ansible-core and the collection's runtime requirements, nothing else.
stamp="$VENV/.demo-requirements.sha256"
wanted="$(cat requirements.txt <(echo ansible-core) | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/ansible-playbook" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "demo: creating $VENV (ansible-core + requirements.txt)"
    "$DEMO_PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q ansible-core -r requirements.txt 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    echo "$wanted" >"$stamp"
fi
export PATH="$VENV/bin:$PATH"
# The collection as Ansible finds it: .build/collections/ansible_collections/hwcloud/sms -> repo.
link_parent="$REPO_ROOT/.build/collections/ansible_collections/hwcloud"
mkdir -p "$link_parent"
if [ "$(realpath "$link_parent/sms" 2>/dev/null)" != "$(realpath "$REPO_ROOT")" ]; then
    rm -rf "$link_parent/sms"
    ln -s ../../../.. "$link_parent/sms"
fi
export ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/.build/collections"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-0}"

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
python "$EMULATOR" --sources "$SOURCES" --speedup "$SPEEDUP" --auto-agent \
    --env-file "$env_file" --ready-file "$ready_file" \
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

# The fleet as an inventory: the sms_sources plugin reads the same HUAWEICLOUD_* variables.
inventory="$work_dir/demo.sms_sources.yml"
printf 'plugin: hwcloud.sms.sms_sources\n' >"$inventory"

echo
echo "demo: ansible-inventory -i demo.sms_sources.yml --graph (at most $GRAPH_HOSTS hosts shown per group)"
ansible-inventory -i "$inventory" --graph >"$work_dir/graph.txt"
# The real graph, with each group's host list cut short: the fleet has $SOURCES hosts.
awk -v keep="$GRAPH_HOSTS" '
    function flush() { if (hidden > 0) printf "%s|--... and %d more\n", indent, hidden; hidden = 0 }
    /--@/ || /^@/ { flush(); shown = 0; print; next }
    { shown++; if (shown <= keep) { print } else { hidden++; indent = substr($0, 1, index($0, "|--") - 1) } }
    END { flush() }' "$work_dir/graph.txt"

echo
echo "demo: ansible-playbook -i demo.sms_sources.yml $(basename "$PLAYBOOK")"
ansible-playbook -i "$inventory" "$PLAYBOOK"

if [ "$WAVE_SIZE" -gt 0 ]; then
    # A plan of connected waiting servers, the template and project the wave needs, then every
    # phase of hwcloud.sms.migrate_wave in one run (the cut-over approved on the command line).
    cat >"$work_dir/wave-vars.yml" <<'YAML'
wave_templates:
  - name: demo-wave-app
    availability_zone: ap-southeast-3a
    flavor: s6.large.2
    volumetype: SAS
    vpc: {id: autoCreate, name: vpc-demo, cidr: 192.168.0.0/16}
    nics: [{id: autoCreate, name: subnet-demo, cidr: 192.168.0.0/24}]
    security_groups: [{id: autoCreate, name: sg-demo}]
wave_migprojects:
  - name: demo-wave
    type: MIGRATE_BLOCK
    syncing: true
YAML
    cat >"$work_dir/make_plan.yml" <<'YAML'
- name: Write the demo wave's plan
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Connected source servers waiting for a task
      hwcloud.sms.sms_source_info:
        state: waiting
        connected: true
        query: "[].name"
      register: waiting

    - name: One line per server, all approved for the cut-over
      ansible.builtin.copy:
        dest: "{{ plan }}"
        mode: "0644"
        content: |
          source,template,migproject,priority,ok_to_cutover
          {% for name in waiting.query_result[:size | int] %}
          {{ name }},demo-wave-app,demo-wave,standard,yes
          {% endfor %}
YAML
    echo
    echo "demo: a wave of $WAVE_SIZE servers: plan, then hwcloud.sms.migrate_wave -e wave_phase=all"
    ansible-playbook -i "$inventory" "$work_dir/make_plan.yml" -e plan="$work_dir/demo-wave.csv" \
        -e size="$WAVE_SIZE" >/dev/null
    cat "$work_dir/demo-wave.csv"
    ansible-playbook -i "$inventory" hwcloud.sms.migrate_wave -e wave_phase=all -e wave_cutover_approved=true \
        -e wave_plan="$work_dir/demo-wave.csv" -e "@$work_dir/wave-vars.yml" \
        -e wave_report_dir="$work_dir/reports" -e wave_poll_interval=1
    echo
    echo "demo: the wave's report ($work_dir/reports/demo-wave-report.md, removed on exit)"
    cat "$work_dir/reports/demo-wave-report.md"
fi
