# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""What a task shows of the outcome of a test operation (clone_test, migration_test, collect_log):
whether it runs, succeeded or failed (with SMS's fields), what a wait takes for it, and the fields
each result of sms_task_action gets (pure functions, no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import CLONE_FAILED_STATE
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import (
    LOG_UPLOAD_FAILED,
    LOG_UPLOADED,
    clone_of,
)


def operation_outcome(operation, task):
    """Where the test operation of a (described) task stands: None while it runs (or has not
    begun), True once it succeeded, else a text naming the failure with SMS's fields. For the
    operations of TEST_OPERATIONS but delete_clone, whose outcome is an ECS job."""
    if operation == "clone_test":
        clone = clone_of(task)
        if task["phase"] == "cloned":
            return True
        if clone is not None and clone["clone_state"] == CLONE_FAILED_STATE:
            return "the clone failed: clone_state %s, clone_error %s, error_msg %s" % (
                CLONE_FAILED_STATE, clone["clone_error"], clone["error_msg"])
        return None
    if operation == "migration_test":
        if task["phase"] == "drilled":
            return True
        if task["phase"] == "drill_failed":
            error = task.get("error") or {}
            return "the drill failed: source state premigfailed%s" % (
                ", error_json %s %s" % (error.get("error_code"), error.get("error_msg")) if error else "")
        return None
    if operation == "collect_log":
        status = task.get("log_collect_status")
        if status == LOG_UPLOADED:
            return True
        if status == LOG_UPLOAD_FAILED:
            return "the log upload failed: log_collect_status %s (log_bucket %s)" % (status, task.get("log_bucket"))
        return None
    raise ValueError("no task-side outcome for operation %s" % operation)


def outcome_signature(operation, task):
    """What a task shows of the outcome of ``operation`` (operation_outcome reads it): its clone, its
    source's state, its log_collect_status."""
    if operation == "clone_test":
        return clone_of(task)
    if operation == "migration_test":
        source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
        return source.get("state")
    return task.get("log_collect_status")


def outcome_after(operation, sent_tasks):
    """operation_outcome for a wait after sending ``operation`` to ``sent_tasks`` (described, as read
    before): the first read of a task that still shows the very outcome it showed before the
    request (a clone in ERROR made again, a failed drill run again, logs uploaded before) is taken
    for SMS not having shown the request yet, not for its outcome; later reads count as they are."""
    before = dict((task["id"], outcome_signature(operation, task)) for task in sent_tasks)

    def outcome(task):
        verdict = operation_outcome(operation, task)
        if task["id"] in before:
            unchanged = outcome_signature(operation, task) == before.pop(task["id"])
            if verdict is not None and unchanged:
                return None
        return verdict
    return outcome


_DRILL = {"drilled": "passed", "drill_failed": "failed", "drilling": "running"}


def outcome_fields(operation, task):
    """The fields a result of a test operation adds about its task (as read last): clone_server
    (clone_test, delete_clone), drill (migration_test: passed, failed, running or None),
    log_collect_status (collect_log)."""
    if operation in ("clone_test", "delete_clone"):
        return dict(clone_server=clone_of(task))
    if operation == "migration_test":
        return dict(drill=_DRILL.get(task.get("phase")))
    if operation == "collect_log":
        return dict(log_collect_status=task.get("log_collect_status"))
    return {}
