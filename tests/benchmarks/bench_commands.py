#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark of hwcloud.sms.process_commands (a script, not a test: it prints figures and ratios
measured side by side in one run, and passes or fails on nothing but errors).

Against the SMS emulator (in this process; only the ansible-playbook children are measured, CPU =
user + sys of the child and everything it waited for, so the mapped actions' CPU is included and
shown separately), it runs:

  empty          a one-task playbook on localhost: Ansible's fixed start-up cost
  wave/idle      process_commands on --sources connected source servers, nothing pending
  wave/cmds      the same with --commands of them holding a START (action: `true`)
  loop/idle      today's per-source include loop (the playbook before the wave form, kept verbatim
                 below) on --baseline-sources of them, nothing pending
  loop/cmds      the loop with --baseline-commands START commands
  actions        the mapped action alone (`true`) run --commands times, the cost the playbook adds
                 nothing to

and prints wall time, CPU, CPU per source and per command, and the wave form's figures next to the
loop's (the loop's per-source cost times the wave's size is the loop's projection to the same wave).
Targets: a wave of 2,000 connected sources with nothing pending in under 60 s; per
source with a command, under 50 ms of CPU besides the mapped action.

Usage: python tests/benchmarks/bench_commands.py [--sources 2000] [--commands 200]
       [--baseline-sources 40] [--baseline-commands 10]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(REPO, ".build", "collections")
BIN_DIR = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

from sms_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

EMPTY_PLAYBOOK = """
- name: Nothing
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.debug:
        msg: nothing
"""

# process_commands as it was before the wave form: four module runs per source in an include loop.
BASELINE_PLAYBOOK = """
- name: Process the pending agent commands
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/hwcloud.sms.sms: "{{ sms_connection | default({}) }}"
  vars:
    sms_command_journal: "{{ playbook_dir }}/sms_commands.log"
  tasks:
    - name: List the connected source servers
      hwcloud.sms.sms_source_info:
        connected: true
      register: sms_command_listing

    - name: Process the command of each source server
      ansible.builtin.include_tasks: process_one_command.yml
      loop: >-
        {{ sms_command_listing.source_servers
           | selectattr('id', 'in', sms_command_source_ids | default(sms_command_listing.source_servers | map(attribute='id') | list))
           | list }}
      loop_control:
        loop_var: sms_command_source
        label: "{{ sms_command_source.name }} ({{ sms_command_source.id }})"
"""

BASELINE_TASKS = """
- name: Fetch the pending command
  hwcloud.sms.sms_command:
    server_id: "{{ sms_command_source.id }}"
    wait: false
  register: sms_command_pending

- name: Handle the command
  when: sms_command_pending.has_command | default(false)
  block:
    - name: Journal the command
      ansible.builtin.lineinfile:
        path: "{{ sms_command_journal }}"
        line: >-
          {{ now(utc=true).isoformat() }} {{ sms_command_source.id }} {{ sms_command_source.name }}
          {{ sms_command_pending.command_name }} {{ sms_command_pending.command_param | default({}) | to_json }}
        create: true
        mode: "0644"

    - name: Run the mapped local action
      ansible.builtin.command:
        argv: "{{ sms_command_actions[sms_command_pending.command_name] }}"
      environment:
        SMS_SOURCE_ID: "{{ sms_command_source.id }}"
        SMS_SOURCE_NAME: "{{ sms_command_source.name }}"
        SMS_COMMAND_NAME: "{{ sms_command_pending.command_name }}"
        SMS_COMMAND_PARAM: "{{ sms_command_pending.command_param | default({}) | to_json }}"
      register: sms_command_action
      changed_when: true
      failed_when: false
      when: sms_command_actions[sms_command_pending.command_name] | default([]) | length > 0

    - name: Report the result to SMS
      hwcloud.sms.sms_command_result:
        server_id: "{{ sms_command_source.id }}"
        command_name: "{{ sms_command_pending.command_name }}"
        result: "{{ 'fail' if (not _mapped or _rc != 0) else 'success' }}"
        result_detail:
          handled_by: hwcloud.sms.process_commands
          action: "{{ sms_command_actions[sms_command_pending.command_name] | default(none) }}"
          rc: "{{ _rc }}"
      vars:
        _mapped: "{{ sms_command_pending.command_name in sms_command_actions }}"
        _rc: "{{ sms_command_action.rc | default(0) if _mapped else -1 }}"
"""


def ensure_collection_link():
    link = os.path.join(COLLECTIONS_PATH, "ansible_collections", "hwcloud", "sms")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(REPO, os.path.dirname(link)), link)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command, env, cwd, stdin=None):
    """(wall seconds, CPU seconds) of one child and everything it waited for."""
    cpu, started = children_cpu(), time.monotonic()
    process = subprocess.run(command, env=env, cwd=cwd, input=stdin, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    wall, cpu = time.monotonic() - started, children_cpu() - cpu
    if process.returncode != 0:
        raise SystemExit("%s failed (rc %s):\n%s" % (" ".join(command), process.returncode, process.stdout[-3000:]))
    return wall, cpu


class Bench:
    def __init__(self, emulator, work_dir):
        self.emulator = emulator
        self.work_dir = work_dir
        creds = emulator.credentials
        self.env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_")))
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal",
            "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_NOCOLOR": "1",
            "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""), "PWD": work_dir,
            "HUAWEICLOUD_SMS_ENDPOINT": creds["endpoint"], "HUAWEICLOUD_ACCESS_KEY": creds["access_key"],
            "HUAWEICLOUD_SECRET_KEY": creds["secret_key"], "HUAWEICLOUD_PROJECT_ID": creds["project_id"],
        })
        for name, text in (("empty.yml", EMPTY_PLAYBOOK), ("loop.yml", BASELINE_PLAYBOOK),
                           ("process_one_command.yml", BASELINE_TASKS)):
            with open(os.path.join(work_dir, name), "w") as handle:
                handle.write(text)

    def playbook(self, path, extra_vars=None):
        command = [os.path.join(BIN_DIR, "ansible-playbook"), "-i", "localhost,", path]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        return measured(command, self.env, self.work_dir)

    def commands_for(self, source_ids):
        for source_id in source_ids:
            self.emulator.store.create_task({"name": "bench-" + source_id, "type": "MIGRATE_FILE",
                                             "source_server": {"id": source_id}, "auto_start": True})

    def wave(self, source_ids):
        return self.playbook(os.path.join(REPO, "playbooks", "process_commands.yml"), {
            "sms_command_actions": {"START": ["true"]}, "sms_command_source_ids": source_ids,
            "sms_command_journal": os.path.join(self.work_dir, "wave.log")})

    def loop(self, source_ids):
        return self.playbook(os.path.join(self.work_dir, "loop.yml"), {
            "sms_command_actions": {"START": ["true"]}, "sms_command_source_ids": source_ids})

    def actions(self, count):
        """The mapped action alone, `count` times, 8 at a time as the wave runs it."""
        script = ("import subprocess\nfrom concurrent.futures import ThreadPoolExecutor\n"
                  "with ThreadPoolExecutor(8) as pool:\n"
                  "    list(pool.map(lambda _: subprocess.run(['true'], check=True), range(%d)))\n" % count)
        return measured([sys.executable, "-c", script], self.env, self.work_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--baseline-sources", type=int, default=40)
    parser.add_argument("--baseline-commands", type=int, default=10)
    args = parser.parse_args()
    ensure_collection_link()
    needed = args.sources + args.baseline_sources
    # Generated sources are connected about 92 % of the time in these states; take the first ones.
    with Emulator(sources=int(needed * 1.15) + 20, seed=42, states={"waiting": 1.0}) as emulator, \
            tempfile.TemporaryDirectory(prefix="bench-commands-") as work_dir:
        connected = [s["id"] for s in emulator.store.list_sources() if s["connected"]]
        if len(connected) < needed:
            raise SystemExit("only %d connected sources generated, %d needed" % (len(connected), needed))
        wave_ids, loop_ids = connected[:args.sources], connected[args.sources:needed]
        bench = Bench(emulator, work_dir)
        rows = {}
        rows["empty"] = bench.playbook(os.path.join(work_dir, "empty.yml"))
        rows["wave/idle"] = bench.wave(wave_ids)
        rows["loop/idle"] = bench.loop(loop_ids)
        bench.commands_for(wave_ids[:args.commands])
        rows["wave/cmds"] = bench.wave(wave_ids)
        bench.commands_for(loop_ids[:args.baseline_commands])
        rows["loop/cmds"] = bench.loop(loop_ids)
        rows["actions"] = bench.actions(args.commands)
        recorded = sum(1 for source_id in wave_ids[:args.commands] if emulator.store.command_results(source_id))
        if recorded != args.commands:
            raise SystemExit("the wave recorded %d of %d command results" % (recorded, args.commands))

    empty_cpu = rows["empty"][1]
    sizes = {"wave/idle": args.sources, "wave/cmds": args.sources, "loop/idle": args.baseline_sources,
             "loop/cmds": args.baseline_sources}
    print("process_commands, %d connected sources (wave) / %d (loop); CPU = user + sys of ansible-playbook "
          "and its children" % (args.sources, args.baseline_sources))
    print("%-11s %9s %9s %18s" % ("run", "wall s", "CPU s", "CPU ms/source*"))
    for name, (wall, cpu) in rows.items():
        per_source = "%.1f" % ((cpu - empty_cpu) * 1000.0 / sizes[name]) if name in sizes else "-"
        print("%-11s %9.2f %9.2f %18s" % (name, wall, cpu, per_source))
    print("* beyond the empty playbook's CPU")
    wave_idle = (rows["wave/idle"][1] - empty_cpu) / args.sources
    loop_idle = (rows["loop/idle"][1] - empty_cpu) / args.baseline_sources
    wave_cmd = (rows["wave/cmds"][1] - rows["wave/idle"][1] - rows["actions"][1]) / args.commands
    loop_cmd = (rows["loop/cmds"][1] - rows["loop/idle"][1]) / args.baseline_commands
    loop_wall_idle = (rows["loop/idle"][0] - rows["empty"][0]) / args.baseline_sources
    print()
    print("nothing pending: wave %.2f s wall for %d sources (target < 60 s); the loop %.3f s wall per source, "
          "%.0f s projected for %d (ratio loop/wave %.1f)"
          % (rows["wave/idle"][0], args.sources, loop_wall_idle, loop_wall_idle * args.sources, args.sources,
             loop_wall_idle * args.sources / rows["wave/idle"][0]))
    print("CPU per source, nothing pending: wave %.1f ms, loop %.1f ms (ratio loop/wave %.1f)"
          % (wave_idle * 1000, loop_idle * 1000, loop_idle / wave_idle if wave_idle > 0 else float("inf")))
    print("CPU per command beyond the idle run and the action itself (%.1f ms per action): wave %.1f ms "
          "(target < 50 ms), loop %.1f ms (the loop's includes the action; ratio loop/wave %.1f)"
          % (rows["actions"][1] * 1000 / args.commands, wave_cmd * 1000, loop_cmd * 1000,
             loop_cmd / wave_cmd if wave_cmd > 0 else float("inf")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
