#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark of the hwcloud.sms.sms_sources inventory plugin (a script, not a test).

Starts the SMS emulator as a separate process with N sources (default 10,000) and prints, from
one run, wall time and peak memory of:

  sdk        the official huaweicloudsdksms SmsClient paging list_servers sequentially,
             200 a page, at 50 ms added latency (in this process)
  floor      ansible-inventory --graph of the same hosts, groups and variables fed from a local
             JSON file through Ansible's built-in script inventory (Ansible's own per-host cost)
  plugin@0   ansible-inventory --graph with the plugin, emulator at 0 ms latency
  plugin@50  the same at 50 ms latency
  cached     the same with a warm jsonfile cache (and zero API requests, checked)

then the ratios against the issue's targets:
  (plugin@50 - plugin@0) <= 0.25 x sdk;  plugin@0 <= 1.2 x floor;  cached <= 1.1 x floor.

Usage: python tests/benchmarks/bench_inventory.py [--sources 10000] [--repeat 1] [--workers 8]
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
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")

    def api_requests(self):
        return [entry for entry in self.admin("GET", "requests") if entry["path"].startswith("/v3/")]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def run_measured(command, env, cwd):
    """(wall seconds, peak RSS in MiB, CPU seconds of exactly this child via os.wait4, stdout)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        raise SystemExit("%s failed (rc %s):\n%s" % (" ".join(command), child.returncode, stderr[-4000:]))
    return wall, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime, stdout


def best_of(repeat, measure):
    runs = [measure() for _index in range(repeat)]
    return min(runs, key=lambda run: run[0])


def sdk_listing(credentials):
    """Sequential list_servers with the official SDK, 200 a page; returns the number of records."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdksms.v3 import ListServersRequest, SmsClient

    client = (SmsClient.new_builder()
              .with_credentials(BasicCredentials(credentials["access_key"], credentials["secret_key"], credentials["project_id"]))
              .with_endpoints([credentials["endpoint"]])
              .build())
    offset, total, received = 0, None, 0
    while total is None or offset < total:
        answer = client.list_servers(ListServersRequest(limit=200, offset=offset))
        total = answer.count
        received += len(answer.source_servers or [])
        offset += 200
    return received


def fetch_records(credentials, workers):
    sys.path.insert(0, COLLECTIONS_PATH)
    from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient

    client = SmsClient(endpoint=credentials["endpoint"], access_key=credentials["access_key"],
                       secret_key=credentials["secret_key"], project_id=credentials["project_id"])
    _count, records = client.list_sources(workers=workers)
    return records


def write_floor(records, workdir):
    """The plugin's hosts, groups and variables as script-inventory JSON plus the script."""
    hostvars, groups = {}, {}
    for record in sorted(records, key=lambda r: r["id"]):
        host_vars = dict(("sms_" + field, value) for field, value in record.items())
        host_vars["ansible_host"] = record["ip"]
        hostvars[record["name"]] = host_vars
        groups.setdefault("state_" + record["state"], []).append(record["name"])
        groups.setdefault("os_" + record["os_type"].lower(), []).append(record["name"])
    if len(hostvars) != len(records):
        raise SystemExit("the benchmark fleet must not have duplicate names")
    inventory = dict((group, {"hosts": hosts}) for group, hosts in groups.items())
    inventory["_meta"] = {"hostvars": hostvars}
    data_path = os.path.join(workdir, "floor.json")
    with open(data_path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle)
    script = os.path.join(workdir, "floor_inventory.py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write("#!%s\nimport sys\nif '--host' in sys.argv:\n    print('{}')\nelse:\n"
                     "    sys.stdout.write(open(%r).read())\n" % (sys.executable, data_path))
    os.chmod(script, 0o755)
    return script


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sources", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest counts")
    parser.add_argument("--workers", type=int, default=8, help="page_workers of the plugin")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="bench_inventory_")
    emulator = EmulatorProcess(args.sources)
    try:
        credentials = emulator.credentials
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_", "ANSIBLE_")))
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
            "ANSIBLE_NOCOLOR": "1", "PYTHONDONTWRITEBYTECODE": "1", "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
            "HUAWEICLOUD_SMS_ENDPOINT": credentials["endpoint"], "HUAWEICLOUD_ACCESS_KEY": credentials["access_key"],
            "HUAWEICLOUD_SECRET_KEY": credentials["secret_key"], "HUAWEICLOUD_PROJECT_ID": credentials["project_id"],
        })
        plugin_config = os.path.join(workdir, "fleet.sms_sources.yml")
        with open(plugin_config, "w", encoding="utf-8") as handle:
            handle.write("plugin: hwcloud.sms.sms_sources\npage_workers: %d\n" % args.workers)
        cached_config = os.path.join(workdir, "cached.sms_sources.yml")
        with open(cached_config, "w", encoding="utf-8") as handle:
            handle.write("plugin: hwcloud.sms.sms_sources\npage_workers: %d\ncache: true\n"
                         "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\ncache_timeout: 3600\n"
                         % (args.workers, os.path.join(workdir, "cache")))

        def graph(source):
            return lambda: run_measured([ANSIBLE_INVENTORY, "-i", source, "--graph"], env, workdir)

        results = {}
        emulator.admin("POST", "faults", {"latency_ms": args.latency_ms})
        started, cpu_started = time.perf_counter(), time.process_time()
        received = sdk_listing(credentials)
        results["sdk"] = (time.perf_counter() - started, None, time.process_time() - cpu_started)
        if received != args.sources:
            raise SystemExit("the SDK listed %d of %d sources" % (received, args.sources))

        emulator.admin("POST", "faults", {"latency_ms": 0})
        records = fetch_records(credentials, args.workers)
        floor_script = write_floor(records, workdir)
        wall, rss, cpu, floor_graph = best_of(args.repeat, graph(floor_script))
        results["floor"] = (wall, rss, cpu)

        wall, rss, cpu, plugin_graph = best_of(args.repeat, graph(plugin_config))
        results["plugin@0"] = (wall, rss, cpu)
        same_graph = plugin_graph == floor_graph

        emulator.admin("POST", "faults", {"latency_ms": args.latency_ms})
        wall, rss, cpu, _graph = best_of(args.repeat, graph(plugin_config))
        results["plugin@%d" % args.latency_ms] = (wall, rss, cpu)

        emulator.admin("POST", "faults", {"latency_ms": 0})
        graph(cached_config)()  # warm the cache
        emulator.admin("DELETE", "requests")
        wall, rss, cpu, cached_graph = best_of(args.repeat, graph(cached_config))
        results["cached"] = (wall, rss, cpu)
        cached_requests = len(emulator.api_requests())
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    slow = "plugin@%d" % args.latency_ms
    print("hwcloud.sms.sms_sources benchmark: %d sources, page_workers=%d, latency %d ms, best of %d, python %s"
          % (args.sources, args.workers, args.latency_ms, args.repeat, sys.version.split()[0]))
    print("%-10s %9s %9s %13s" % ("run", "wall s", "CPU s", "peak RSS MiB"))
    for name in ("sdk", "floor", "plugin@0", slow, "cached"):
        wall, rss, cpu = results[name]
        print("%-10s %9.2f %9.2f %13s" % (name, wall, cpu, "-" if rss is None else "%.0f" % rss))
    sdk, floor = results["sdk"][0], results["floor"][0]
    fast, latent, cached = results["plugin@0"][0], results[slow][0], results["cached"][0]
    checks = [
        ("(%s - plugin@0) <= 0.25 x sdk" % slow, (latent - fast) / sdk, 0.25),
        ("plugin@0 <= 1.2 x floor", fast / floor, 1.2),
        ("cached <= 1.1 x floor", cached / floor, 1.1),
    ]
    print("(CPU s of sdk is this process's own; wall times count; CPU times show cost on a busy machine)")
    print("plugin --graph identical to floor --graph: %s" % ("yes" if same_graph else "NO"))
    print("cached --graph identical: %s; API requests during the cached run: %d"
          % ("yes" if cached_graph == plugin_graph else "NO", cached_requests))
    failed = not same_graph or cached_requests != 0
    for label, ratio, limit in checks:
        verdict = "PASS" if ratio <= limit else "FAIL"
        failed = failed or verdict == "FAIL"
        print("%-34s ratio %.3f (limit %.2f)  %s" % (label, ratio, limit, verdict))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
