# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""hwcloud.sms.md_cell and hwcloud.sms.wave_task_problems: what the wave playbooks write and say."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import per_account

_API_FIELDS = ("status", "error_code", "error_msg", "request_id")


def md_cell(value):
    """``value`` as the text of one Markdown table cell: a ``|`` is escaped and every line break
    (any of those str.splitlines() knows) becomes a space, so a value cannot end its cell, row or
    table; V(None) is empty."""
    if value is None:
        return ""
    text = value if isinstance(value, string_types) else str(value)
    return " ".join(text.splitlines()).replace("\\", "\\\\").replace("|", "\\|")


def _api_fields(error):
    if not isinstance(error, dict):
        return str(error)
    fields = ["%s %s" % (key, error[key]) for key in _API_FIELDS if error.get(key) not in (None, "")]
    if fields:
        return ", ".join(fields)
    return str(error.get("msg") or error)


def _task_id(item):
    return item.get("id") if isinstance(item, dict) else item


def wave_task_problems(result, rows, task_results):
    """One line per task of the wave that failed, timed out, disappeared or whose request SMS
    refused, naming its plan line, source server and task and giving the API's fields.

    ``result`` is the registered result of hwcloud.sms.sms_task_info (a wait) or
    hwcloud.sms.sms_task_action, one call or one per account (a loop whose variable names the
    account); ``rows`` the wave_plan rows and ``task_results`` the ``results`` of the
    hwcloud.sms.sms_task run(s) that found or created their tasks (same order)."""
    if not isinstance(result, dict):
        raise AnsibleFilterError("wave_task_problems expects a registered module result, got %s" % type(result).__name__)
    pairs = list(zip(rows or (), task_results or ()))
    problems = []
    for account, one in per_account(result):
        problems.extend(_problems_of(one, [pair for pair in pairs if account is None or pair[0].get("account") == account],
                                     account))
    return problems


def _problems_of(result, pairs, account):
    where = {}
    prefix = "account %s, " % account if account else ""
    for row, found in pairs:
        task = found.get("task") if isinstance(found, dict) else None
        if isinstance(task, dict) and task.get("id"):
            server = row.get("source") or found.get("source_name") or ""
            where[task["id"]] = "%sline %s, server %s, task %s" % (prefix, row.get("line"), server, task["id"])

    def label(item):
        task_id = _task_id(item)
        if task_id in where:
            return where[task_id]
        server = ((item.get("source_server") or {}).get("name") or item.get("source_name")) if isinstance(item, dict) else None
        return prefix + ("server %s, task %s" % (server or "?", task_id) if server else "task %s" % task_id)

    problems = []
    for task in result.get("failed_tasks") or ():
        error = task.get("error") or {}
        problems.append("%s: failed%s: %s" % (
            label(task), " in %s" % task["current_subtask"] if task.get("current_subtask") else "",
            _api_fields(error) if error else "SMS gave no error (state %s)" % task.get("state")))
    for item in result.get("gone_tasks") or ():
        problems.append("%s: the task is gone (deleted while the wave waited)" % label(item))
    for task_id in result.get("missing_task_ids") or ():
        if task_id not in [_task_id(item) for item in result.get("gone_tasks") or ()]:
            problems.append("%s: SMS has no such task" % label(task_id))
    for task in result.get("pending_tasks") or ():
        problems.append("%s: still %s (state %s) when the wait ended" % (label(task), task.get("phase"), task.get("state")))
    for item in result.get("results") or ():
        if isinstance(item, dict) and item.get("error"):
            problems.append("%s: %s" % (label(dict(item, id=item.get("task_id"))), _api_fields(item["error"])))
    for item in result.get("refused") or ():
        problems.append("%s: refused in state %s: %s" % (
            label(dict(item, id=item.get("task_id"))), item.get("state"), item.get("reason")))
    # Why the module failed as a whole (a listing SMS answered 403, polls that failed past the
    # outage bound): its msg and the API's fields, unless the per-task lines already say it all.
    has_fields = any(result.get(key) not in (None, "") for key in _API_FIELDS)
    # A rolling start that ended with servers still queued (wave_timeout) failed for that alone:
    # they are reported as queued, not as a problem.
    queued_only = bool(result.get("queued_tasks")) and not has_fields
    if result.get("failed") and not queued_only and (not problems or has_fields):
        fields = _api_fields(result) if has_fields else ""
        problems.append("%s%s%s" % ("account %s: " % account if account else "", result.get("msg") or "the module failed",
                                    " (%s)" % fields if fields else ""))
    return problems


class FilterModule(object):

    def filters(self):
        return {"md_cell": md_cell, "wave_task_problems": wave_task_problems}
