# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Migration tasks for the task modules: reading them cheaply, describing their progress,
guarding lifecycle operations and waiting for a whole wave. Every call goes through the one
client (``SmsClient``) given as the first argument."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import time
from datetime import datetime, timedelta, timezone

from ansible_collections.hwcloud.sms.plugins.module_utils._base import check_seconds
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsApiError

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import PHASES, matches, phase_summary, task_phase

# Documented limits of GET /v3/tasks (ListTasks: limit 0-200, offset 0-65535).
TASK_PAGE_SIZE = 200

# The phases a task may still leave on its own; everything else needs a user's operation.
MOVING_PHASES = ("replicating", "cutting_over", "stopping", "deleting")
# After a start: replication, or any phase replication leads to.
STARTED_PHASES = ("replicating", "syncing", "replicated", "cutting_over", "finished")

# operation -> where it may be sent from, when it has nothing to do, what it leads to.
# ``allowed``: task states (upper case) or phases (lower case); None means any state.
# ``done``: the task already is where the operation leads (changed: false, nothing sent).
# ``wait_for``: what wait=true waits for (phases, or upper-case task states).
OPERATIONS = {
    "start": dict(allowed=("READY", "ABORT", "MIGRATE_FAIL"), done=STARTED_PHASES, wait_for=STARTED_PHASES),
    "stop": dict(allowed=("RUNNING", "SYNCING", "SKIPPING"), done=("stopping", "stopped"), wait_for=("stopped",)),
    "restart": dict(allowed=("MIGRATE_FAIL", "SYNC_FAIL"), done=STARTED_PHASES, wait_for=STARTED_PHASES),
    # Launch the target; SMS's own documents allow it from continuous sync; a full copy with
    # syncing=false and start_target_server=false ends replicated and is launched the same way.
    "cutover": dict(allowed=("syncing", "replicated"), done=("cutting_over", "finished"), wait_for=("finished",)),
    "test": dict(allowed=("syncing", "replicated"), done=("cutting_over", "finished"), wait_for=("finished",)),
    "clone_test": dict(allowed=("syncing",), done=(), wait_for=None),
    "migration_test": dict(allowed=("RUNNING", "SYNCING", "MIGRATE_SUCCESS"), done=(), wait_for=None),
    "skip": dict(allowed=("RUNNING",), done=("SKIPPING",), wait_for=None),
    "clear": dict(allowed=("MIGRATE_SUCCESS", "SYNC_SUCCESS"), done=(), wait_for=None),
    "network_check": dict(allowed=None, done=(), wait_for=None),
    # Incremental sync of a launched target ("only when the status is Finished").
    "sync": dict(allowed=("finished",), done=("syncing",), wait_for=("SYNC_SUCCESS",)),
}


def _task_path(client, task_id, suffix=""):
    return client.path("/v3/tasks/{0}" + suffix, task_id)


def get_task(client, task_id):
    return client.request("GET", _task_path(client, task_id))


def list_tasks_page(client, query, offset):
    """(count, tasks) of one page of GET /v3/tasks, the answer's shape checked by the client."""
    return client.list_page("/v3/tasks", "tasks", query, TASK_PAGE_SIZE, offset)


def list_tasks(client, query=None, workers=4):
    """Every task matching ``query`` (GET /v3/tasks), complete or an error (the client's list_all)."""
    return client.list_all("/v3/tasks", "tasks", query, workers)[1]


class TaskReader:
    """Reads a given set of tasks at the lower price of one paged listing of every task and one
    GET per task, learning the size of the listing from its first page."""

    def __init__(self, client, query=None):
        self.client = client
        self.query = dict((k, v) for k, v in (query or {}).items() if v is not None)
        self.total = None  # tasks in the listing, once one page has told us

    def _listing_pages(self):
        return -(-self.total // TASK_PAGE_SIZE) if self.total is not None else None

    def read(self, task_ids):
        """{task_id: record or None (gone)} for ``task_ids``."""
        wanted = list(dict.fromkeys(task_ids))
        if not wanted:
            return {}
        pages = self._listing_pages()
        if len(wanted) == 1 or (pages is not None and len(wanted) <= pages):
            return self._read_one_by_one(wanted)
        found = {}
        count, page = list_tasks_page(self.client, self.query, 0)
        self.total = count
        self._keep(found, page, wanted)
        offset = len(page)
        while offset < count and page and len(found) < len(wanted):
            missing = [task_id for task_id in wanted if task_id not in found]
            if len(missing) <= -(-(count - offset) // TASK_PAGE_SIZE):
                found.update(self._read_one_by_one(missing))
                return found
            _count, page = list_tasks_page(self.client, self.query, offset)
            self._keep(found, page, wanted)
            offset += len(page)
        missing = [task_id for task_id in wanted if task_id not in found]
        if missing:
            # Tasks created meanwhile shift the listing's offsets: read the rest one by one.
            found.update(self._read_one_by_one(missing))
        return found

    @staticmethod
    def _keep(found, page, wanted):
        wanted_set = set(wanted)
        for task in page:
            if task.get("id") in wanted_set:
                found.setdefault(task["id"], task)

    def _read_one_by_one(self, task_ids):
        found = {}
        for task_id in task_ids:
            try:
                found[task_id] = get_task(self.client, task_id)
            except SmsApiError as exc:
                if exc.status != 404:
                    raise
                found[task_id] = None
        return found


def tasks_of_sources(client, source_ids):
    """{source_id: its newest task or None}, at the lower price of one complete listing of every
    task and one filtered listing per source. A missed task would mean a second task for a
    source, so only complete listings count."""
    wanted = list(dict.fromkeys(source_ids))
    found = {}
    if len(wanted) > 1:
        count, _page = list_tasks_page(client, {}, 0)
        if -(-count // TASK_PAGE_SIZE) <= len(wanted):
            _keep_newest(found, list_tasks(client), set(wanted))
            return dict((source_id, found.get(source_id)) for source_id in wanted)
    for source_id in wanted:
        _keep_newest(found, list_tasks(client, {"source_server_id": source_id}, workers=1), {source_id})
    return dict((source_id, found.get(source_id)) for source_id in wanted)


def _keep_newest(found, tasks, wanted):
    for task in tasks:
        source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
        source_id = source.get("id")
        if source_id not in wanted:
            continue
        known = found.get(source_id)
        if known is None or (_number(task.get("create_date")) or 0) > (_number(known.get("create_date")) or 0):
            found[source_id] = task


# --- describing a task ----------------------------------------------------------------

def _number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def iso_time(value):
    """ISO 8601 (UTC) of an SMS time: milliseconds or seconds since the epoch, or a date text."""
    number = _number(value)
    if number is None:
        return value if isinstance(value, str) and value else None
    if number <= 0:
        return None
    seconds = number / 1000.0 if number > 1e11 else number
    return _iso(datetime.fromtimestamp(seconds, timezone.utc))


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_error(error_json):
    """The task's error_json as a dict (error_code, error_msg ... as SMS wrote them), or None."""
    if error_json in (None, "", {}, "{}"):
        return None
    if isinstance(error_json, dict):
        return error_json
    try:
        parsed = json.loads(error_json)
    except (TypeError, ValueError):
        return {"error_msg": str(error_json)}
    if isinstance(parsed, dict):
        return parsed or None
    return {"error_msg": str(error_json), "details": parsed}


def _subtasks(task):
    subtasks = task.get("sub_tasks")
    return [item for item in subtasks if isinstance(item, dict)] if isinstance(subtasks, list) else []


def current_subtask(task):
    """Name of the first sub-task that started and has not ended (else the first not ended)."""
    open_ones = [item for item in _subtasks(task) if not item.get("end_date")]
    started = [item for item in open_ones if item.get("start_date")]
    chosen = (started or open_ones or [None])[0]
    return chosen.get("name") if chosen else None


def progress_percent(task, phase_name):
    """How far the data copy is: replicatesize/totalsize, else the copy sub-task's progress."""
    total = _number(task.get("totalsize"))
    done = _number(task.get("replicatesize"))
    if total and done is not None and total > 0:
        return round(min(100.0, 100.0 * done / total), 1)
    copies = [item for item in _subtasks(task)
              if str(item.get("name", "")).startswith(("MIGRATE_", "SYNC_"))]
    if copies:
        return round(float(_number(copies[-1].get("progress")) or 0), 1)
    if phase_name in ("replicated", "cutting_over", "finished", "syncing"):
        return 100.0
    if phase_name == "ready":
        return 0.0
    subtasks = _subtasks(task)
    if subtasks:
        return round(sum(_number(item.get("progress")) or 0 for item in subtasks) / len(subtasks), 1)
    return None


def eta_of(task, phase_name, now=None):
    """When the task should be done (ISO 8601): its estimate_complete_time, else now + remain_seconds;
    None unless in progress, as a finished, failed or stopped task keeps a stale estimate."""
    if phase_name not in ("replicating", "syncing", "cutting_over"):
        return None
    eta = iso_time(task.get("estimate_complete_time"))
    remain = _number(task.get("remain_seconds"))
    if eta is None and remain is not None:
        now = datetime.now(timezone.utc) if now is None else now
        eta = _iso(now + timedelta(seconds=remain))
    return eta


def describe(task, now=None):
    """The task record plus phase, progress_percent, current_subtask, remain_seconds, eta,
    speed_mbps and error (parsed error_json); the record's own fields are kept as they are."""
    described = dict(task)
    phase_name = task_phase(task)
    remain = _number(task.get("remain_seconds"))
    described.update(
        phase=phase_name,
        progress_percent=progress_percent(task, phase_name),
        current_subtask=current_subtask(task),
        remain_seconds=int(remain) if remain is not None else None,
        eta=eta_of(task, phase_name, now),
        speed_mbps=_number(task.get("migrate_speed")),
        error=parse_error(task.get("error_json")),
        start_time=iso_time(task.get("start_date")),
        finish_time=iso_time(task.get("finish_date")),
    )
    return described


def summary_of(tasks):
    return phase_summary(task["phase"] for task in tasks)


def progress_table(tasks):
    """A plain-text table (source server, phase, %, ETA) for logs and progress files."""
    rows = [("server", "phase", "%", "eta", "state")]
    for task in sorted(tasks, key=lambda t: (PHASES.index(t["phase"]), _source_name(t))):
        percent = task.get("progress_percent")
        rows.append((_source_name(task), task["phase"], "" if percent is None else "%.1f" % percent,
                     task.get("eta") or "", str(task.get("state"))))
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def _source_name(task):
    source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
    return str(source.get("name") or task.get("name") or task.get("id"))


# --- guarding operations ------------------------------------------------------------------

def describe_allowed(names):
    return ", ".join(names) if names else "any state"


def guard(operation, task):
    """('send' | 'done' | 'refused', reason) for ``operation`` on ``task`` (a described task)."""
    rule = OPERATIONS[operation]
    state, phase_name = task.get("state"), task["phase"]
    if rule["done"] and matches(state, phase_name, rule["done"]):
        return "done", "task %s is already %s (state %s)" % (task.get("id"), phase_name, state)
    if rule["allowed"] is None or matches(state, phase_name, rule["allowed"]):
        return "send", None
    return "refused", ("operation %s is not allowed for task %s in state %s (phase %s); allowed from: %s"
                       % (operation, task.get("id"), state, phase_name, describe_allowed(rule["allowed"])))


def action_body(operation_value, template_id=None, switch_hce=None, is_need_consistency_check=None):
    """UpdateTaskStatusReq: operation, and the optional fields the SDK defines."""
    body = {"operation": operation_value}
    for key, value in (("template_id", template_id), ("switch_hce", switch_hce),
                       ("is_need_consistency_check", is_need_consistency_check)):
        if value is not None:
            body[key] = value
    return body


def send_action(client, task_id, body):
    return client.request("POST", _task_path(client, task_id, "/action"), body=body)


# --- waiting ------------------------------------------------------------------------------

class WaitFailed(Exception):
    def __init__(self, message, tasks, failed=None, pending=None):
        super(WaitFailed, self).__init__(message)
        self.tasks = tasks
        self.failed = failed or []
        self.pending = pending or []


def wait_for_tasks(client, task_ids, wait_for, wait_mode="all", fail_on=("failed",), wait_timeout=86400,
                   poll_interval=30, query=None, progress=None, initial=None, sleep=time.sleep,
                   clock=time.monotonic):
    """Poll ``task_ids`` until all (or any) match ``wait_for``; fail at once when one matches
    ``fail_on``. A task that reached ``wait_for`` is not read again. Returns (described tasks in
    ``task_ids`` order, stats). ``progress(tasks, stats)`` is called after every poll."""
    reader = TaskReader(client, query)
    latest = dict(initial or {})
    started = clock()
    deadline = started + wait_timeout
    stats = dict(polls=0, requests_per_poll=[], waited_seconds=0.0)
    reached = set()
    while True:
        pending = [task_id for task_id in task_ids if task_id not in reached]
        if pending and (stats["polls"] > 0 or not latest):
            before = client.request_count
            records = reader.read(pending)
            stats["requests_per_poll"].append(client.request_count - before)
            stats["polls"] += 1
            for task_id, record in records.items():
                latest[task_id] = describe(record) if record is not None else _gone(task_id)
        elif pending:
            stats["polls"] += 1  # the caller's fresh read counts as the first poll
            stats["requests_per_poll"].append(0)
        tasks = [latest[task_id] for task_id in task_ids]
        stats["waited_seconds"] = round(clock() - started, 3)
        failed = [task for task in tasks if task["id"] not in reached and matches(task.get("state"), task["phase"], fail_on)]
        for task in tasks:
            if matches(task.get("state"), task["phase"], wait_for):
                reached.add(task["id"])
        if progress is not None:
            progress(tasks, stats)
        if failed:
            raise WaitFailed("%d task(s) reached %s while waiting for %s: %s" % (
                len(failed), "/".join(fail_on), "/".join(wait_for),
                "; ".join("%s (%s, state %s): %s" % (_source_name(t), t["id"], t.get("state"), _error_text(t))
                          for t in failed)), tasks, failed=failed)
        done = len(reached) == len(task_ids) if wait_mode == "all" else bool(reached)
        if done:
            return tasks, stats
        remaining = deadline - clock()
        if remaining <= 0:
            pending_tasks = [task for task in tasks if task["id"] not in reached]
            raise WaitFailed("timed out after %.0f seconds (%d polls) waiting for %s of %d task(s) to reach %s; "
                             "still waiting for %d: %s" % (
                                 stats["waited_seconds"], stats["polls"], wait_mode, len(task_ids),
                                 "/".join(wait_for), len(pending_tasks),
                                 ", ".join("%s (%s)" % (_source_name(t), t["phase"]) for t in pending_tasks[:20])),
                             tasks, pending=pending_tasks)
        sleep(min(poll_interval, remaining))


def _gone(task_id):
    return {"id": task_id, "state": None, "phase": "unknown", "progress_percent": None, "current_subtask": None,
            "remain_seconds": None, "eta": None, "speed_mbps": None,
            "error": {"error_msg": "the task no longer exists"}}


def _error_text(task):
    error = task.get("error")
    if not error:
        return "no error_json"
    code = error.get("error_code") or error.get("code")
    message = error.get("error_msg") or error.get("message") or json.dumps(error, sort_keys=True)
    return "%s %s" % (code, message) if code else message


def wait_argument_spec():
    """The waiting options of sms_task_info and sms_task_action (fragment hwcloud.sms.sms_task_wait)."""
    return dict(
        wait_mode=dict(type="str", choices=["all", "any"], default="all"),
        fail_on=dict(type="list", elements="str", default=["failed"]),
        wait_timeout=dict(type="float", default=86400),
        poll_interval=dict(type="float", default=30),
        progress_file=dict(type="path"),
    )


def check_wait_options(module, params):
    """Reject bad waiting options before any request (shared by sms_task_info and sms_task_action)."""
    check_seconds(module, "wait_timeout")
    check_seconds(module, "poll_interval")
    path = params.get("progress_file")
    if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        module.fail_json(msg="progress_file %s cannot be written: its directory %s does not exist"
                         % (path, os.path.dirname(os.path.abspath(path))))
    for option in ("wait_for", "fail_on"):
        for name in params.get(option) or ():
            if not (name in PHASES or (name and name == name.upper() and name.strip() == name)):
                module.fail_json(msg="%s must list phases (%s) or task states in upper case (like SYNC_SUCCESS), got %r"
                                 % (option, ", ".join(PHASES), name))
    if params.get("wait_for") is not None and not params["wait_for"]:
        module.fail_json(msg="wait_for must list at least one phase or task state")


def progress_writer(module, path, **failure):
    """The progress callback of a wait: rewrite ``path`` after each poll; a write error fails the module
    with a clear message and ``failure`` (what was already sent) instead of a traceback."""
    def write(tasks, stats):
        if not path:
            return
        try:
            write_progress(path, tasks, stats)
        except (IOError, OSError) as exc:
            module.fail_json(msg="progress_file %s cannot be written: %s" % (path, exc), **failure)
    return write


def write_progress(path, tasks, stats):
    """Rewrite ``path`` (atomically) with the time, the count per phase and the progress table."""
    counts = summary_of(tasks)
    lines = ["%s  poll %d  waited %.0fs" % (_iso(datetime.now(timezone.utc)), stats["polls"], stats["waited_seconds"]),
             "  ".join("%s=%d" % (name, count) for name, count in counts.items() if count), "",
             progress_table(tasks), ""]
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".sms-progress-")
    with os.fdopen(handle, "w") as stream:
        stream.write("\n".join(lines))
    os.chmod(temp_path, 0o644)
    os.replace(temp_path, path)
