#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark of a migration program (a script, not a test: it prints figures measured side by side
in one run; it fails only on errors or when an emulator saw more migrations at once than its limit).

A program of --servers servers (default 10,000) spread over --accounts accounts (default 10, half in
one region and half in another), one emulator per account (own process, 127.0.0.1, SMS's real limits:
max_running 100 migrating at once, source_quota 1,000 source servers; clock accelerated --speedup
times, agents answering at once). ONE ansible-playbook run drives the whole program; each step is
one task looping over the ACCOUNTS (never over servers), started with async so that the accounts
run side by side, then one async_status task collecting them:

  prepare    hwcloud.sms.sms_task with tasks: rows (one row per server of the account)
  replicate  hwcloud.sms.sms_task_action operation: start, max_running (rolling starts), then
             hwcloud.sms.sms_task_info wait_for: [syncing]
  cutover    hwcloud.sms.sms_task_action operation: cutover, wait: true
  probe      one agent registration per account through the emulator's API (POST /v3/sources):
             refused for the quota when the account holds its quota of sources already
  cleanup    hwcloud.sms.sms_source ids: + state: absent (the batch delete of the records)
  next wave  --next-wave new agents per account register (POST /v3/sources): they fit now

The program runs for two sizes, --servers and --servers / 10 (same accounts), so the Ansible task
count can be compared: it does not depend on the number of servers.

Printed per size: Ansible tasks (tasks that ran; task results with loop items), requests per poll
of the rolling starts (max over accounts), peak concurrent migrations per account as the EMULATOR
recorded them (asserted <= max_running), refusals for the limit, controller CPU seconds and peak RSS
(ansible-playbook and every process below it, async jobs included: this script makes itself their
subreaper and reaps them), wall time of the replication step and, of it, the time inside the
modules (the rolling starts' waited_seconds plus the sync wait's, slowest account; the rest is
Ansible's async launches and async_status polls), both against the ideal. The ideal is
ceil(servers per account / max_running) replication rounds times the time of one accelerated
replication, measured in the same run on an emulator of its own (one task started alone, read until
it syncs); the accounts run side by side, so the ideal of the program is that of one account.

Usage: python tests/benchmarks/bench_program.py [--servers 10000] [--accounts 10] [--max-running 100]
       [--quota 1000] [--speedup 1500] [--poll-interval 2] [--next-wave 3] [--sizes 10000,1000]
       python tests/benchmarks/bench_program.py --quick     # 400 servers, 4 accounts, max_running 20,
                                                              # quota 100 (and 40 servers): a smoke of ~1-2 min
Linux only (prctl, /proc). Every process it starts listens on 127.0.0.1 only and is stopped at the end.
"""

import argparse
import ctypes
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(REPO, ".build", "collections")
BIN_DIR = os.path.dirname(sys.executable)
REGIONS = ("ap-southeast-3", "cn-north-4")
PR_SET_CHILD_SUBREAPER = 36
PHASES = ("begin", "prepare", "replicate", "cutover", "probe", "cleanup", "next wave")
# One 40 GiB Linux disk per server: a full copy is about 3,650 emulated seconds at 100 Mbps.
DISK = {"name": "/dev/vda", "size": 42949672960, "device_use": "OS"}

PLAYBOOK = """
- name: A migration program, every step one task looping over the accounts
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    conn: &conn
      endpoint: "{{ item.endpoint }}"
      access_key: "{{ item.access_key }}"
      secret_key: "{{ item.secret_key }}"
      project_id: "{{ item.project_id }}"
      region: "{{ item.region }}"
  tasks:
    - name: Mark begin
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
    - name: Prepare (start, one job per account)
      hwcloud.sms.sms_task:
        <<: *conn
        tasks: "{{ item.rows }}"
        template_id: tmpl-bench
        syncing: true
        workers: 8
      loop: "{{ accounts }}"
      loop_control: {label: "{{ item.name }}"}
      async: 7200
      poll: 0
      register: prepare_jobs
    - name: Prepare (collect)
      ansible.builtin.async_status:
        jid: "{{ prepare_jobs.results[i].ansible_job_id }}"
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      register: prepared
      until: prepared.finished
      retries: 7200
      delay: 1
    - name: Mark prepare
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
    - name: Rolling starts (start, one job per account)
      hwcloud.sms.sms_task_action:
        <<: *conn
        task_ids: "{{ prepared.results[i].results | map(attribute='task') | map(attribute='id') | list }}"
        operation: start
        max_running: "{{ max_running }}"
        workers: 8
        poll_interval: "{{ poll_interval }}"
        wait_timeout: 7200
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      async: 7200
      poll: 0
      register: start_jobs
    - name: Rolling starts (collect)
      ansible.builtin.async_status:
        jid: "{{ start_jobs.results[i].ansible_job_id }}"
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      register: started
      until: started.finished
      retries: 7200
      delay: 1
    - name: Wait until every task syncs (start, one job per account)
      hwcloud.sms.sms_task_info:
        <<: *conn
        task_ids: "{{ prepared.results[i].results | map(attribute='task') | map(attribute='id') | list }}"
        wait_for: [syncing]
        poll_interval: "{{ poll_interval }}"
        wait_timeout: 7200
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      async: 7200
      poll: 0
      register: sync_jobs
    - name: Wait until every task syncs (collect)
      ansible.builtin.async_status:
        jid: "{{ sync_jobs.results[i].ansible_job_id }}"
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      register: synced
      until: synced.finished
      retries: 7200
      delay: 1
    - name: Mark replicate
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
    - name: Cutover (start, one job per account)
      hwcloud.sms.sms_task_action:
        <<: *conn
        task_ids: "{{ prepared.results[i].results | map(attribute='task') | map(attribute='id') | list }}"
        operation: cutover
        wait: true
        workers: 8
        poll_interval: "{{ poll_interval }}"
        wait_timeout: 7200
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      async: 7200
      poll: 0
      register: cutover_jobs
    - name: Cutover (collect)
      ansible.builtin.async_status:
        jid: "{{ cutover_jobs.results[i].ansible_job_id }}"
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      register: cut
      until: cut.finished
      retries: 7200
      delay: 1
    - name: Mark cutover
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
    - name: Probe, an agent registering before the cleanup (refused when the account is at its quota)
      ansible.builtin.uri:
        url: "{{ item.endpoint }}/v3/sources"
        method: POST
        headers: {X-Auth-Token: "{{ item.auth_token }}", X-Project-Id: "{{ item.project_id }}"}
        body_format: json
        body: "{{ item.probe }}"
        status_code: "{{ [400] if item.full else [200] }}"
      loop: "{{ accounts }}"
      loop_control: {label: "{{ item.name }}"}
      register: probe
    - name: Mark probe
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
    - name: Cleanup of the records (start, one job per account)
      hwcloud.sms.sms_source:
        <<: *conn
        ids: "{{ prepared.results[i].results | map(attribute='source_id') | list }}"
        state: absent
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      async: 7200
      poll: 0
      register: cleanup_jobs
    - name: Cleanup of the records (collect)
      ansible.builtin.async_status:
        jid: "{{ cleanup_jobs.results[i].ansible_job_id }}"
      loop: "{{ accounts }}"
      loop_control: {index_var: i, label: "{{ item.name }}"}
      register: cleaned
      until: cleaned.finished
      retries: 7200
      delay: 1
    - name: Mark cleanup
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
    - name: Next wave, new agents register
      ansible.builtin.uri:
        url: "{{ item.0.endpoint }}/v3/sources"
        method: POST
        headers: {X-Auth-Token: "{{ item.0.auth_token }}", X-Project-Id: "{{ item.0.project_id }}"}
        body_format: json
        body: "{{ item.1 }}"
        status_code: [200]
      loop: "{{ accounts | subelements('next_wave') }}"
      loop_control: {label: "{{ item.0.name }} {{ item.1.name }}"}
      register: next_wave
    - name: Mark next wave
      ansible.builtin.set_fact:
        mark: "{{ now(utc=true).timestamp() }}"
"""


def agent(name, number):
    """An agent registration body (Linux, passes every environment check) with a MAC of its own."""
    mac = "fa:16:3e:%02x:%02x:%02x" % ((number >> 16) & 255, (number >> 8) & 255, number & 255)
    return {"name": name, "hostname": name, "ip": "10.%d.%d.%d" % ((number >> 16) & 255, (number >> 8) & 255,
                                                                   number & 255 or 1),
            "os_type": "LINUX", "os_version": "CENTOS7.9", "agent_version": "25.1.0", "cpu_quantity": 2,
            "memory": 4096, "networks": [{"name": "eth0", "ip": "10.0.0.1", "mac": mac, "mtu": 1500}],
            "disks": [DISK], "btrfs_list": [], "volume_groups": [], "has_rsync": True, "has_tc": True,
            "boot_loader": "GRUB"}


# ----------------------------------------------------------------------------- one account's emulator
def serve_account(args):
    """Child process: one account's emulator, its servers registered, then commands on stdin
    (``peak``, ``replicate_one``; EOF stops it). Answers are JSON lines on stdout."""
    sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
    from sms_emulator import Emulator  # pylint: disable=import-outside-toplevel

    emu = Emulator(sources=0, region=args.region, speedup=args.speedup, auto_agent=True, agent_delay=0,
                   max_running=args.max_running, source_quota=args.quota, db_path=args.db).start()
    names = []
    for number in range(args.servers):
        name = "%s-srv-%05d" % (args.name, number)
        emu.store.register_source(agent(name, number + 1))
        names.append(name)
    credentials = dict(emu.credentials, endpoint=emu.url, region=emu.region, names=names)
    print(json.dumps(credentials), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "peak":
            answer = {"peak_running": emu.peak_running, "sources": emu.store.count_sources()}
        elif command == "replicate_one":
            answer = {"seconds": _replicate_one(emu)}
        else:
            answer = {"error": "unknown command %r" % command}
        print(json.dumps(answer), flush=True)
    emu.stop()


def _replicate_one(emu):
    """Wall seconds of one full copy on this emulator, the task alone (read every 10 ms until it syncs)."""
    source = emu.store.list_sources()[0]
    task_id = emu.store.create_task({"name": "one", "type": "MIGRATE_FILE", "syncing": True,
                                     "source_server": {"id": source["id"]}})
    started = time.perf_counter()
    emu.store.task_action(task_id, "start")
    while emu.store.get_task(task_id)["state"] != "SYNCING":
        if time.perf_counter() - started > 600:
            raise RuntimeError("one replication took over 600 s")
        time.sleep(0.01)
    return time.perf_counter() - started


class Account:
    """One account: its emulator process and what the playbook needs of it."""

    def __init__(self, name, region, servers, args, workdir):
        command = [sys.executable, os.path.abspath(__file__), "--serve-account", "--name", name, "--region", region,
                   "--servers", str(servers), "--speedup", str(args.speedup), "--max-running", str(args.max_running),
                   "--quota", str(args.quota), "--db", os.path.join(workdir, name + ".db")]
        self.name, self.servers = name, servers
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = None

    def ready(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the emulator of %s did not start" % self.name)
        self.info = json.loads(line)
        return self

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def playbook_vars(self, quota, next_wave):
        info = self.info
        return dict(name=self.name, endpoint=info["endpoint"], access_key=info["access_key"],
                    secret_key=info["secret_key"], project_id=info["project_id"], region=info["region"],
                    auth_token=info["auth_token"], rows=[{"source_name": n} for n in info["names"]],
                    full=self.servers >= quota, probe=agent(self.name + "-probe", 900001),
                    next_wave=[agent("%s-next-%02d" % (self.name, k), 800001 + k) for k in range(next_wave)])

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ----------------------------------------------------------------------------- the playbook run
def _reap_orphans(emulator_pids):
    """CPU seconds and peak RSS (KiB) of the finished processes reparented to us (async jobs)."""
    cpu, rss = 0.0, 0
    while True:
        try:
            pid, _status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        if pid in emulator_pids:
            raise SystemExit("an emulator exited during the run")
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss)
    return cpu, rss


def run_playbook(playbook, vars_path, workdir, emulator_pids):
    """(wall seconds, CPU seconds, peak RSS KiB, json callback document) of one ansible-playbook run."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, "tests", "support", "callback_plugins"),
               ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
               ANSIBLE_ASYNC_DIR=os.path.join(workdir, "async"), ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, PATH=BIN_DIR + os.pathsep + env.get("PATH", ""))
    command = [os.path.join(BIN_DIR, "ansible-playbook"), "-i", "localhost,", playbook, "-e", "@" + vars_path]
    with tempfile.TemporaryFile(dir=workdir) as out, tempfile.TemporaryFile(dir=workdir) as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        time.sleep(0.5)  # async jobs write their result, then exit: let the last ones go
        orphan_cpu, orphan_rss = _reap_orphans(emulator_pids)
        cpu = usage.ru_utime + usage.ru_stime + orphan_cpu
        rss = max(usage.ru_maxrss, orphan_rss)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    try:
        document = json.loads(text)
    except ValueError:
        raise SystemExit("the playbook gave no JSON (rc %s):\n%s\n%s" % (process.returncode, text[-3000:], errors[-2000:]))
    if process.returncode != 0:
        failures = [(t["task"]["name"], h.get("msg"),
                     [(r.get("item", {}).get("name"), r.get("msg")) for r in h.get("results", []) if r.get("failed")])
                    for p in document["plays"] for t in p["tasks"] for h in t["hosts"].values() if h.get("failed")]
        raise SystemExit("the playbook failed (rc %s): %s" % (process.returncode, json.dumps(failures)[:4000]))
    return wall, cpu, rss, document


def task_results(document):
    """(tasks that ran, task results with loop items) of a json callback document."""
    ran, results = 0, 0
    for play in document["plays"]:
        for task in play["tasks"]:
            for host_result in task["hosts"].values():
                if host_result.get("skipped"):
                    continue
                ran += 1
                items = host_result.get("results")
                results += len(items) if isinstance(items, list) and items and "ansible_loop_var" in items[0] else 1
    return ran, results


def task_result(document, name):
    for play in document["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"] == name:
                return list(task["hosts"].values())[0]
    raise SystemExit("no task %r in the playbook's output" % name)


# ----------------------------------------------------------------------------- one program
def program(args, servers, workdir, replication_seconds):
    """Run the program of ``servers`` servers once; return its figures."""
    per_account = [servers // args.accounts + (1 if k < servers % args.accounts else 0) for k in range(args.accounts)]
    started = time.perf_counter()
    accounts = [Account("acct%02d-%d" % (k, servers), REGIONS[0] if k < args.accounts / 2.0 else REGIONS[1],
                        per_account[k], args, workdir) for k in range(args.accounts)]
    try:
        for account in accounts:
            account.ready()
        setup = time.perf_counter() - started
        vars_path = os.path.join(workdir, "program-%d.json" % servers)
        with open(vars_path, "w") as handle:
            json.dump({"accounts": [a.playbook_vars(args.quota, args.next_wave) for a in accounts],
                       "max_running": args.max_running, "poll_interval": args.poll_interval}, handle)
        playbook = os.path.join(workdir, "program.yml")
        with open(playbook, "w") as handle:
            handle.write(PLAYBOOK)
        wall, cpu, rss, document = run_playbook(playbook, vars_path, workdir,
                                                set(a.process.pid for a in accounts))
        peaks = [a.ask("peak") for a in accounts]
    finally:
        for account in accounts:
            account.stop()
    ran, results = task_results(document)
    rolling = [r["rolling"] for r in task_result(document, "Rolling starts (collect)")["results"]]
    # Inside the modules: the rolling starts, then the wait until every task syncs (per account);
    # the rest of the step's wall time is Ansible's (async launches and async_status polls).
    synced = task_result(document, "Wait until every task syncs (collect)")["results"]
    in_modules = [r["waited_seconds"] + s["waited_seconds"] for r, s in zip(rolling, synced)]
    probe = "Probe, an agent registering before the cleanup (refused when the account is at its quota)"
    probes = [r["status"] for r in task_result(document, probe)["results"]]
    cleaned = task_result(document, "Cleanup of the records (collect)")["results"]
    next_wave = [r["status"] for r in task_result(document, "Next wave, new agents register")["results"]]
    marks = [(phase, float(task_result(document, "Mark " + phase)["ansible_facts"]["mark"])) for phase in PHASES]
    phases = dict((phase, end - begin) for (_p, begin), (phase, end) in zip(marks, marks[1:]))
    # async_status polls (each one a module run on the controller), over the accounts and steps
    collect_runs = sum(r.get("attempts", 1) for p in document["plays"] for t in p["tasks"]
                       if t["task"]["name"].endswith("(collect)") for h in t["hosts"].values() for r in h["results"])
    rounds = max(int(math.ceil(n / float(args.max_running))) for n in per_account)
    emulator_peaks = [p["peak_running"] for p in peaks]
    over = [(a.name, p) for a, p in zip(accounts, emulator_peaks) if p > args.max_running]
    if over:
        raise SystemExit("an emulator saw more than %d migrations at once: %s" % (args.max_running, over))
    return dict(servers=servers, per_account=per_account, setup=setup, wall=wall, cpu=cpu, rss=rss, ran=ran,
                results=results, rolling=rolling, emulator_peaks=emulator_peaks, probes=probes,
                deleted=sum(len(r.get("sources") or []) for r in cleaned), next_wave=next_wave,
                sources_after=[p["sources"] for p in peaks], replicate=phases["replicate"], phases=phases,
                in_modules=max(in_modules), collect_runs=collect_runs, load=os.getloadavg()[0], rounds=rounds,
                ideal=rounds * replication_seconds)


def one_replication(args, workdir):
    """Seconds of one accelerated replication, on an emulator of its own started as the accounts are."""
    account = Account("baseline", REGIONS[0], 1, args, workdir).ready()
    try:
        return account.ask("replicate_one")["seconds"]
    finally:
        account.stop()


def report(args, runs, replication_seconds):
    print()
    print("one accelerated replication, alone (baseline, this run): %.2f s (speedup %g, %s GiB per server)"
          % (replication_seconds, args.speedup, DISK["size"] >> 30))
    columns = ("servers", "per account", "tasks", "task results", "req/poll max", "peak (emulator)",
               "peak (module)", "refused", "CPU s", "peak RSS MiB", "wall s", "replicate s", "in modules s", "ideal s",
               "x ideal (modules)")
    print(" | ".join(columns))
    for run in runs:
        per_poll = max(r["max_requests_per_poll"] for r in run["rolling"])
        module_peak = max(r["peak_running"] for r in run["rolling"])
        refused = sum(r["refused_for_limit"] for r in run["rolling"])
        cells = (run["servers"], "%d-%d" % (min(run["per_account"]), max(run["per_account"])), run["ran"],
                 run["results"], per_poll, max(run["emulator_peaks"]), module_peak, refused, "%.1f" % run["cpu"],
                 "%.0f" % (run["rss"] / 1024.0), "%.1f" % run["wall"], "%.1f" % run["replicate"], "%.1f" % run["in_modules"], "%.1f" % run["ideal"],
                 "%.1f (%.1f)" % (run["replicate"] / run["ideal"], run["in_modules"] / run["ideal"]))
        print(" | ".join(str(c).rjust(len(h)) for c, h in zip(cells, columns)))
    print()
    for run in runs:
        print("%d servers: per account peak running (emulator) %s, all <= %d: yes; polls of the rolling starts %s; "
              "requests per poll (max) %s; refused for the limit %s"
              % (run["servers"], run["emulator_peaks"], args.max_running, [r["polls"] for r in run["rolling"]],
                 [r["max_requests_per_poll"] for r in run["rolling"]], [r["refused_for_limit"] for r in run["rolling"]]))
        print("  replication rounds per account (ideal) %d; registration before the cleanup answered %s (400 = "
              "refused for the quota of %d); records deleted %d; next wave registrations after the cleanup %s; "
              "sources per account at the end %s; emulators' setup %.1f s (not in the wall time)"
              % (run["rounds"], sorted(set(run["probes"])), args.quota, run["deleted"], sorted(set(run["next_wave"])),
                 sorted(set(run["sources_after"])), run["setup"]))
    for run in runs:
        print("%d servers, wall seconds per step: %s; async_status runs (collect polls) %d; load average at the end "
              "%.1f (2 cores, shared)" % (run["servers"], ", ".join("%s %.1f" % (p, run["phases"][p]) for p in PHASES[1:]),
                                          run["collect_runs"], run["load"]))
    counts = sorted(set(run["ran"] for run in runs))
    print("Ansible tasks that ran: %s for %s servers: %s" % (
        [run["ran"] for run in runs], [run["servers"] for run in runs],
        "the same whatever the number of servers" if len(counts) == 1 else "DIFFERENT"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=10000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--sizes", help="comma-separated program sizes (default: --servers and --servers / 10)")
    parser.add_argument("--max-running", type=int, default=100)
    parser.add_argument("--quota", type=int, default=1000)
    parser.add_argument("--speedup", type=float, default=1500)
    parser.add_argument("--poll-interval", type=float, default=2)
    parser.add_argument("--next-wave", type=int, default=3, help="agents per account registering after the cleanup")
    parser.add_argument("--quick", action="store_true", help="400 servers, 4 accounts, max_running 20, quota 100")
    # The child process of one account (internal).
    parser.add_argument("--serve-account", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--region", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_account:
        serve_account(args)
        return
    if args.quick:
        args.servers, args.accounts, args.max_running, args.quota, args.poll_interval = 400, 4, 20, 100, 1
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.servers, max(args.accounts, args.servers // 10)]
    if max(sizes) > args.accounts * args.quota:
        raise SystemExit("%d servers do not fit in %d accounts of %d sources" % (max(sizes), args.accounts, args.quota))
    link = os.path.join(COLLECTIONS_PATH, "ansible_collections", "hwcloud", "sms")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(REPO, os.path.dirname(link)), link)
    # Async jobs daemonize; as their subreaper this process reaps them and counts their CPU and memory.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("prctl(PR_SET_CHILD_SUBREAPER) failed: async jobs could not be measured")
    workdir = tempfile.mkdtemp(prefix="bench-program-", dir=os.path.join(REPO, ".build"))
    try:
        print("program: sizes %s, %d accounts (regions %s), max_running %d, quota %d, speedup %g, poll %g s"
              % (sizes, args.accounts, "/".join(REGIONS), args.max_running, args.quota, args.speedup, args.poll_interval))
        replication_seconds = one_replication(args, workdir)
        runs = []
        for servers in sorted(sizes):
            runs.append(program(args, servers, workdir, replication_seconds))
            # The figures of each size as soon as it is done (a long run stopped later still shows them).
            report(args, runs[-1:], replication_seconds)
            sys.stdout.flush()
        if len(runs) > 1:
            report(args, runs, replication_seconds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
