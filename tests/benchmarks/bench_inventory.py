#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark of the hwcloud.sms.sms_sources inventory plugin (a script, not a test: it prints
figures and ratios measured side by side in one run, and passes or fails on nothing but errors).

For each fleet size (default 10,000; `--sources 10000 100000` for more) it starts the SMS emulator
in its own process and measures, for each run, wall time, CPU seconds of exactly that child
(os.wait4) and its peak RSS:

  empty         ansible-inventory with no hosts (Ansible's fixed start-up cost, subtracted below)
  floor         ansible-inventory fed the plugin's hosts, groups and variables from a JSON file through
                Ansible's script inventory: what Ansible itself costs for this inventory
  plugin        ansible-inventory with the plugin (default hostvar_fields), emulator at 0 ms latency
  plugin/all    the same with hostvar_fields: [all] (every API field a host variable)
  cached        the plugin with a warm jsonfile cache (API requests during the run are counted)
  plugin@<ms>   the plugin with <ms> latency per API request, next to
  sdk@<ms>      the official huaweicloudsdksms client paging list_servers sequentially at that latency

each with --graph and --list. Per host = (run - empty) / hosts. Ratios are against the floor of the
same command in the same run. `--list` output size per host is what AWX imports per host.

Usage: python tests/benchmarks/bench_inventory.py [--sources 10000 [100000 ...]] [--latency-ms 50]
       [--workers 8] [--repeat 1] [--all-fields-max 20000]
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
ANSIBLE_INVENTORY = os.path.join(BIN_DIR, "ansible-inventory")


def ensure_collection_link():
    link = os.path.join(COLLECTIONS_PATH, "ansible_collections", "hwcloud", "sms")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(REPO, os.path.dirname(link)), link)


class EmulatorProcess:
    """The emulator in its own process so its CPU use does not count against ours."""

    def __init__(self, sources):
        command = [sys.executable, os.path.join(REPO, "tests", "emulator", "run_emulator.py"),
                   "--sources", str(sources), "--json"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        self.credentials = json.loads(line)
        self.url = self.credentials["endpoint"]

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + "/_emulator/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read() or b"null")

    def latency(self, milliseconds):
        self.admin("POST", "faults", {"latency_ms": milliseconds})

    def api_requests(self):
        return [entry for entry in self.admin("GET", "requests") if entry["path"].startswith("/v3/")]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


class Measurement:
    def __init__(self, wall, cpu, rss_mib, output_bytes=None):
        self.wall, self.cpu, self.rss_mib, self.output_bytes = wall, cpu, rss_mib, output_bytes


def run_measured(command, env, cwd):
    """(Measurement, stdout) of one child process; CPU and peak RSS are that child's own (os.wait4).
    The child is started by a small fresh Python process (this script with --measure): Linux keeps
    the peak RSS across fork and exec, so a child started from this (large) process would report
    this process's size when its own is smaller."""
    handle, out_path = tempfile.mkstemp(dir=cwd)
    os.close(handle)
    try:
        launcher = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure", out_path, "--"] + command,
                                  env=env, cwd=cwd, capture_output=True, text=True, check=False)
        if launcher.returncode != 0:
            raise SystemExit("%s failed:\n%s" % (" ".join(command), launcher.stderr[-4000:]))
        figures = json.loads(launcher.stdout)
        with open(out_path, encoding="utf-8") as handle:
            stdout = handle.read()
    finally:
        os.unlink(out_path)
    return Measurement(figures["wall"], figures["cpu"], figures["rss_mib"], figures["output_bytes"]), stdout


def measure_child(out_path, command):
    """The --measure mode: run ``command`` with stdout to ``out_path``; print its figures as JSON."""
    started = time.perf_counter()
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if returncode != 0:
        sys.stderr.write("rc %s:\n%s" % (returncode, stderr[-4000:]))
        return 1
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024.0,
                      "output_bytes": os.path.getsize(out_path)}))
    return 0


def best_of(repeat, measure):
    """The run with the least CPU of ``repeat`` runs (CPU is what a busy machine disturbs least)."""
    runs = [measure() for _index in range(repeat)]
    return min(runs, key=lambda run: run[0].cpu)


def sdk_listing(credentials, expected):
    """Sequential list_servers with the official SDK, 200 a page (in this process)."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdksms.v3 import ListServersRequest, SmsClient

    client = (SmsClient.new_builder()
              .with_credentials(BasicCredentials(credentials["access_key"], credentials["secret_key"], credentials["project_id"]))
              .with_endpoints([credentials["endpoint"]])
              .build())
    started, cpu_started = time.perf_counter(), time.process_time()
    offset, total, received = 0, None, 0
    while total is None or offset < total:
        answer = client.list_servers(ListServersRequest(limit=200, offset=min(offset, 65535)))
        total = answer.count
        received += len(answer.source_servers or [])
        offset += 200
        if offset > 65535:
            break  # the SDK alone cannot page past the API's offset cap
    measurement = Measurement(time.perf_counter() - started, time.process_time() - cpu_started, None)
    return measurement, received


def write_config(workdir, name, text):
    path = os.path.join(workdir, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("plugin: hwcloud.sms.sms_sources\n" + text)
    return path


def write_floor(inventory_json, workdir, name):
    """A script inventory printing exactly what the plugin produced (hosts, groups, variables)."""
    data_path = os.path.join(workdir, name + ".json")
    with open(data_path, "w", encoding="utf-8") as handle:
        handle.write(inventory_json)
    script = os.path.join(workdir, name + ".py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write("#!%s\nimport sys\nif '--host' in sys.argv:\n    print('{}')\nelse:\n"
                     "    sys.stdout.write(open(%r).read())\n" % (sys.executable, data_path))
    os.chmod(script, 0o755)
    return script


def host_count(list_output):
    return len(json.loads(list_output)["_meta"]["hostvars"])


def bench_size(args, sources, base_env):
    workdir = tempfile.mkdtemp(prefix="bench_inventory_", dir=os.path.join(REPO, ".build"))
    emulator = EmulatorProcess(sources)
    rows, facts = [], []
    try:
        credentials = emulator.credentials
        env = dict(base_env, HUAWEICLOUD_SMS_ENDPOINT=credentials["endpoint"],
                   HUAWEICLOUD_ACCESS_KEY=credentials["access_key"], HUAWEICLOUD_SECRET_KEY=credentials["secret_key"],
                   HUAWEICLOUD_PROJECT_ID=credentials["project_id"])
        workers = "page_workers: %d\n" % args.workers
        lean = write_config(workdir, "lean.sms_sources.yml", workers)
        every = write_config(workdir, "all.sms_sources.yml", workers + "hostvar_fields: [all]\n")
        cached = write_config(workdir, "cached.sms_sources.yml", workers + (
            "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\ncache_timeout: 3600\n"
            % os.path.join(workdir, "cache")))

        def measure(source, command):
            return best_of(args.repeat, lambda: run_measured([ANSIBLE_INVENTORY, "-i", source, command], env, workdir))

        emulator.latency(0)
        results = {}
        results["empty", "--graph"], _out = measure("localhost,", "--graph")
        results["empty", "--list"], _out = measure("localhost,", "--list")
        results["plugin", "--list"], lean_list = measure(lean, "--list")
        results["plugin", "--graph"], lean_graph = measure(lean, "--graph")
        hosts = host_count(lean_list)
        floor = write_floor(lean_list, workdir, "floor")
        results["floor", "--list"], _out = measure(floor, "--list")
        results["floor", "--graph"], floor_graph = measure(floor, "--graph")
        facts.append("plugin --graph identical to floor --graph: %s" % ("yes" if lean_graph == floor_graph else "NO"))
        if sources <= args.all_fields_max:
            results["plugin/all", "--list"], all_list = measure(every, "--list")
            floor_all = write_floor(all_list, workdir, "floor_all")
            results["floor/all", "--list"], _out = measure(floor_all, "--list")
        else:
            facts.append("plugin/all --list skipped above %d sources (--all-fields-max)" % args.all_fields_max)
        run_measured([ANSIBLE_INVENTORY, "-i", cached, "--graph"], env, workdir)  # warm the cache
        emulator.admin("DELETE", "requests")
        results["cached", "--graph"], cached_graph = measure(cached, "--graph")
        facts.append("cached --graph identical: %s; API requests during the cached runs: %d"
                     % ("yes" if cached_graph == lean_graph else "NO", len(emulator.api_requests())))
        if args.latency_ms:
            emulator.latency(args.latency_ms)
            results["plugin@%d" % args.latency_ms, "--graph"], _out = measure(lean, "--graph")
            results["sdk@%d" % args.latency_ms, "listing"], received = sdk_listing(credentials, sources)
            if received != min(sources, 65535 + 200):
                facts.append("the SDK listed %d of %d sources" % (received, sources))
            emulator.latency(0)
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("== %d sources -> %d hosts; page_workers=%d, best (least CPU) of %d, python %s"
          % (sources, hosts, args.workers, args.repeat, sys.version.split()[0]))
    print("%-13s %-8s %8s %8s %9s | %11s %11s %11s | %9s %9s" % (
        "run", "command", "wall s", "CPU s", "RSS MiB", "CPU ms/host", "RSS KiB/hst", "out B/host",
        "CPU/floor", "wall/flr"))
    order = ["empty", "floor", "plugin", "floor/all", "plugin/all", "cached"]
    order += [name for name, _command in results if "@" in name]
    for name in order:
        for command in ("--graph", "--list", "listing"):
            measured = results.get((name, command))
            if measured is None:
                continue
            empty = results.get(("empty", command))
            per_host_cpu = per_host_rss = per_host_out = floor_cpu = floor_wall = "-"
            if name != "empty" and empty is not None:
                per_host_cpu = "%.3f" % ((measured.cpu - empty.cpu) * 1000.0 / hosts)
                per_host_rss = "%.1f" % ((measured.rss_mib - empty.rss_mib) * 1024.0 / hosts)
                if command == "--list":
                    per_host_out = "%d" % ((measured.output_bytes - empty.output_bytes) / hosts)
            floor_name = "floor/all" if name == "plugin/all" else "floor"
            floor = results.get((floor_name, command if command != "listing" else "--graph"))
            if name.startswith(("plugin", "cached")) and floor is not None:
                floor_cpu, floor_wall = "%.2f" % (measured.cpu / floor.cpu), "%.2f" % (measured.wall / floor.wall)
            print("%-13s %-8s %8.2f %8.2f %9s | %11s %11s %11s | %9s %9s" % (
                name, command, measured.wall, measured.cpu, "-" if measured.rss_mib is None else "%.0f" % measured.rss_mib,
                per_host_cpu, per_host_rss, per_host_out, floor_cpu, floor_wall))
    if args.latency_ms:
        slow, fast = results["plugin@%d" % args.latency_ms, "--graph"], results["plugin", "--graph"]
        sdk = results["sdk@%d" % args.latency_ms, "listing"]
        print("latency %d ms: plugin --graph took %.2f s more wall than at 0 ms; the SDK's sequential listing "
              "took %.2f s; ratio %.2f" % (args.latency_ms, slow.wall - fast.wall, sdk.wall, (slow.wall - fast.wall) / sdk.wall))
        print("  (a difference of two runs: on a busy machine it can be near 0 or negative; compare with --repeat 3)")
    for fact in facts:
        print(fact)


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "--measure" and sys.argv[3] == "--":
        return measure_child(sys.argv[2], sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sources", type=int, nargs="+", default=[10000], help="fleet sizes (default 10000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the one with least CPU counts")
    parser.add_argument("--workers", type=int, default=8, help="page_workers of the plugin")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency for the plugin@/sdk@ pair (0: skip them)")
    parser.add_argument("--all-fields-max", type=int, default=20000,
                        help="largest fleet for which --list with hostvar_fields: [all] is measured")
    args = parser.parse_args()
    ensure_collection_link()
    base_env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_", "ANSIBLE_")))
    base_env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
                     "ANSIBLE_NOCOLOR": "1", "PYTHONDONTWRITEBYTECODE": "1",
                     "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", "")})
    for sources in args.sources:
        bench_size(args, sources, base_env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
