# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The lifecycle operations of a task (POST /v3/tasks/{id}/action, and POST /v3/tasks/{id}/log for
the logs): where each may be sent from, when it has nothing to do, what it leads to; the guard that
decides, the request body and the request. sms_task_action sends them for a wave, sms_task stops a
task before deleting it. The test clone SMS makes is deleted through ECS (SMS has no operation
for it): delete_clone is the documented ECS DeleteServers of that one server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, error_entry, step_error
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import (
    LAUNCHABLE_PHASES,
    LAUNCHED_PHASES,
    STARTED_PHASES,
    STOPPED_PHASES,
    matches,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import task_path

# The task's log_collect_status (SDK ShowTaskResponse / TaskByServerSources): INIT, UPLOADING, UPLOADED, UPLOAD_FAIL.
LOG_UPLOADING, LOG_UPLOADED, LOG_UPLOAD_FAILED = "UPLOADING", "UPLOADED", "UPLOAD_FAIL"
# ECS answers 404 with this code for a server that does not exist (ShowServer, "Ecs.0114").
ECS_GONE_STATUS = 404
# The keys of the test clone returned per task (SDK CloneServer).
CLONE_KEYS = ("vm_id", "name", "clone_state", "clone_error", "error_msg")

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
    # A test clone: only in continuous sync (SMS's user guide); a clone being made, or made and
    # still there (ECS), is left alone (ecs_recheck); a failed clone (ERROR) may be made again.
    # The task state must be SYNCING too (a cloned task is still in continuous sync).
    "clone_test": dict(allowed=("syncing", "cloned"), states=("SYNCING",),
                       done=("cloning", "cloned"), wait_for=("cloned",)),
    # The drill needs the full copy done (its outcome shows on the source: premiged, premigfailed);
    # a drill running or passed is left alone, a failed one may run again.
    "migration_test": dict(allowed=LAUNCHABLE_PHASES, done=("drilling", "drilled"), wait_for=("drilled",)),
    "skip": dict(allowed=("RUNNING",), done=("SKIPPING",), wait_for=None),
    "clear": dict(allowed=("MIGRATE_SUCCESS", "SYNC_SUCCESS"), done=(), wait_for=None),
    "network_check": dict(allowed=None, done=(), wait_for=None),
    # Incremental sync of a launched target ("only when the status is Finished").
    "sync": dict(allowed=("finished",), done=("syncing",), wait_for=("SYNC_SUCCESS",)),
    # Roll back a failed incremental sync (older v3 documents' action value).
    "sync_failed_rollback": dict(allowed=("SYNC_FAIL",), done=("SYNC_F_ROLLBACKING", "SYNC_F_ROLLBACK_SUCCESS"),
                                 wait_for=("SYNC_F_ROLLBACK_SUCCESS",)),
    # POST /v3/tasks/{id}/log: any state; an upload running is left alone (log_guard).
    "collect_log": dict(allowed=None, done=(), wait_for=(LOG_UPLOADED,), path="/log"),
    # ECS DeleteServers of the test clone (clone_guard): no clone, or one gone already, is done.
    "delete_clone": dict(allowed=None, done=(), wait_for=("deleted",), path=None),
}
# Operations whose outcome is not a phase: what wait=true waits for is read from the task (or ECS).
TEST_OPERATIONS = ("clone_test", "migration_test", "collect_log", "delete_clone")


def describe_allowed(names):
    return ", ".join(names) if names else "any state"


def guard(operation, task):
    """('send' | 'done' | 'refused', reason) for ``operation`` on ``task`` (a described task)."""
    if operation == "delete_clone":
        return clone_guard(task)
    if operation == "collect_log" and task.get("log_collect_status") == LOG_UPLOADING:
        return "done", "task %s is already uploading its logs (log_collect_status %s)" % (task.get("id"), LOG_UPLOADING)
    rule = OPERATIONS[operation]
    state, phase_name = task.get("state"), task["phase"]
    if rule["done"] and matches(state, phase_name, rule["done"]):
        return "done", "task %s is already %s (state %s)" % (task.get("id"), phase_name, state)
    return allowed_verdict(operation, task)


def allowed_verdict(operation, task):
    """('send' | 'refused', reason): whether the task's state allows ``operation``."""
    rule = OPERATIONS[operation]
    state, phase_name = task.get("state"), task["phase"]
    if (rule["allowed"] is None or matches(state, phase_name, rule["allowed"])) and state in rule.get("states", (state,)):
        return "send", None
    return "refused", ("operation %s is not allowed for task %s in state %s (phase %s); allowed from: %s%s"
                       % (operation, task.get("id"), state, phase_name, describe_allowed(rule["allowed"]),
                          " with task state %s" % "/".join(rule["states"]) if rule.get("states") else ""))


def clone_of(task):
    """The task's test clone as SMS gives it (clone_server: vm_id, name, clone_state, clone_error,
    error_msg), every key present; None when the task has none."""
    clone = task.get("clone_server") if isinstance(task, dict) else None
    if not isinstance(clone, dict) or not any(clone.get(key) is not None for key in CLONE_KEYS):
        return None
    return dict((key, clone.get(key)) for key in CLONE_KEYS)


def clone_guard(task):
    """delete_clone: done without a clone server; refused while the clone is being made."""
    clone = clone_of(task)
    if clone is None or not clone["vm_id"]:
        return "done", "task %s has no test clone server" % task.get("id")
    if task["phase"] == "cloning":
        return "refused", ("operation delete_clone is not allowed for task %s while its clone is being made "
                           "(phase cloning, clone_state %s); wait for it" % (task.get("id"), clone["clone_state"]))
    return "send", None


def clone_exists(client, vm_id):
    """Whether ECS still has the server (ShowServer, GET /v1/{project_id}/cloudservers/{id}); a 404
    (Ecs.0114) means it was deleted. SMS keeps the task's clone_server after that."""
    try:
        client.ecs_request("GET", "/cloudservers/{0}", vm_id, expect="object")
    except SmsApiError as exc:
        if exc.status == ECS_GONE_STATUS:
            return False
        raise step_error("Reading the test clone server %s in ECS failed" % vm_id, exc)
    except SmsError as exc:
        raise step_error("Reading the test clone server %s in ECS failed" % vm_id, exc)
    return True


def ecs_recheck(client, operation):
    """The ``recheck`` of plan_operation for the operations on a test clone, which ask ECS (reads
    only, ShowServer) whether the clone's server still exists: clone_test makes a clone again for a
    task whose clone was deleted (SMS keeps its clone_server record), delete_clone has nothing to do
    for a clone gone already. None for the other operations."""
    def recheck(task, verdict, reason):
        clone = clone_of(task) or {}
        if operation == "clone_test" and verdict == "done" and task["phase"] == "cloned":
            if not clone.get("vm_id") or not clone_exists(client, clone["vm_id"]):
                return allowed_verdict(operation, task)
        if operation == "delete_clone" and verdict == "send" and not clone_exists(client, clone["vm_id"]):
            return "done", "the test clone %s of task %s is deleted already (ECS has no server %s)" % (
                clone.get("name"), task.get("id"), clone["vm_id"])
        return verdict, reason
    return recheck if operation in ("clone_test", "delete_clone") else None


def delete_clone_body(vm_id):
    """ECS DeleteServers body for the one clone: its EIP and disks go with it (a test clone is
    a copy SMS made for the test, nothing of it is kept)."""
    return {"servers": [{"id": vm_id}], "delete_publicip": True, "delete_volume": True}


def log_body(log_bucket):
    """POST /v3/tasks/{id}/log body (the SDK's CollectLogReq... log_bucket)."""
    return {"log_bucket": log_bucket}


def action_body(operation_value, template_id=None, switch_hce=None, is_need_consistency_check=None):
    """UpdateTaskStatusReq: operation, and the optional fields the SDK defines."""
    body = {"operation": operation_value}
    for key, value in (("template_id", template_id), ("switch_hce", switch_hce),
                       ("is_need_consistency_check", is_need_consistency_check)):
        if value is not None:
            body[key] = value
    return body


def send_action(client, task_id, body, path="/action"):
    return client.request("POST", task_path(client, task_id, path), body=body)


def send_operation(client, operation, result):
    """Send the request of one result: the task's action or log request, or the ECS deletion of its
    clone (the ECS job's ID kept in result["ecs_job"])."""
    rule = OPERATIONS[operation]
    if operation != "delete_clone":
        return send_action(client, result["task_id"], result["request"], rule.get("path", "/action"))
    answer = client.ecs_request("POST", "/cloudservers/delete", body=result["request"], expect="object")
    result["ecs_job"] = dict(job_id=answer.get("job_id"), status=None)
    return answer


def plan_operation(operation, tasks, body, force=False, check_mode=False, recheck=None):
    """(results, to_send) of sending ``body`` for ``operation`` to ``tasks`` (described tasks): one
    result per task, in order, with its outcome (already, sent, forced or would_send); ``to_send``
    holds the results whose request goes out (sent_actions fills in what SMS answered). Raises
    SmsError, before anything is sent, when a task's state does not allow the operation and not
    ``force``, with ``refused`` naming each such task. ``recheck(task, verdict, reason)`` (ecs_recheck)
    may turn the guard's verdict into another, reading what the task alone does not tell.
    delete_clone's request is the ECS deletion of each task's own clone."""
    decisions = [(task,) + guard(operation, task) for task in tasks]
    if recheck is not None:
        decisions = [(task,) + recheck(task, verdict, reason) for task, verdict, reason in decisions]
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
        if operation == "delete_clone":
            clone = clone_of(task)
            result["request"] = delete_clone_body(clone["vm_id"]) if clone and clone["vm_id"] else None
        if verdict == "done":
            result.update(outcome="already", request=None)
        else:
            result["outcome"] = "would_send" if check_mode else ("forced" if verdict == "refused" else "sent")
            to_send.append(result)
        results.append(result)
    return results, to_send


def send_actions(client, to_send, workers, operation=None):
    """Send the request of each result of ``to_send`` (its ``request``), ``workers`` at a time; a
    request SMS (or ECS) refuses turns its result into outcome error, with error_entry's ``error``
    and ``msg``. ``operation`` None: the result's request to the task's action."""
    if operation is None:
        outcomes = each_concurrently(lambda result: send_action(client, result["task_id"], result["request"]), to_send, workers)
    else:
        outcomes = each_concurrently(lambda result: send_operation(client, operation, result), to_send, workers)
    for result, outcome in zip(to_send, outcomes):
        if isinstance(outcome, SmsError):
            result.update(outcome="error", error=error_entry(outcome), msg=str(outcome))


def _source_name(task):
    source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
    return source.get("name")
