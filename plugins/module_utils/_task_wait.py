# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Waiting for a wave of tasks to reach a phase (wait_for_tasks, built on _waiter.wait_until), the
waiting options of sms_task_info and sms_task_action, and the progress file a long wait rewrites.
Nothing here fails a module: bad options raise SmsInputError, a failed wait raises WaitFailed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import time
from datetime import datetime, timezone

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_seconds
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import PHASES, matches
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import (
    describe,
    progress_table,
    source_name,
    summary_of,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import TaskReader
from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import WaitOutage, WaitTimedOut, wait_until


class WaitFailed(SmsError):
    """A wait that ended without reaching what it waited for: ``failed`` tasks reached a fail_on
    phase, ``gone`` tasks no longer exist, ``pending`` ones were still waited for at the timeout,
    ``error`` is the last API or client error when polls kept failing past outage_timeout.
    ``result``: the return values of the failure (tasks, summary, failed_tasks, pending_tasks,
    gone_tasks) with the API's fields (status, error_code, error_msg, request_id, ...) of that error."""

    def __init__(self, message, tasks, failed=None, pending=None, gone=None, error=None):
        self.tasks = tasks
        self.failed = failed or []
        self.pending = pending or []
        self.gone = gone or []
        self.error = error
        result = dict(tasks=tasks, summary=summary_of(tasks), failed_tasks=self.failed,
                      pending_tasks=self.pending, gone_tasks=self.gone)
        if isinstance(error, SmsApiError):
            result.update(error.to_dict())
        super(WaitFailed, self).__init__(message, **result)


class _Wave(object):
    """The read, done and on_poll of wait_until for a set of tasks: what was last read of each
    task, which reached ``wait_for`` (never read again) and what each poll cost."""

    def __init__(self, client, task_ids, wait_for, wait_mode, fail_on, query, notes, latest, progress, outcome=None,
                 listed=False):
        self.client, self.task_ids, self.notes, self.latest, self.progress = client, task_ids, notes, latest, progress
        self.wait_for, self.wait_mode, self.fail_on, self.outcome = wait_for, wait_mode, fail_on, outcome
        self.reader = TaskReader(client, query, listed)
        self.reached = set()
        self.outcome_failures = {}  # task ID -> why its operation failed (outcome), kept until every task settled
        self.requests_before = client.request_count

    def tasks(self):
        return [self.latest.get(task_id) or _unread(task_id) for task_id in self.task_ids]

    def pending(self):
        return [task for task in self.tasks() if task["id"] not in self.reached]

    def read(self):
        self.requests_before = self.client.request_count
        records = self.reader.read([task_id for task_id in self.task_ids if task_id not in self.reached])
        for task_id, record in records.items():
            self.latest[task_id] = describe(record, notes=self.notes) if record is not None else _gone(task_id, self.latest)
        return self.tasks()

    def on_poll(self, _tasks, stats):
        # A failed poll (tasks None) shows the tasks as last read.
        stats["requests_per_poll"].append(self.client.request_count - self.requests_before)
        self.requests_before = self.client.request_count
        if self.progress is not None:
            self.progress(self.tasks(), stats)

    def done(self, tasks):
        """Whether all (or any) tasks reached wait_for; WaitFailed at once when one reached
        fail_on or no longer exists."""
        failed = [task for task in tasks if task["id"] not in self.reached and not task.get("gone")
                  and matches(task.get("state"), task["phase"], self.fail_on)]
        gone = [task for task in tasks if task.get("gone")]
        for task in tasks:
            if task.get("gone") or task["id"] in self.reached:
                continue
            verdict = self.outcome(task) if self.outcome else matches(task.get("state"), task["phase"], self.wait_for)
            if verdict:
                self.reached.add(task["id"])
            if verdict and verdict is not True:
                self.outcome_failures[task["id"]] = verdict
        if failed or gone:
            reasons = []
            if gone:
                reasons.append("%d task(s) no longer exist (deleted while waited for): %s" % (
                    len(gone), ", ".join("%s (%s)" % (source_name(t), t["id"]) for t in gone)))
            if failed:
                reasons.append("%d task(s) reached %s while waiting for %s: %s" % (
                    len(failed), "/".join(self.fail_on), "/".join(self.wait_for),
                    "; ".join("%s (%s, state %s): %s" % (source_name(t), t["id"], t.get("state"), _error_text(t))
                              for t in failed)))
            raise WaitFailed("; ".join(reasons), tasks, failed=failed, gone=gone)
        succeeded = self.reached - set(self.outcome_failures)
        if len(self.reached) < len(self.task_ids) and (self.wait_mode == "all" or not succeeded):
            return False
        if self.outcome_failures and (self.wait_mode == "all" or not succeeded):
            failed = [task for task in tasks if task["id"] in self.outcome_failures]
            reasons = ["%s (%s, state %s, phase %s): %s" % (source_name(t), t["id"], t.get("state"), t["phase"],
                                                            self.outcome_failures[t["id"]]) for t in failed]
            raise WaitFailed("%d of %d task(s) failed: %s" % (len(failed), len(tasks), "; ".join(reasons)), tasks, failed=failed)
        return True


def wait_for_tasks(client, task_ids, wait_for, wait_mode="all", fail_on=("failed",), wait_timeout=86400,
                   poll_interval=30, query=None, progress=None, initial=None, sleep=time.sleep,
                   clock=time.monotonic, outage_timeout=900, notes=None, known=None, outcome=None, listed=False):
    """Poll ``task_ids`` until all (or any) match ``wait_for``; fail at once when one matches
    ``fail_on`` or no longer exists. ``outcome(task)``, for an operation whose result is not a
    phase (a clone, a drill, a log upload: _task_outcomes.operation_outcome), replaces the match:
    None while it runs, True when it succeeded, a text when it failed; the failures are raised
    (WaitFailed, each task's text) once every task settled, so one failed clone of a wave does not
    hide the others. ``listed``: read even a single task from the listing (TaskReader). A task that
    reached ``wait_for`` (or settled) is not read again. Polls that
    fail with an outage (see _waiter.is_outage) are ridden through until they have failed for
    ``outage_timeout`` seconds in a row. Returns (described tasks in ``task_ids`` order, stats).
    ``progress(tasks, stats)`` is called after every poll. ``initial``: described tasks just read
    (counted as the first poll); ``known``: described tasks shown until a poll reads them."""
    latest = dict(known or {})
    latest.update(initial or {})
    wave = _Wave(client, task_ids, wait_for, wait_mode, fail_on, query, notes, latest, progress, outcome, listed)
    stats = dict(requests_per_poll=[])
    first = dict(first=wave.tasks()) if initial else {}
    try:
        return wait_until(wave.read, wave.done, wait_timeout, poll_interval, outage_timeout=outage_timeout,
                          on_poll=wave.on_poll, stats=stats, sleep=sleep, clock=clock, **first)
    except WaitOutage as exc:
        raise WaitFailed(str(exc), wave.tasks(), pending=wave.pending(), error=exc.error)
    except WaitTimedOut:
        pending = wave.pending()
        raise WaitFailed("timed out after %.0f seconds (%d polls) waiting for %s of %d task(s) to reach %s; "
                         "still waiting for %d: %s%s" % (
                             stats["waited_seconds"], stats["polls"], wait_mode, len(task_ids), "/".join(wait_for),
                             len(pending), ", ".join("%s (%s)" % (source_name(t), t["phase"]) for t in pending[:20]),
                             "; the last poll failed: %s" % stats["last_error"] if stats["last_error"] else ""),
                         wave.tasks(), pending=pending)


# ECS job states (ShowJob): SUCCESS and FAIL end a job; INIT and RUNNING do not.
ECS_JOB_ENDED = ("SUCCESS", "FAIL")


def wait_for_ecs_jobs(client, jobs, wait_timeout=86400, poll_interval=30, outage_timeout=900, sleep=time.sleep,
                      clock=time.monotonic):
    """Poll the ECS jobs (GET /v1/{project_id}/jobs/{job_id}) of ``jobs`` (dicts with ``job_id``,
    updated in place with ``status`` and, when ECS gives them, ``fail_reason`` and ``error_code``)
    until every one ended (SUCCESS or FAIL), through wait_until. Returns the stats; raises WaitTimedOut
    or WaitOutage as wait_until does."""
    def pending():
        return [job for job in jobs if job.get("status") not in ECS_JOB_ENDED]

    def read():
        for job in pending():
            answer = client.ecs_request("GET", "/jobs/{0}", job["job_id"], expect="object")
            job["status"] = answer.get("status")
            for key in ("fail_reason", "error_code"):
                if answer.get(key) is not None:
                    job[key] = answer[key]
        return jobs

    return wait_until(read, lambda _jobs: not pending(), wait_timeout, poll_interval, outage_timeout=outage_timeout,
                      sleep=sleep, clock=clock)[1]


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


def check_wait_options(params):
    """Raise SmsInputError for bad waiting options, before any request (shared by sms_task_info
    and sms_task_action)."""
    check_seconds("wait_timeout", params["wait_timeout"])
    check_seconds("poll_interval", params["poll_interval"])
    check_seconds("outage_timeout", params["outage_timeout"], allow_zero=True)
    path = params.get("progress_file")
    if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise SmsInputError("progress_file %s cannot be written: its directory %s does not exist"
                            % (path, os.path.dirname(os.path.abspath(path))))
    for option in ("wait_for", "fail_on"):
        for name in params.get(option) or ():
            if not (name in PHASES or (name and name == name.upper() and name.strip() == name)):
                raise SmsInputError("%s must list phases (%s) or task states in upper case (like SYNC_SUCCESS), got %r"
                                    % (option, ", ".join(PHASES), name))
    if params.get("wait_for") is not None and not params["wait_for"]:
        raise SmsInputError("wait_for must list at least one phase or task state")


def note_warnings(notes, limit=20):
    """The warnings for the notes of describe() (values from SMS shown as null): one per distinct
    note, at most ``limit``, then how many more there were."""
    distinct = list(dict.fromkeys(notes))
    warnings = distinct[:limit]
    if len(distinct) > limit:
        warnings.append("%d more value(s) from SMS were not usable and are shown as null" % (len(distinct) - limit))
    return warnings


def progress_writer(path, counts=None, **failure):
    """The progress callback of a wait: rewrite ``path`` (if any) after each poll, with the
    ``counts(tasks)`` of the caller if given; a write error raises SmsError with a clear message
    and ``failure`` (what was already sent) as its result."""
    def write(tasks, stats):
        if not path:
            return
        try:
            write_progress(path, tasks, stats, counts(tasks) if counts else None)
        except (IOError, OSError) as exc:
            raise SmsError("progress_file %s cannot be written: %s" % (path, exc), **failure)
    return write


def write_progress(path, tasks, stats, counts=None):
    """Rewrite ``path`` (atomically) with the time, the last failed poll's error (while polls
    fail), ``counts`` (other counts, name -> number, in order) if any, the count per phase and
    the progress table."""
    failing = stats.get("last_error")
    lines = ["%s  poll %d  waited %.0fs%s" % (datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), stats["polls"], stats["waited_seconds"],
                                              "  this poll failed (%d failed so far): %s" % (stats["failed_polls"], failing)
                                              if failing else "")]
    if counts:
        lines.append("  ".join("%s=%d" % item for item in counts.items()))
    lines += ["  ".join("%s=%d" % (name, count) for name, count in summary_of(tasks).items() if count), "",
              progress_table(tasks), ""]
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".sms-progress-")
    with os.fdopen(handle, "w") as stream:
        stream.write("\n".join(lines))
    os.chmod(temp_path, 0o644)
    os.replace(temp_path, path)
