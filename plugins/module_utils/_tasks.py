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
import math
import os
import re
import tempfile
import time
from datetime import datetime, timedelta, timezone

from ansible_collections.hwcloud.sms.plugins.module_utils._base import check_seconds
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import PHASES, matches, phase_summary, task_phase

# Documented limits of GET /v3/tasks (ListTasks: limit 0-200, offset 0-65535).
TASK_PAGE_SIZE = 200

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
    return client.request("GET", _task_path(client, task_id), expect="object")


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
            if isinstance(task.get("id"), str) and task["id"] in wanted_set:
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
        if not isinstance(source_id, str) or source_id not in wanted:
            continue
        known = found.get(source_id)
        if known is None or (_number(task.get("create_date")) or 0) > (_number(known.get("create_date")) or 0):
            found[source_id] = task


# --- describing a task ----------------------------------------------------------------

# Numbers from the API are data only within these bounds; anything else (a size of 1e300, a
# negative speed, NaN, a date 1e20 ms after the epoch) is shown as null, never used.
_MAX_NUMBER = 2 ** 63  # SMS's integers are int64
_MAX_EPOCH_SECONDS = 253402300799  # 9999-12-31T23:59:59Z, the last date datetime can hold
_MAX_PERCENT = 100
_ISO_TEXT = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\Z")
# Phases a task reaches only after its full copy ended: all of its data is copied.
COPIED_PHASES = ("syncing", "replicated", "cutting_over", "finished")
# Phases in which SMS's time estimates mean something; elsewhere they are stale.
IN_PROGRESS_PHASES = ("replicating", "syncing", "cutting_over")
# Task states in which the full copy may not have begun: before its copy sub-task appears,
# nothing is copied (the preparation sub-tasks come first in SMS's migration flow).
_COPY_PENDING_STATES = ("RUNNING", "ABORTING", "ABORT", "MIGRATE_FAIL")


def _number(value):
    """A finite number from an API value (a number or a numeric text), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:  # an int too large for any float
        return None


def _note(notes, task, field, value, what):
    if notes is not None and value is not None:
        notes.append("task %s: %s %s is not %s; shown as null" % (
            _text(task.get("id")), field, _text(value, 40), what))


def _text(value, limit=80):
    text = value if isinstance(value, str) else json.dumps(value, default=repr)
    return text if len(text) <= limit else text[:limit] + "..."


def _measure(task, field, notes=None, maximum=_MAX_NUMBER, what="a usable non-negative number"):
    """task[field] as a number in 0..maximum, else None (noted when the field holds something else)."""
    value = task.get(field)
    number = _number(value)
    if number is None or not 0 <= number <= maximum:
        _note(notes, task, field, value, what)
        return None
    return number


def _moment(value):
    """The datetime (UTC) of an SMS time in milliseconds (or seconds) since the epoch, else None."""
    number = _number(value)
    if number is None or number <= 0:
        return None
    seconds = number / 1000.0 if number > 1e11 else number
    if seconds > _MAX_EPOCH_SECONDS:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc)


def iso_time(value, notes=None, task=None, field=None):
    """ISO 8601 (UTC) of an SMS time: milliseconds or seconds since the epoch, or such a text;
    None for anything else (noted in ``notes`` for ``task``/``field``)."""
    if isinstance(value, str) and _ISO_TEXT.match(value):
        return value
    moment = _moment(value)
    if moment is None:
        if value not in (None, 0, "") and task is not None:
            _note(notes, task, field, value, "a time")
        return None
    return _iso(moment)


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
    except (TypeError, ValueError, RecursionError):
        return {"error_msg": _text(error_json, 2048)}
    if isinstance(parsed, dict):
        return parsed or None
    return {"error_msg": _text(error_json, 2048), "details": parsed}


def _subtasks(task):
    subtasks = task.get("sub_tasks")
    return [item for item in subtasks if isinstance(item, dict)] if isinstance(subtasks, list) else []


def current_subtask(task):
    """Name of the first sub-task that started and has not ended (else the first not ended)."""
    open_ones = [item for item in _subtasks(task) if not item.get("end_date")]
    started = [item for item in open_ones if item.get("start_date")]
    chosen = (started or open_ones or [None])[0]
    name = chosen.get("name") if chosen else None
    return name if isinstance(name, str) else None


def _copy_subtask(task):
    """The full copy's sub-task (MIGRATE_LINUX_FILE, MIGRATE_WINDOWS_BLOCK, ...), the last one listed."""
    copies = [item for item in _subtasks(task) if isinstance(item.get("name"), str) and item["name"].startswith("MIGRATE_")]
    return copies[-1] if copies else None


def progress_percent(task, phase_name, sizes=None, notes=None):
    """Share of the data of the full copy that is copied, in percent, or None when SMS tells nothing:

    1. ``sizes`` (replicatesize, totalsize) of the source server, when given and usable;
    2. 100 once the task is past its full copy (phases syncing, replicated, cutting_over, finished);
    3. the progress of the full copy's sub-task (MIGRATE_*, documented as 0-100);
    4. 0 for a ready task, and for a started task whose listed sub-tasks hold no copy yet.
    Never an average of other sub-tasks: preparing a server copies no data."""
    if sizes is not None:
        sized = dict(id=task.get("id"), replicatesize=sizes[0], totalsize=sizes[1])
        copied, total = _measure(sized, "replicatesize", notes), _measure(sized, "totalsize", notes)
        if copied is not None and total:
            return round(min(100.0, 100.0 * copied / total), 1)
    if phase_name in COPIED_PHASES:
        return 100.0
    copy = _copy_subtask(task)
    if copy is not None:
        progress = _measure(copy, "progress", maximum=_MAX_PERCENT)
        if progress is None:
            _note(notes, task, "sub_tasks[%s].progress" % _text(copy.get("name")), copy.get("progress"),
                  "a percentage (0-100)")
            return None
        return round(float(progress), 1)
    if phase_name == "ready" or (_subtasks(task) and task.get("state") in _COPY_PENDING_STATES):
        return 0.0
    return None


def remaining_seconds(task, phase_name, now=None, notes=None):
    """Seconds SMS expects the task still needs while it is in progress: its remain_seconds
    (GET /v3/tasks/{id}, a source's current_task), else estimate_complete_time minus now; None
    otherwise, as a stopped, failed or finished task keeps a stale estimate."""
    if phase_name not in IN_PROGRESS_PHASES:
        return None
    remain = _measure(task, "remain_seconds", notes, maximum=_MAX_EPOCH_SECONDS, what="a number of seconds")
    if remain is not None:
        return int(remain)
    estimate = _moment(task.get("estimate_complete_time"))
    if estimate is None:
        return None
    now = datetime.now(timezone.utc) if now is None else now
    return max(0, int((estimate - now).total_seconds()))


def eta_of(task, phase_name, now=None, notes=None):
    """When the task should be done (ISO 8601) while it is in progress: its estimate_complete_time,
    else now + remain_seconds; None otherwise."""
    if phase_name not in IN_PROGRESS_PHASES:
        return None
    eta = iso_time(task.get("estimate_complete_time"), notes, task, "estimate_complete_time")
    if eta is None:
        remain = _measure(task, "remain_seconds", maximum=_MAX_EPOCH_SECONDS)
        now = datetime.now(timezone.utc) if now is None else now
        if remain is not None and remain <= _MAX_EPOCH_SECONDS - now.timestamp():
            eta = _iso(now + timedelta(seconds=remain))
    return eta


def start_time(task, notes=None):
    """start_date (GET /v3/tasks/{id}), else the earliest start_date of its sub-tasks (the listing)."""
    started = iso_time(task.get("start_date"), notes, task, "start_date")
    if started is None:
        starts = [_moment(item.get("start_date")) for item in _subtasks(task)]
        starts = [moment for moment in starts if moment is not None]
        started = _iso(min(starts)) if starts else None
    return started


def finish_time(task, phase_name, notes=None):
    """finish_date (GET /v3/tasks/{id}), else for a replicated or finished task the latest
    end_date of its sub-tasks when every one of them ended (the listing)."""
    finished = iso_time(task.get("finish_date"), notes, task, "finish_date")
    subtasks = _subtasks(task)
    if finished is None and phase_name in ("replicated", "finished") and subtasks:
        ends = [_moment(item.get("end_date")) for item in subtasks]
        if all(moment is not None for moment in ends):
            finished = _iso(max(ends))
    return finished


def describe(task, now=None, notes=None):
    """The task record plus phase, progress_percent, current_subtask, remain_seconds, eta,
    speed_mbps, error (parsed error_json), start_time and finish_time, derived from the fields SMS
    documents for its tasks (see progress_percent, remaining_seconds, eta_of, start_time and
    finish_time); the record's own fields are kept as they are. A value that is not usable data
    becomes None, with a line in ``notes`` (a list) when one is given."""
    described = dict(task)
    phase_name = task_phase(task)
    described.update(
        phase=phase_name,
        progress_percent=progress_percent(task, phase_name, notes=notes),
        current_subtask=current_subtask(task),
        remain_seconds=remaining_seconds(task, phase_name, now, notes),
        eta=eta_of(task, phase_name, now, notes),
        speed_mbps=_measure(task, "migrate_speed", notes, what="a usable speed in Mbit/s"),
        error=parse_error(task.get("error_json")),
        start_time=start_time(task, notes),
        finish_time=finish_time(task, phase_name, notes),
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
    """A wait that ended without reaching what it waited for: ``failed`` tasks reached a fail_on
    phase, ``gone`` tasks no longer exist, ``pending`` ones were still waited for at the timeout,
    ``error`` is the last API or client error when polls kept failing past outage_timeout."""

    def __init__(self, message, tasks, failed=None, pending=None, gone=None, error=None):
        super(WaitFailed, self).__init__(message)
        self.tasks = tasks
        self.failed = failed or []
        self.pending = pending or []
        self.gone = gone or []
        self.error = error

    def result(self):
        """The return values of a failed wait (the modules' fail_json keywords), with the API's
        fields (status, error_code, error_msg, request_id, ...) of the last error, if any."""
        result = dict(tasks=self.tasks, summary=summary_of(self.tasks), failed_tasks=self.failed,
                      pending_tasks=self.pending, gone_tasks=self.gone)
        if isinstance(self.error, SmsApiError):
            result.update(self.error.to_dict())
        return result


def _outage(exc):
    """Whether a failed poll may be an outage worth riding through: no connection or a broken
    answer (client error), HTTP 408, 429 or 5xx, or a success answer that is not the documented JSON.
    Other answers (403, 400 ...) will not change by waiting."""
    if isinstance(exc, SmsClientError):
        return True
    return exc.status in (408, 429) or exc.status >= 500 or exc.status < 300


def wait_for_tasks(client, task_ids, wait_for, wait_mode="all", fail_on=("failed",), wait_timeout=86400,
                   poll_interval=30, query=None, progress=None, initial=None, sleep=time.sleep,
                   clock=time.monotonic, outage_timeout=900, notes=None, known=None):
    """Poll ``task_ids`` until all (or any) match ``wait_for``; fail at once when one matches
    ``fail_on`` or no longer exists. A task that reached ``wait_for`` is not read again. Polls that
    fail with an outage (see _outage) are ridden through until they have failed for
    ``outage_timeout`` seconds in a row. Returns (described tasks in ``task_ids`` order, stats).
    ``progress(tasks, stats)`` is called after every poll. ``initial``: described tasks just read
    (counted as the first poll); ``known``: described tasks shown until a poll reads them."""
    reader = TaskReader(client, query)
    latest = dict(known or {})
    latest.update(initial or {})
    started = clock()
    deadline = started + wait_timeout
    stats = dict(polls=0, requests_per_poll=[], waited_seconds=0.0, failed_polls=0, last_error=None)
    reached = set()
    failing_since, failed_in_a_row = None, 0
    while True:
        pending = [task_id for task_id in task_ids if task_id not in reached]
        if pending and (stats["polls"] > 0 or not initial):
            before, poll_started = client.request_count, clock()
            try:
                records = reader.read(pending)
            except (SmsApiError, SmsClientError) as exc:
                if not _outage(exc):
                    raise
                records = {}
                stats["failed_polls"] += 1
                stats["last_error"] = str(exc)
                failed_in_a_row += 1
                failing_since = poll_started if failing_since is None else failing_since
                if clock() - failing_since >= outage_timeout:
                    tasks = [latest.get(task_id) or _unread(task_id) for task_id in task_ids]
                    raise WaitFailed("every poll failed for %.0f seconds (outage_timeout %s, %d failed poll(s) in "
                                     "a row); the last error: %s" % (clock() - failing_since, outage_timeout,
                                                                     failed_in_a_row, exc),
                                     tasks, pending=[t for t in tasks if t["id"] not in reached], error=exc)
            else:
                failing_since, failed_in_a_row, stats["last_error"] = None, 0, None
            stats["requests_per_poll"].append(client.request_count - before)
            stats["polls"] += 1
            for task_id, record in records.items():
                latest[task_id] = describe(record, notes=notes) if record is not None else _gone(task_id, latest)
        elif pending:
            stats["polls"] += 1  # the caller's fresh read counts as the first poll
            stats["requests_per_poll"].append(0)
        tasks = [latest.get(task_id) or _unread(task_id) for task_id in task_ids]
        stats["waited_seconds"] = round(clock() - started, 3)
        failed = [task for task in tasks if task["id"] not in reached and not task.get("gone")
                  and matches(task.get("state"), task["phase"], fail_on)]
        gone = [task for task in tasks if task.get("gone")]
        for task in tasks:
            if not task.get("gone") and matches(task.get("state"), task["phase"], wait_for):
                reached.add(task["id"])
        if progress is not None:
            progress(tasks, stats)
        if failed or gone:
            reasons = []
            if gone:
                reasons.append("%d task(s) no longer exist (deleted while waited for): %s" % (
                    len(gone), ", ".join("%s (%s)" % (_source_name(t), t["id"]) for t in gone)))
            if failed:
                reasons.append("%d task(s) reached %s while waiting for %s: %s" % (
                    len(failed), "/".join(fail_on), "/".join(wait_for),
                    "; ".join("%s (%s, state %s): %s" % (_source_name(t), t["id"], t.get("state"), _error_text(t))
                              for t in failed)))
            raise WaitFailed("; ".join(reasons), tasks, failed=failed, gone=gone)
        done = len(reached) == len(task_ids) if wait_mode == "all" else bool(reached)
        if done:
            return tasks, stats
        remaining = deadline - clock()
        if remaining <= 0:
            pending_tasks = [task for task in tasks if task["id"] not in reached]
            raise WaitFailed("timed out after %.0f seconds (%d polls) waiting for %s of %d task(s) to reach %s; "
                             "still waiting for %d: %s%s" % (
                                 stats["waited_seconds"], stats["polls"], wait_mode, len(task_ids),
                                 "/".join(wait_for), len(pending_tasks),
                                 ", ".join("%s (%s)" % (_source_name(t), t["phase"]) for t in pending_tasks[:20]),
                                 "; the last poll failed: %s" % stats["last_error"] if failing_since is not None else ""),
                             tasks, pending=pending_tasks)
        sleep(min(poll_interval, remaining))


def _unread(task_id):
    return {"id": task_id, "state": None, "phase": "unknown"}


def _gone(task_id, latest):
    """A task that no longer exists: what was last known of it (name, source server), with phase
    unknown, no state and gone: true."""
    last = latest.get(task_id) or {"id": task_id}
    gone = dict((key, last[key]) for key in ("id", "name", "source_server") if key in last)
    gone.update(state=None, phase="unknown", gone=True, progress_percent=None, current_subtask=None,
                remain_seconds=None, eta=None, speed_mbps=None, last_state=last.get("state"),
                error={"error_msg": "the task no longer exists (HTTP 404 for GET /v3/tasks/%s)" % task_id})
    return gone


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
        outage_timeout=dict(type="float", default=900),
        progress_file=dict(type="path"),
    )


def check_wait_options(module, params):
    """Reject bad waiting options before any request (shared by sms_task_info and sms_task_action)."""
    check_seconds(module, "wait_timeout")
    check_seconds(module, "poll_interval")
    if not math.isfinite(params["outage_timeout"]) or params["outage_timeout"] < 0:
        module.fail_json(msg="outage_timeout must be a finite number of seconds, 0 or more, got %s"
                         % params["outage_timeout"])
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


def warn_notes(module, notes, limit=20):
    """One warning per distinct note of describe() (values from SMS shown as null), at most ``limit``."""
    distinct = list(dict.fromkeys(notes))
    for note in distinct[:limit]:
        module.warn(note)
    if len(distinct) > limit:
        module.warn("%d more value(s) from SMS were not usable and are shown as null" % (len(distinct) - limit))


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
    """Rewrite ``path`` (atomically) with the time, the count per phase, the last failed poll's
    error (while polls fail) and the progress table."""
    counts = summary_of(tasks)
    failing = stats.get("last_error")
    lines = ["%s  poll %d  waited %.0fs%s" % (_iso(datetime.now(timezone.utc)), stats["polls"], stats["waited_seconds"],
                                              "  this poll failed (%d failed so far): %s" % (stats["failed_polls"], failing)
                                              if failing else ""),
             "  ".join("%s=%d" % (name, count) for name, count in counts.items() if count), "",
             progress_table(tasks), ""]
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".sms-progress-")
    with os.fdopen(handle, "w") as stream:
        stream.write("\n".join(lines))
    os.chmod(temp_path, 0o644)
    os.replace(temp_path, path)
