# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The lifecycle operations of a task (POST /v3/tasks/{id}/action): where each may be sent from,
when it has nothing to do, what it leads to; the guard that decides, the request body and the
request. sms_task_action sends them for a wave, sms_task stops a task before deleting it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, error_entry
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import (
    LAUNCHABLE_PHASES,
    LAUNCHED_PHASES,
    STARTED_PHASES,
    STOPPED_PHASES,
    matches,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import task_path

# operation -> where it may be sent from, when it has nothing to do, what it leads to.
# ``allowed``: task states (upper case) or phases (lower case); None means any state.
# ``done``: the task already is where the operation leads (changed: false, nothing sent).
# ``wait_for``: what wait=true waits for (phases, or upper-case task states).
OPERATIONS = {
    "start": dict(allowed=("READY", "ABORT", "MIGRATE_FAIL"), done=STARTED_PHASES, wait_for=STARTED_PHASES),
    "stop": dict(allowed=("RUNNING", "SYNCING", "SKIPPING"), done=STOPPED_PHASES, wait_for=("stopped",)),
    "restart": dict(allowed=("MIGRATE_FAIL", "SYNC_FAIL"), done=STARTED_PHASES, wait_for=STARTED_PHASES),
    # Launch the target; SMS's own documents allow it from continuous sync; a full copy with
    # syncing=false and start_target_server=false ends replicated and is launched the same way.
    "cutover": dict(allowed=LAUNCHABLE_PHASES, done=LAUNCHED_PHASES, wait_for=("finished",)),
    "test": dict(allowed=LAUNCHABLE_PHASES, done=LAUNCHED_PHASES, wait_for=("finished",)),
    "clone_test": dict(allowed=("syncing",), done=(), wait_for=None),
    "migration_test": dict(allowed=("RUNNING", "SYNCING", "MIGRATE_SUCCESS"), done=(), wait_for=None),
    "skip": dict(allowed=("RUNNING",), done=("SKIPPING",), wait_for=None),
    "clear": dict(allowed=("MIGRATE_SUCCESS", "SYNC_SUCCESS"), done=(), wait_for=None),
    "network_check": dict(allowed=None, done=(), wait_for=None),
    # Incremental sync of a launched target ("only when the status is Finished").
    "sync": dict(allowed=("finished",), done=("syncing",), wait_for=("SYNC_SUCCESS",)),
}


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
    return client.request("POST", task_path(client, task_id, "/action"), body=body)


def plan_operation(operation, tasks, body, force=False, check_mode=False):
    """(results, to_send) of sending ``body`` for ``operation`` to ``tasks`` (described tasks): one
    result per task, in order, with its outcome (already, sent, forced or would_send); ``to_send``
    holds the results whose request goes out (sent_actions fills in what SMS answered). Raises
    SmsError, before anything is sent, when a task's state does not allow the operation and not
    ``force``, with ``refused`` naming each such task."""
    decisions = [(task,) + guard(operation, task) for task in tasks]
    refused = [(task, reason) for task, verdict, reason in decisions if verdict == "refused"]
    if refused and not force:
        raise SmsError(
            "nothing was sent: %d of %d task(s) cannot take operation %s: %s (force=true sends it anyway)"
            % (len(refused), len(tasks), operation, "; ".join(reason for _task, reason in refused)),
            refused=[dict(task_id=task["id"], source_name=_source_name(task), state=task.get("state"),
                          phase=task["phase"], reason=reason) for task, reason in refused])
    results, to_send = [], []
    for task, verdict, _reason in decisions:
        result = dict(task_id=task["id"], source_name=_source_name(task), state=task.get("state"),
                      phase=task["phase"], request=body)
        if verdict == "done":
            result.update(outcome="already", request=None)
        else:
            result["outcome"] = "would_send" if check_mode else ("forced" if verdict == "refused" else "sent")
            to_send.append(result)
        results.append(result)
    return results, to_send


def send_actions(client, to_send, body, workers):
    """Send ``body`` to the task of each result of ``to_send``, ``workers`` at a time; a request SMS
    refuses turns its result into outcome error, with error_entry's ``error`` and ``msg``."""
    outcomes = each_concurrently(lambda result: send_action(client, result["task_id"], body), to_send, workers)
    for result, outcome in zip(to_send, outcomes):
        if isinstance(outcome, SmsError):
            result.update(outcome="error", error=error_entry(outcome), msg=str(outcome))


def _source_name(task):
    source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
    return source.get("name")
