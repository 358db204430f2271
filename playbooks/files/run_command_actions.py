# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the local actions of hwcloud.sms.process_commands, a bounded number at a time.

One process for a whole wave instead of one Ansible task per source server. Reads a JSON
object on stdin:

    {"journal": "/path/sms_commands.log" or "", "workers": 8, "timeout": 600,
     "actions": {"START": ["/usr/local/bin/pre-start.sh"], ...},
     "names": {"<source server id>": "<its name>", ...},
     "commands": [{"server_id": "...", "command_name": "START", "command_param": {...}}, ...]}

runs the action mapped to each command (commands without one are skipped: the playbook leaves
them pending) and writes {"reports": [...]} on stdout, one item per action in the order of
"commands", shaped as hwcloud.sms.sms_command_result's ``results`` items: server_id,
command_name, result ("success" only when the action ran and exited 0, else "fail") and
result_detail (handled_by, action, rc - an int, or null when the action did not run to its end -,
message, seconds). Each action is journalled twice (received, then its outcome), so a killed run
still shows what it had taken on. The action's environment adds SMS_SOURCE_ID, SMS_SOURCE_NAME,
SMS_COMMAND_NAME and SMS_COMMAND_PARAM (JSON).
"""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

__metaclass__ = type

_MESSAGE_LIMIT = 500


def _tail(text):
    text = (text or "").strip()
    return text if len(text) <= _MESSAGE_LIMIT else "..." + text[-_MESSAGE_LIMIT:]


class _Journal:
    """Appends one line per event; lines of parallel actions never interleave."""

    def __init__(self, path):
        self._path = path
        self._lock = threading.Lock()

    def write(self, job, event):
        if not self._path:
            return
        line = "%s %s %s %s %s %s\n" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), job["server_id"], job["server_name"] or "-",
            job["command_name"], json.dumps(job["command_param"], sort_keys=True), event)
        with self._lock:
            with open(self._path, "a") as handle:
                handle.write(line)


def _run(job, timeout, journal):
    argv = job["argv"]
    environment = dict(os.environ)
    environment.update({
        "SMS_SOURCE_ID": job["server_id"],
        "SMS_SOURCE_NAME": job["server_name"],
        "SMS_COMMAND_NAME": job["command_name"],
        "SMS_COMMAND_PARAM": json.dumps(job["command_param"], sort_keys=True),
    })
    journal.write(job, "received action=%s" % json.dumps(argv))
    started = time.monotonic()
    rc = None
    try:
        process = subprocess.run(argv, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout, check=False)
        rc = process.returncode
        message = _tail(process.stderr) or _tail(process.stdout)
    except subprocess.TimeoutExpired:
        message = "the action did not end within %s seconds and was killed" % timeout
    except OSError as exc:
        message = "the action could not be started: %s" % exc
    # rc is an int here whatever the ansible-core version, so "0" == 0 cannot go wrong.
    result = "success" if rc == 0 else "fail"
    journal.write(job, "%s rc=%s" % (result, rc))
    return dict(server_id=job["server_id"], command_name=job["command_name"], result=result, result_detail=dict(
        handled_by="hwcloud.sms.process_commands", action=argv, rc=rc, message=message,
        seconds=round(time.monotonic() - started, 3)))


def _jobs(request):
    actions = request.get("actions") or {}
    names = request.get("names") or {}
    jobs = []
    for command in request.get("commands") or []:
        argv = actions.get(command["command_name"])
        if not argv:
            continue
        jobs.append(dict(server_id=command["server_id"], server_name=names.get(command["server_id"]) or "",
                         command_name=command["command_name"], command_param=command.get("command_param") or {},
                         argv=[str(arg) for arg in argv]))
    return jobs


def main():
    request = json.load(sys.stdin)
    jobs = _jobs(request)
    journal = _Journal(os.path.abspath(request["journal"]) if request.get("journal") else "")
    workers = max(1, min(int(request.get("workers") or 1), len(jobs) or 1))
    timeout = float(request.get("timeout") or 600)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(lambda job: _run(job, timeout, journal), jobs))
    json.dump({"reports": reports}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
