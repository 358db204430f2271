#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark of hwcloud.sms.sms_source_info against the official SDK (a script, not a test: it
prints figures and ratios measured side by side in one run, and passes or fails on nothing but
errors).

It starts the SMS emulator in its own process with N sources (default 10,000) and a per-request
latency (default 50 ms), then measures, each in a child process (wall time, CPU seconds of exactly
that child, peak RSS; the emulator's own CPU never counts):

  sdk script      the official huaweicloudsdksms client paging list_servers sequentially, 200 a page,
                  as a stand-alone script (interpreter start and SDK import included)
  empty playbook  ansible-playbook with one play and no task (Ansible's fixed cost)
  module          a playbook with one sms_source_info task returning every record
  module+query    the same task with query: "[].id" (only the ids come back through Ansible)

For the module runs the emulator's request log gives the module's time on the API: from the first
request to the last one, plus one latency for its answer. Ratios:

  API time of the module / wall time of the SDK's sequential paging (same sources, same latency)
  CPU of the module+query playbook beyond the empty playbook / CPU of the SDK script

Usage: python tests/benchmarks/bench_source_info.py [--sources 10000] [--latency-ms 50]
       [--page-workers 8] [--repeat 1]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_inventory import (  # noqa: E402 pylint: disable=wrong-import-position
    BIN_DIR, COLLECTIONS_PATH, REPO, EmulatorProcess, ensure_collection_link, run_measured)

ANSIBLE_PLAYBOOK = os.path.join(BIN_DIR, "ansible-playbook")

SDK_SCRIPT = r'''
import json, os, sys
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdksms.v3 import ListServersRequest, SmsClient
client = (SmsClient.new_builder()
          .with_credentials(BasicCredentials(os.environ["HUAWEICLOUD_ACCESS_KEY"], os.environ["HUAWEICLOUD_SECRET_KEY"],
                                             os.environ["HUAWEICLOUD_PROJECT_ID"]))
          .with_endpoints([os.environ["HUAWEICLOUD_SMS_ENDPOINT"]])
          .build())
ids, offset, total = [], 0, None
while total is None or offset < min(total, 65535):
    answer = client.list_servers(ListServersRequest(limit=200, offset=offset))
    total = answer.count
    ids.extend(server.id for server in answer.source_servers or [])
    offset += 200
json.dump({"count": total, "ids": len(ids)}, sys.stdout)
'''


def playbook(tasks):
    return json.dumps([{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}])


def api_seconds(emulator, latency_ms):
    """First request sent to last answer received, from the emulator's request log."""
    times = [entry["time"] for entry in emulator.api_requests()]
    return max(times) - min(times) + latency_ms / 1000.0, len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sources", type=int, default=10000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--page-workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the one with least CPU counts")
    args = parser.parse_args()
    ensure_collection_link()
    workdir = tempfile.mkdtemp(prefix="bench_source_info_", dir=os.path.join(REPO, ".build"))
    emulator = EmulatorProcess(args.sources)
    try:
        credentials = emulator.credentials
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_", "ANSIBLE_")))
        env.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "ANSIBLE_NOCOLOR": "1", "PYTHONDONTWRITEBYTECODE": "1",
                    "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_LOCALHOST_WARNING": "False",
                    "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
                    "HUAWEICLOUD_SMS_ENDPOINT": credentials["endpoint"], "HUAWEICLOUD_ACCESS_KEY": credentials["access_key"],
                    "HUAWEICLOUD_SECRET_KEY": credentials["secret_key"], "HUAWEICLOUD_PROJECT_ID": credentials["project_id"]})
        files = {}
        for name, text in (
                ("sdk.py", SDK_SCRIPT),
                ("empty.json", playbook([])),
                ("module.json", playbook([{"hwcloud.sms.sms_source_info": {"page_workers": args.page_workers}}])),
                ("query.json", playbook([{"hwcloud.sms.sms_source_info": {"page_workers": args.page_workers,
                                                                          "query": "[].id"}, "register": "ids"},
                                         {"ansible.builtin.assert": {"that": "ids.query_result | length == %d"
                                                                             % args.sources, "quiet": True}}]))):
            files[name] = os.path.join(workdir, name)
            with open(files[name], "w", encoding="utf-8") as handle:
                handle.write(text)
        emulator.latency(args.latency_ms)
        results, api, spans = {}, {}, {}

        def measure(name, command, api_span=False):
            runs = []
            for _run in range(args.repeat):
                emulator.admin("DELETE", "requests")
                measured, output = run_measured(command, env, workdir)
                runs.append((measured, output, api_seconds(emulator, args.latency_ms) if api_span else None))
            # The run with the least CPU (what a busy machine disturbs least), with its own API time.
            results[name], output, api[name] = min(runs, key=lambda run: run[0].cpu)
            spans[name] = [run[2][0] for run in runs if run[2]]
            return output

        sdk_out = json.loads(measure("sdk script", [sys.executable, files["sdk.py"]], api_span=True))
        measure("empty playbook", [ANSIBLE_PLAYBOOK, "-i", "localhost,", files["empty.json"]])
        measure("module", [ANSIBLE_PLAYBOOK, "-i", "localhost,", files["module.json"]], api_span=True)
        measure("module+query", [ANSIBLE_PLAYBOOK, "-i", "localhost,", files["query.json"]], api_span=True)
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print("== %d sources, %d ms latency per request, page_workers=%d, best (least CPU) of %d, python %s"
          % (args.sources, args.latency_ms, args.page_workers, args.repeat, sys.version.split()[0]))
    print("the SDK listed %s of %s sources" % (sdk_out["ids"], sdk_out["count"]))
    print("%-15s %8s %8s %9s | %10s %9s" % ("run", "wall s", "CPU s", "RSS MiB", "API time s", "requests"))
    for name in ("sdk script", "empty playbook", "module", "module+query"):
        run = results[name]
        span, requests = api.get(name) or (None, None)
        print("%-15s %8.2f %8.2f %9.0f | %10s %9s" % (name, run.wall, run.cpu, run.rss_mib,
                                                      "-" if span is None else "%.2f" % span, requests or "-"))
    if args.repeat > 1:
        for name, values in ((n, v) for n, v in spans.items() if v):
            print("API time s of every run, %-13s %s" % (name + ":", " ".join("%.2f" % value for value in values)))
    sdk_api = api["sdk script"][0]
    empty = results["empty playbook"]
    for name in ("module", "module+query"):
        print("%-13s API time / SDK sequential paging: %.2f / %.2f = %.2f" % (name, api[name][0], sdk_api, api[name][0] / sdk_api))
    beyond = {name: results[name].cpu - empty.cpu for name in ("module", "module+query")}
    sdk_cpu = results["sdk script"].cpu
    for name, cpu in beyond.items():
        print("%-13s playbook CPU beyond the empty playbook / SDK script CPU: %.2f / %.2f = %.2f" % (name, cpu, sdk_cpu, cpu / sdk_cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
