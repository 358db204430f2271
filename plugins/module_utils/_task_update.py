# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""sms_task's changes to an existing task: which differences SMS changes in place with
``PUT /v3/tasks/{id}`` (the SDK's UpdateTaskRequest, body PutTaskReq) and which need the task
deleted and created again, the PUT body, and the texts and diff that say which is which.
Pure: no requests are sent here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import SETTLED_PHASES

IN_PLACE = "updated in place"
RECREATE = "needs recreate"
STOP_FIRST = "needs stop"
CHANGES = (IN_PLACE, STOP_FIRST, RECREATE)

# The compared options (_task_body.IMMUTABLE and IMMUTABLE_SHOWN) that SMS can change in place:
# option -> (PutTaskReq field, the phases in which it is changed in place (None: any), the label
# of a difference outside them, why). Conservative: a field is in place only where changing it
# cannot touch data already copied or a target server already made. The module documentation
# has the same table (sms_task DOCUMENTATION, "Changes to an existing task").
UPDATABLE = {
    "name": ("name", None, None,
             "the task's label only: nothing copied or launched depends on it"),
    "speed_limit": ("speed_limit", None, None,
                    "a cap on the transfer rate (0 to 10000 Mbit/s); changing it changes no data"),
    "migration_ip": ("migration_ip", SETTLED_PHASES, STOP_FIRST,
                     "the address the source's agent sends the data to: changed only while no data moves "
                     "(phases %s), so that a copy or sync in flight never loses its target" % ", ".join(SETTLED_PHASES)),
    "type": ("type", ("ready",), RECREATE,
             "PutTaskReq takes it (optional when updating), but data copied one way cannot turn into the other: "
             "changed only while the task is ready (never started, nothing copied)"),
    "template_id": ("vm_template_id", ("ready",), RECREATE,
                    "the template SMS creates the target server from when the task starts: changed only while "
                    "the task is ready (never started, no target server yet)"),
}
# The compared options SMS cannot change in place, and why.
NOT_UPDATABLE = {
    "target_server_id": "PutTaskReq has target_server and exist_server, but SMS documents no move of a task to another "
                        "target, and its agent records the target's disks and snapshots in the task",
    "target_server_name": "as target_server_id: part of the target server SMS made or was given",
    "syncing": "not a field of PutTaskReq",
    "start_target_server": "not a field of PutTaskReq (the SDK's UpdateTaskRequest body), although the issue names it",
    "priority": "not a field of PutTaskReq",
    "need_migration_test": "not a field of PutTaskReq",
}
# Options sent along with an in-place change of the key when the row sets them: SMS checks
# migration_ip against use_ipv6 (IPv4 unless use_ipv6), and use_public_ip says which network the
# address is on. Neither is shown by any answer, so neither is compared or changed on its own.
SENT_WITH = {"migration_ip": ("use_public_ip", "use_ipv6")}


def change_of(option, phase):
    """(label, why) of a difference in ``option`` for a task in ``phase``."""
    if option in UPDATABLE:
        _field, phases, otherwise, why = UPDATABLE[option]
        if phases is None or phase in phases:
            return IN_PLACE, why
        return otherwise, "%s; the task is %s" % (why, phase)
    return RECREATE, NOT_UPDATABLE.get(option, "SMS cannot change it in place")


def differences(before, after, phase):
    """The differences of (before, after) (_task_body.immutable_diff) for a task in ``phase``:
    a list of {option, before, after, change, why}, by option."""
    found = []
    for option in sorted(set(before) | set(after)):
        change, why = change_of(option, phase)
        found.append(dict(option=option, before=before.get(option), after=after.get(option), change=change, why=why))
    return found


def in_place(found):
    """Whether every difference in ``found`` is changed in place (and there is one)."""
    return bool(found) and all(item["change"] == IN_PLACE for item in found)


def update_body(options, found):
    """PutTaskReq with the fields changed in place in ``found`` only, plus what SENT_WITH sends
    along from ``options``."""
    body = {}
    for item in found:
        if item["change"] != IN_PLACE:
            continue
        body[UPDATABLE[item["option"]][0]] = item["after"]
        for extra in SENT_WITH.get(item["option"], ()):
            if options.get(extra) is not None:
                body[extra] = options[extra]
    return body


def update_request(task_id, options, found):
    """The request that changes an existing task in place: {method, path, body}."""
    return dict(method="PUT", path="/v3/tasks/%s" % task_id, body=update_body(options, found))


def changes_header(found):
    """'updated in place: name, speed_limit; needs recreate: priority' (the diff's after_header)."""
    parts = []
    for change in CHANGES:
        options = [item["option"] for item in found if item["change"] == change]
        if options:
            parts.append("%s: %s" % (change, ", ".join(options)))
    return "; ".join(parts)


def diff_of(task_id, found):
    """Ansible's diff of the differences: the values before and after, and headers naming the
    task and which fields change in place and which need the task stopped or created again."""
    return dict(before=dict((item["option"], item["before"]) for item in found),
                after=dict((item["option"], item["after"]) for item in found),
                before_header="task %s" % task_id, after_header=changes_header(found))


def difference_text(task_id, source_name, found, not_ours=False):
    """Why a row with differences that are not all changed in place fails, field by field; with
    ``not_ours``, why a task another job created meanwhile is not changed at all."""
    blocking = [item for item in found if item["change"] != IN_PLACE]
    advice = []
    if any(item["change"] == RECREATE for item in blocking):
        advice.append("delete it with state=absent and create it again")
    if any(item["change"] == STOP_FIRST for item in blocking):
        advice.append("stop it (sms_task_action operation=stop) and run again")
    fields = ", ".join("%s %r -> %r (%s)" % (item["option"], item["before"], item["after"], item["change"]) for item in found)
    if not_ours:
        return "task %s of source server %s was created by another job meanwhile and differs: %s (it is not changed)" % (
            task_id, source_name, fields)
    return "task %s of source server %s differs in fields it cannot change now: %s (%s; nothing was sent)" % (
        task_id, source_name, fields, ", or ".join(advice))
