#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark of a migration wave (a script, not a test: it prints figures measured side by side
in one run and fails on nothing but errors).

A wave of --sources servers (default 2,000) goes through prepare -> replicate -> cutover with
hwcloud.sms.migrate_wave on the emulator (own process, accelerated clock, agents answering their
own commands), every phase one ansible-playbook run. Next to it, in the same run and on a second
emulator started the same way, the baseline: the same steps driven by one module call per server
(sms_task, sms_task_action start, sms_task_info wait, sms_task_action cutover with wait: Ansible
loops over the servers). The baseline runs --baseline-sources servers (default 20) and its times
are scaled linearly to the wave's size, printed as such. The emulator is accelerated enough
(default 50,000x: the largest generated disk copies in about a second) that both runs measure what
the tooling costs, not the emulated copy, so per-server calls cost the same whatever the
position in the loop and linear scaling is fair.

Printed per phase: wall time, API requests, and for the waits the API requests per poll (each
poll of the wave reads the cheaper of one paged listing and one GET per task; each baseline wait
reads its one task per poll, so one poll over the wave costs one request per server); plus the
Ansible task count (tasks in the playbook and task results, loop items included).

Usage: python tests/benchmarks/bench_wave.py [--sources 2000] [--baseline-sources 20]
       [--speedup 2000] [--poll-interval 2]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(REPO, ".build", "collections")
BIN_DIR = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(REPO, "playbooks", "migrate_wave.yml")
PHASES = ("prepare", "replicate", "cutover")

BASELINE = """
- name: The same wave, one module call per server
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: One task per server
      hwcloud.sms.sms_task:
        source_name: "{{ item.source_name }}"
        template_id: "{{ item.template_id }}"
        syncing: true
      loop: "{{ servers }}"
      register: created
      when: step == 'prepare'
    - name: Start each
      hwcloud.sms.sms_task_action:
        source_id: "{{ item.id }}"
        operation: start
      loop: "{{ sources }}"
      when: step == 'replicate'
    - name: Wait for each
      hwcloud.sms.sms_task_info:
        source_id: "{{ item.id }}"
        wait_for: [syncing]
        poll_interval: "{{ poll_interval }}"
        wait_timeout: 3600
      loop: "{{ sources }}"
      register: waited
      when: step == 'replicate'
    - name: Cut over each and wait
      hwcloud.sms.sms_task_action:
        source_id: "{{ item.id }}"
        operation: cutover
        wait: true
        poll_interval: "{{ poll_interval }}"
        wait_timeout: 3600
      loop: "{{ sources }}"
      register: cut
      when: step == 'cutover'
"""


def ensure_collection_link():
    link = os.path.join(COLLECTIONS_PATH, "ansible_collections", "hwcloud", "sms")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(REPO, os.path.dirname(link)), link)


class EmulatorProcess:
    """The emulator in its own process (accelerated, auto-answering agents)."""

    def __init__(self, sources, speedup, workdir):
        command = [sys.executable, os.path.join(REPO, "tests", "emulator", "run_emulator.py"),
                   "--sources", str(sources), "--states", "waiting=1", "--seed", "5", "--speedup", str(speedup),
                   "--auto-agent", "--agent-delay", "5", "--db", os.path.join(workdir, "sms-%d.db" % sources),
                   "--json"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        self.credentials = json.loads(line)
        self.url = self.credentials["endpoint"]

    def call(self, path, method="GET", token=True):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Auth-Token"] = self.credentials["auth_token"]
            headers["X-Project-Id"] = self.credentials["project_id"]
        request = urllib.request.Request(self.url + path, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=300) as answer:
            return json.loads(answer.read() or b"null")

    def eligible_sources(self, count):
        """Connected sources with no failed environment check (what prepare accepts)."""
        found, offset = [], 0
        while len(found) < count:
            page = self.call("/v3/sources?limit=200&offset=%d" % offset)["source_servers"]
            if not page:
                raise SystemExit("the emulator has fewer than %d eligible sources" % count)
            found += [s for s in page if s["connected"] and not any(c["result"] == "ERROR" for c in s["checks"])]
            offset += len(page)
        return found[:count]

    def api_requests(self):
        return [e for e in self.call("/_emulator/requests", token=False) if e["path"].startswith("/v3/")]

    def clear_requests(self):
        self.call("/_emulator/requests", method="DELETE", token=False)

    def env(self):
        return {"HUAWEICLOUD_SMS_ENDPOINT": self.url, "HUAWEICLOUD_ACCESS_KEY": self.credentials["access_key"],
                "HUAWEICLOUD_SECRET_KEY": self.credentials["secret_key"],
                "HUAWEICLOUD_PROJECT_ID": self.credentials["project_id"], "HUAWEICLOUD_REGION": self.credentials["region"]}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def run_playbook(playbook, emulator, extra_vars, workdir):
    """(wall seconds, json callback document) of one ansible-playbook run."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_")))
    env.update(emulator.env())
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, "tests", "support", "callback_plugins"),
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, PATH=BIN_DIR + os.pathsep + env.get("PATH", ""))
    vars_path = os.path.join(workdir, "extra_vars.json")
    with open(vars_path, "w") as handle:
        json.dump(extra_vars, handle)
    command = [os.path.join(BIN_DIR, "ansible-playbook"), "-i", "localhost,", playbook, "-e", "@" + vars_path]
    started = time.perf_counter()
    with tempfile.TemporaryFile(dir=workdir) as out:
        process = subprocess.run(command, env=env, cwd=workdir, stdout=out, stderr=subprocess.PIPE, text=False,
                                 check=False)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode()
    try:
        document = json.loads(text)
    except ValueError:
        errors = process.stderr.decode()[-2000:]
        raise SystemExit("%s gave no JSON (rc %s):\n%s\n%s" % (playbook, process.returncode, text[-2000:], errors))
    if process.returncode != 0:
        failures = [(t["task"]["name"], h.get("msg")) for p in document["plays"] for t in p["tasks"]
                    for h in t["hosts"].values() if h.get("failed")]
        raise SystemExit("%s failed (rc %s): %s" % (playbook, process.returncode, failures))
    return wall, document


def task_results(document):
    """(tasks that ran, results including loop items) of a json callback document."""
    ran, results = 0, 0
    for play in document["plays"]:
        for task in play["tasks"]:
            for host_result in task["hosts"].values():
                if host_result.get("skipped"):
                    continue
                ran += 1
                items = host_result.get("results")
                looped = isinstance(items, list) and items and all(isinstance(i, dict) and "ansible_loop_var" in i for i in items)
                results += len(items) if looped else 1
    return ran, results


def find_result(document, prefix):
    """The result of the first task named ``prefix``...; migrate_wave loops its SMS tasks over the
    plan's accounts, so a looped result gives its first item (this wave has one account)."""
    for play in document["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"].startswith(prefix):
                result = list(task["hosts"].values())[0]
                items = result.get("results")
                if isinstance(items, list) and items and isinstance(items[0], dict) and "ansible_loop_var" in items[0]:
                    return items[0]
                return result
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--baseline-sources", type=int, default=20)
    parser.add_argument("--speedup", type=float, default=50000)
    parser.add_argument("--poll-interval", type=float, default=2)
    args = parser.parse_args()
    ensure_collection_link()
    # Under the repository's .build/ (ignored by git); only the wave's reports go to a temporary
    # directory outside it, as migrate_wave refuses a wave_report_dir inside the collection. Both removed at the end.
    workdir = tempfile.mkdtemp(prefix="bench-wave-", dir=os.path.join(REPO, ".build"))
    reports = tempfile.mkdtemp(prefix="bench-wave-reports-")
    try:
        bench(args, workdir, reports)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(reports, ignore_errors=True)


def bench(args, workdir, reports):
    print("wave of %d servers (baseline: %d servers, scaled x%.1f); emulator speedup %g, agents answer after 5 s "
          "(emulated), poll interval %g s" % (args.sources, args.baseline_sources, args.sources / args.baseline_sources,
                                              args.speedup, args.poll_interval))

    # --- the wave playbook -------------------------------------------------------------
    emulator = EmulatorProcess(int(args.sources * 1.15) + 20, args.speedup, workdir)
    try:
        sources = emulator.eligible_sources(args.sources)
        plan = os.path.join(workdir, "wave.csv")
        with open(plan, "w") as handle:
            handle.write("source,template_id,syncing,ok_to_cutover\n")
            for source in sources:
                handle.write("%s,tmpl-bench,true,yes\n" % source["name"])
        playbook_tasks = None
        wave = {}
        for phase in PHASES:
            emulator.clear_requests()
            wall, document = run_playbook(PLAYBOOK, emulator, {
                "wave_plan": plan, "wave_phase": phase, "wave_report_dir": reports, "wave_cutover_approved": True,
                "wave_poll_interval": args.poll_interval, "wave_timeout": 7200, "wave_cutover_timeout": 7200,
                "wave_table_rows": 10}, workdir)
            requests = emulator.api_requests()
            ran, results = task_results(document)
            playbook_tasks = len(document["plays"][0]["tasks"])
            waited = find_result(document, "Wait until every server") if phase == "replicate" else \
                find_result(document, "Launch the targets") if phase == "cutover" else None
            per_poll = waited.get("requests_per_poll") if waited and phase == "replicate" else None
            polls = waited.get("polls") if waited else None
            wave[phase] = dict(wall=wall, requests=len(requests), ran=ran, results=results, per_poll=per_poll,
                               polls=polls)
    finally:
        emulator.stop()

    # --- the baseline: one module call per server ----------------------------------------
    emulator = EmulatorProcess(int(args.baseline_sources * 1.3) + 20, args.speedup, workdir)
    try:
        sources = emulator.eligible_sources(args.baseline_sources)
        baseline_playbook = os.path.join(workdir, "baseline.yml")
        with open(baseline_playbook, "w") as handle:
            handle.write(BASELINE)
        servers = [{"source_name": s["name"], "template_id": "tmpl-bench"} for s in sources]
        base = {}
        for phase in PHASES:
            emulator.clear_requests()
            wall, document = run_playbook(baseline_playbook, emulator, {
                "servers": servers, "sources": [{"id": s["id"]} for s in sources], "step": phase,
                "poll_interval": args.poll_interval}, workdir)
            requests = emulator.api_requests()
            ran, results = task_results(document)
            gets = sum(1 for e in requests if e["method"] == "GET" and e["path"].startswith("/v3/tasks"))
            base[phase] = dict(wall=wall, requests=len(requests), ran=ran, results=results, task_gets=gets)
    finally:
        emulator.stop()

    scale = float(args.sources) / args.baseline_sources
    print()
    print("%-10s %14s %14s %16s %10s | %14s %14s %16s %8s" % (
        "phase", "wave wall s", "wave requests", "wave task runs", "tasks", "baseline wall s", "(scaled) s",
        "baseline runs", "ratio"))
    for phase in PHASES:
        w, b = wave[phase], base[phase]
        scaled = b["wall"] * scale
        print("%-10s %14.1f %14d %16d %10d | %14.1f %14.1f %16d %7.1fx" % (
            phase, w["wall"], w["requests"], w["results"], w["ran"], b["wall"], scaled, b["results"],
            scaled / w["wall"] if w["wall"] else float("nan")))
    total_wave = sum(wave[p]["wall"] for p in PHASES)
    total_base = sum(base[p]["wall"] for p in PHASES) * scale
    print("%-10s %14.1f %14s %16s %10s | %14.1f %14.1f %16s %7.1fx" % (
        "total", total_wave, "", "", "", sum(base[p]["wall"] for p in PHASES), total_base, "", total_base / total_wave))
    print()
    print("Ansible tasks in the wave playbook: %d (the same for any wave size); task results per phase: %s"
          % (playbook_tasks, ", ".join("%s %d" % (p, wave[p]["results"]) for p in PHASES)))
    print("Baseline task results (one per server and step): %s for %d servers, i.e. %d for %d"
          % (", ".join("%s %d" % (p, base[p]["results"]) for p in PHASES), args.baseline_sources,
             int(sum(base[p]["results"] for p in PHASES) * scale), args.sources))
    per_poll = wave["replicate"]["per_poll"] or []
    print("Wave wait (replicate): %s polls, API requests per poll %s (first = the fresh read; listing pages for %d "
          "tasks = %d)" % (wave["replicate"]["polls"], per_poll, args.sources, -(-args.sources // 200)))
    print("Baseline waits: one request per server per poll, i.e. %d per poll over the wave; %d task GETs in its "
          "replicate step for %d servers" % (args.sources, base["replicate"]["task_gets"], args.baseline_sources))


if __name__ == "__main__":
    main()
