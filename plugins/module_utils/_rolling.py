# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Rolling starts under SMS's concurrency limit (at most 100 source servers migrated at the same
time): sms_task_action starts (or restarts) a wave so that never more than ``max_running`` tasks
of the account take a slot (_phases.SLOT_TABLE), those outside the wave included.

Each poll (_waiter.wait_until) is one listing of every task of the account (GET /v3/tasks,
paged): it counts the slots taken, re-checks the queued tasks, and starts as many of them as
there are free slots. A start SMS refuses for the limit (another job took the slot between the
listing and the start) puts the task back at the head of the queue; any other refusal fails that
task, as a refusal does without rolling."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict
from datetime import datetime, timezone

from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, error_entry
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import takes_slot
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import guard, send_action
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import get_task, list_tasks
from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import WaitOutage, WaitTimedOut, wait_until

# The operations that take a slot, and sms_task_action's max_running (SMS's limit, and the most it allows).
ROLLING_OPERATIONS = ("start", "restart")
DEFAULT_MAX_RUNNING, MAX_MAX_RUNNING = 100, 1000
# INFERENCE: Huawei documents the limit, not the error of a start beyond it. SMS.1045 is what the
# emulator answers (tests/emulator/sms_emulator/inferences.py); any other 4xx counts as the limit
# when a listing right after it shows the account at max_running.
LIMIT_ERROR_CODES = ("SMS.1045",)


def slots_taken(records):
    """How many of ``records`` (tasks of the account) take a concurrent-migration slot."""
    return sum(1 for record in records if takes_slot(record))


def is_limit_code(exc):
    return isinstance(exc, SmsApiError) and 400 <= (exc.status or 0) < 500 and exc.error_code in LIMIT_ERROR_CODES


def _refused_4xx(exc):
    return isinstance(exc, SmsApiError) and 400 <= (exc.status or 0) < 500


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RollingFailed(SmsError):
    """Rolling ended before every task was started: the timeout passed, or polls failed past
    outage_timeout (``error``: the last poll's error)."""

    def __init__(self, message, error=None):
        super(RollingFailed, self).__init__(message)
        self.error = error


class RollingStart(object):
    """Starts the tasks of ``to_send`` (results of _task_operations.plan_operation, in order) as
    slots free. Each result gets ``started_at`` (when SMS accepted the start, else None); a result
    never sent keeps outcome ``queued``. ``stats`` is the ``rolling`` return value; ``tasks()``
    the tasks of the call as last read."""

    def __init__(self, client, operation, body, max_running, workers=4, notes=None):
        self.client, self.operation, self.body = client, operation, body
        self.max_running, self.workers, self.notes = max_running, workers, notes
        self.known, self.results, self.queue, self.forced = [], [], [], set()
        self.latest = {}  # task id -> the task as described from the last listing
        self.started_now = set()  # started at the last poll, after its listing was read
        self.requests_before = client.request_count
        self.stats = OrderedDict([("max_running", max_running), ("peak_running", 0), ("polls", 0),
                                  ("refused_for_limit", 0), ("waited_seconds", 0.0), ("max_requests_per_poll", 0)])

    def plan(self, tasks, results, to_send):
        """The described ``tasks`` of the call, every result and those to send (queued in order)."""
        self.known, self.results, self.queue = tasks, results, list(to_send)
        self.forced = set(result["task_id"] for result in to_send if result["outcome"] == "forced")
        return self

    def queued_ids(self):
        return [result["task_id"] for result in self.queue]

    def tasks(self):
        return [self.latest.get(task["id"], task) for task in self.known]

    def preview(self):
        """Check mode: one listing; the tasks beyond the free slots stay queued; nothing is sent."""
        running = slots_taken(list_tasks(self.client))
        self.stats["peak_running"] = running
        self.queue = self.queue[max(self.max_running - running, 0):]

    def run(self, timeout, interval, outage_timeout=0, progress=None, sleep=None, clock=None):
        """Poll until no task is queued; RollingFailed at the timeout or after an outage, the
        queue kept. ``progress(tasks, stats)`` runs after every poll (the tasks of the call)."""
        for result in self.queue:
            result["outcome"] = "queued"
        timing = dict((key, value) for key, value in (("sleep", sleep), ("clock", clock)) if value is not None)
        waited = {}
        on_poll = self._on_poll if progress is None else lambda value, stats: progress(self.tasks(), self._on_poll(value, stats))
        try:
            # The starts belong to the read, so that on_poll (the progress file) sees them.
            wait_until(lambda: self._fill(list_tasks(self.client)), lambda _records: not self.queue, timeout, interval,
                       outage_timeout=outage_timeout, on_poll=on_poll, stats=waited, **timing)
            self.started_now = set()  # what is read from now on shows them
        except WaitTimedOut:
            raise RollingFailed("timed out after %.0f seconds (%d polls) with %d task(s) still waiting for one of the "
                                "%d concurrent-migration slots (max_running): %s" % (
                                    waited["waited_seconds"], waited["polls"], len(self.queue), self.max_running,
                                    ", ".join(self.queued_ids()[:20])))
        except WaitOutage as exc:
            raise RollingFailed("%s; %d task(s) still queued" % (exc, len(self.queue)), error=exc.error)

    def _fill(self, records):
        """One poll: re-check the queue against the listing of the account's tasks, start what fits."""
        self.started_now = set()
        by_id = dict((record.get("id"), record) for record in records)
        for result in self.queue:
            if result["task_id"] not in by_id:  # gone, or a listing that lags behind: ask for it
                by_id[result["task_id"]] = self._get(result["task_id"])
        for task in self.known:
            if by_id.get(task["id"]) is not None:
                self.latest[task["id"]] = describe(by_id[task["id"]], notes=self.notes)
        for result in list(self.queue):
            task = self.latest.get(result["task_id"])
            if by_id[result["task_id"]] is None:
                self._drop(result, "error", {"msg": "task %s no longer exists" % result["task_id"]})
                continue
            verdict, reason = guard(self.operation, task)
            if verdict == "done":  # started by someone else meanwhile
                self._drop(result, "already")
                result["request"] = None
            elif verdict == "refused" and result["task_id"] not in self.forced:
                self._drop(result, "error", {"msg": "while queued, " + reason})
        running = slots_taken(records)
        accepted = self._start(self.queue[:max(self.max_running - running, 0)])
        self.stats["peak_running"] = max(self.stats["peak_running"], running + accepted)
        return records

    def _get(self, task_id):
        """The task read by ID, None when SMS answers 404."""
        try:
            return get_task(self.client, task_id)
        except SmsApiError as exc:
            if exc.status != 404:
                raise
            return None

    def _drop(self, result, outcome, error=None, msg=None):
        self.queue.remove(result)
        result["outcome"] = outcome
        if error is not None:
            result.update(error=error, msg=msg or error["msg"])

    def _start(self, batch):
        """Send the batch, ``workers`` at a time; returns how many starts SMS accepted. A refusal
        for the limit leaves the task queued and ends the batch (SMS is full: the rest would be
        refused too); another refusal fails the task."""
        accepted = 0
        for offset in range(0, len(batch), self.workers):
            chunk = batch[offset:offset + self.workers]
            outcomes = each_concurrently(lambda result: send_action(self.client, result["task_id"], self.body),
                                         chunk, self.workers)
            limited = self._limited([(result, outcome) for result, outcome in zip(chunk, outcomes)
                                     if isinstance(outcome, SmsError)])
            for result, outcome in zip(chunk, outcomes):
                if not isinstance(outcome, SmsError):
                    self.queue.remove(result)
                    result.update(outcome="forced" if result["task_id"] in self.forced else "sent", started_at=now_iso())
                    self.started_now.add(result["task_id"])
                    accepted += 1
                elif id(result) in limited:
                    self.stats["refused_for_limit"] += 1
                else:
                    self._drop(result, "error", error_entry(outcome), str(outcome))
            if limited:
                break
        return accepted

    def _limited(self, refusals):
        """ids of the results whose refusal is the concurrency limit: SMS's code for it, or any
        other 4xx when a listing right after it shows the account at max_running."""
        limited = set(id(result) for result, exc in refusals if is_limit_code(exc))
        others = [result for result, exc in refusals if id(result) not in limited and _refused_4xx(exc)]
        if others:
            try:
                full = slots_taken(list_tasks(self.client)) >= self.max_running
            except SmsError:
                full = False  # cannot tell: the refusal stands as it is
            if full:
                limited.update(id(result) for result in others)
        return limited

    def counts(self, tasks):
        """queued / migrating / done among ``tasks`` (those of the call, described), plus refused
        when SMS refused some: migrating ones take a slot (or were started since they were read),
        done ones neither wait nor take a slot (their full copy ended, or they stopped or failed)."""
        queued = set(self.queued_ids())
        refused = set(result["task_id"] for result in self.results if result["outcome"] == "error")
        migrating = [task for task in tasks if task["id"] not in queued | refused
                     and (takes_slot(task) or task["id"] in self.started_now)]
        counts = OrderedDict([("queued", len(queued)), ("migrating", len(migrating)),
                              ("done", len(tasks) - len(queued) - len(migrating) - len(refused))])
        if refused:
            counts["refused"] = len(refused)
        return counts

    def _on_poll(self, _records, stats):
        requests = self.client.request_count - self.requests_before
        self.requests_before = self.client.request_count
        self.stats["max_requests_per_poll"] = max(self.stats["max_requests_per_poll"], requests)
        self.stats["polls"], self.stats["waited_seconds"] = stats["polls"], stats["waited_seconds"]
        return stats
