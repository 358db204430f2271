# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""sms_task's pure builders: the create request body, the comparison of a row with an existing
task, what a row plans to send, and the result of a row. No requests are sent here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import IN_PROGRESS_PHASES, MOVING_PHASES, MOVING_SOURCE_STATES, SETTLED_PHASES
from ansible_collections.hwcloud.sms.plugins.module_utils._task_rows import PRIORITIES, default_task_name
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import action_body, guard
from ansible_collections.hwcloud.sms.plugins.module_utils._task_update import diff_of, in_place, update_request

# Option -> where the existing task's record shows it. The record is an item of GET /v3/tasks (the
# SDK's TasksResponseBody, TargetServerAssociatedWithTask); vm_template_id is not in it, so it is
# read from GET /v3/tasks/{id} (ShowTaskResponse) - one GET per existing task whose row sets
# template_id, and none otherwise. _task_update says which of them SMS changes in place
# (PUT /v3/tasks/{id}) and which need the task created again. use_public_ip, use_ipv6,
# over_speed_threshold, is_need_consistency_check, start_network_check and clonevm_template_id
# are in neither answer, so they cannot be compared.
IMMUTABLE = (
    ("name", ("name",)),
    ("type", ("type",)),
    ("target_server_id", ("target_server", "vm_id")),
    ("target_server_name", ("target_server", "name")),
    ("migration_ip", ("migration_ip",)),
    ("syncing", ("syncing",)),
    ("start_target_server", ("start_target_server",)),
    ("priority", ("priority",)),
    ("speed_limit", ("speed_limit",)),
    ("need_migration_test", ("need_migration_test",)),
)
# Option -> field of GET /v3/tasks/{id} (ShowTaskResponse) that the listing lacks.
IMMUTABLE_SHOWN = (
    ("template_id", ("vm_template_id",)),
)
# Fields of the SDK's PhysicalVolumes and VolumeGroups models: source records carry more.
_VOLUME_KEYS = ("device_use", "file_system", "index", "inode_size", "mount_point", "name", "size", "used_size", "uuid")
_VOLUME_GROUP_KEYS = ("components", "free_size", "logical_volumes", "name", "size")
_OPTIONAL_FIELDS = ("migration_ip", "clonevm_template_id", "start_target_server", "use_public_ip", "use_ipv6",
                    "speed_limit", "over_speed_threshold", "is_need_consistency_check", "need_migration_test",
                    "start_network_check")


def _only(keys, items):
    return [dict((key, item[key]) for key in keys if key in item) for item in items or () if isinstance(item, dict)]


def target_disks(source, overrides, existing_target):
    """The source's recommended target disks with the ``target_disks`` overrides applied by name."""
    disks = []
    by_name = dict((disk["name"], disk) for disk in overrides or ())
    for disk in (source.get("init_target_server") or {}).get("disks") or ():
        target = dict((key, disk[key]) for key in ("name", "size", "device_use", "physical_volumes")
                      if disk.get(key) is not None)
        override = by_name.get(disk.get("name"), {})
        if override.get("size_gb") is not None:
            target["size"] = int(float(override["size_gb"]) * 1024 ** 3)
        for key in ("size", "device_use", "disk_id", "physical_volumes"):
            if override.get(key) is not None:
                target[key] = int(override[key]) if key == "size" else override[key]
        if "physical_volumes" in target:
            target["physical_volumes"] = _only(_VOLUME_KEYS, target["physical_volumes"])
        if not existing_target:
            target.pop("disk_id", None)
        disks.append(target)
    return disks


def creation_body(options, source, region, project_id):
    """PostTask for a row; only fields of the SDK's PostTask, TargetServerByTask and TargetDisks."""
    os_type = source.get("os_type")
    existing_target = bool(options.get("target_server_id"))
    target = {
        "name": options.get("target_server_name") or source.get("name"),
        "vm_id": options.get("target_server_id") or "",
        "disks": target_disks(source, options.get("target_disks"), existing_target),
    }
    volume_groups = (source.get("init_target_server") or {}).get("volume_groups")
    if volume_groups:
        target["volume_groups"] = _only(_VOLUME_GROUP_KEYS, volume_groups)
    body = {
        "name": options.get("name") or default_task_name(source.get("name")),
        "type": options.get("type") or ("MIGRATE_BLOCK" if os_type == "WINDOWS" else "MIGRATE_FILE"),
        "os_type": os_type,
        "source_server": {"id": source["id"]},
        "target_server": target,
        "region_name": region,
        "region_id": region,
        "project_name": region,
        "project_id": project_id,
        "exist_server": existing_target,
        "syncing": bool(options.get("syncing")),
        "priority": PRIORITIES[options.get("priority") or "standard"],
    }
    if options.get("template_id"):
        body["vm_template_id"] = options["template_id"]
    for key in _OPTIONAL_FIELDS:
        if options.get(key) is not None:
            body[key] = options[key]
    if options.get("start"):
        body["auto_start"] = True
    return dict((key, value) for key, value in body.items() if value is not None)


def immutable_diff(options, task, shown=None):
    """(before, after) of the immutable options ``options`` sets that differ from the existing
    ``task`` (the listing's record) and, for IMMUTABLE_SHOWN, from ``shown`` (GET /v3/tasks/{id})."""
    before, after = {}, {}
    fields = [(key, path, task) for key, path in IMMUTABLE]
    fields += [(key, path, shown) for key, path in IMMUTABLE_SHOWN if shown is not None]
    for key, path, record in fields:
        wanted = options.get(key)
        if wanted is None:
            continue
        if key == "priority":
            wanted = PRIORITIES[wanted]
        have = record
        for field in path:
            have = have.get(field) if isinstance(have, dict) else None
        if have is None and key not in ("name", "type"):
            continue  # the record does not show it: nothing to compare
        if have != wanted:
            before[key], after[key] = have, wanted
    return before, after


def needs_shown(options):
    """Whether comparing ``options`` with an existing task needs GET /v3/tasks/{id}."""
    return any(options.get(key) is not None for key, _path in IMMUTABLE_SHOWN)


def combined_diff(rows):
    """The diff of a call: the one row's, or one diff per row that has one, its headers naming the
    row (Ansible's callbacks show a list of diffs one by one; a dict whose before and after are
    lists they cannot show)."""
    if len(rows) == 1:
        return rows[0].result.get("diff") or {}
    diffs = []
    for row in rows:
        diff = row.result.get("diff")
        if diff:
            diffs.append(dict(diff, before_header=": ".join(filter(None, (row.label, diff.get("before_header")))),
                              after_header=": ".join(filter(None, (row.label, diff.get("after_header"))))))
    return diffs or {}


def plan_present(row, region, project_id):
    """What a row with state=present sends: create the task, start it, or nothing."""
    if row.task is None:
        body = creation_body(row.options, row.source, region, project_id)
        row.result.update(outcome="created", changed=True, request=dict(method="POST", path="/v3/tasks", body=body),
                          diff=dict(before={}, after=body))
        return
    row.result["task_id"] = row.task["id"]
    row.result["outcome"] = "unchanged"
    found = row.result.get("differences") or []
    if in_place(found):  # a row with other differences failed its checks: nothing is planned for it
        row.result.update(outcome="updated", changed=True, updated=[item["option"] for item in found],
                          update_request=update_request(row.task["id"], row.options, found),
                          diff=diff_of(row.task["id"], found))
    if row.options.get("start") and guard("start", describe(row.task))[0] == "send":
        diff = row.result.get("diff") or dict(before={}, after={})
        row.result.update(outcome="started", changed=True,
                          request=dict(method="POST", path="/v3/tasks/%s/action" % row.task["id"], body=action_body("start")),
                          diff=dict(diff, before=dict(diff["before"], state=row.task.get("state")),
                                    after=dict(diff["after"], state="RUNNING")))


def plan_absent(row, force):
    """What a row with state=absent sends; ``refused`` when the task runs and ``force`` is not set."""
    if row.task is None:
        row.result.update(outcome="absent")
        return
    row.result.update(outcome="deleted", changed=True, task_id=row.task["id"],
                      diff=dict(before=dict(id=row.task["id"], state=row.task.get("state")), after={}))
    phase = describe(row.task)["phase"]
    source_state = (row.task.get("source_server") or {}).get("state")
    running = phase in MOVING_PHASES or source_state in MOVING_SOURCE_STATES
    if running and not force:
        row.result["refused"] = ("task %s is %s (state %s, source %s); stop it first or set force=true" % (
            row.task["id"], phase, row.task.get("state"), source_state))
    row.result["stop_first"] = running and phase in IN_PROGRESS_PHASES  # what a stop applies to


def add_settings(result, planned):
    """Add a settings plan (_task_settings.plan_settings) to a row's result: its requests and diff;
    a settings-only change makes the outcome ``updated``."""
    if not planned:
        return
    result.update(settings_plan=planned["plan"], settings_requests=planned["requests"], changed=True)
    if result.get("outcome") == "unchanged":
        result["outcome"] = "updated"
    # New dicts: the creation diff's "after" is the request body itself, which must stay as it is.
    diff = result.get("diff") or dict(before={}, after={})
    result["diff"] = dict(diff, before=dict(diff["before"], **planned["before"]), after=dict(diff["after"], **planned["after"]))


def is_stopped(task):
    """Whether a described task stopped: a settled phase and a source server that does not move."""
    return task["phase"] in SETTLED_PHASES and (task.get("source_server") or {}).get("state") not in MOVING_SOURCE_STATES


def stop_poll_interval(stop_timeout):
    """sms_task has no poll_interval option: a hundredth of stop_timeout, 0.2 to 5 seconds."""
    return min(5.0, max(0.2, stop_timeout / 100.0))


def row_result(row, check_mode):
    """The result of a row: the task as SMS holds it now (or the body standing in for it in check mode)."""
    result, task, outcome = row.result, row.task, row.result.get("outcome")
    if outcome in ("deleted", "absent") and not check_mode and not result.get("error"):
        task = None
    elif outcome == "created" and check_mode:
        task = dict(result["request"]["body"], id=None, state="READY")
    elif outcome == "created" and not result.get("task_id"):
        task = None  # SMS did not create it (in check mode the body stands in, above)
    described = describe(task) if task is not None else None
    item = dict(
        source_id=row.source.get("id") if row.source else None,
        source_name=row.source.get("name") if row.source else None,
        task=described,
        phase=described["phase"] if described else None,
        outcome=outcome,
        # A task SMS created or changed in place stays a change even when a request after it failed.
        changed=bool(result.get("changed")) and (not result.get("error") or bool(outcome == "created" and result.get("task_id"))
                                                 or bool(result.get("update_sent"))),
        request=result.get("request"),
        settings_requests=result.get("settings_requests") or [],
        updated=result.get("updated") or [],
        update_request=result.get("update_request"),
        differences=result.get("differences") or [],
        diff=result.get("diff"),
    )
    if result.get("error"):
        # What was attempted stays readable; the outcome says the row failed, so that the summary
        # counts only what SMS did. A task that failed to be created has no record: an empty one
        # keeps templates such as results | map(attribute='task') | map(attribute='id') working.
        item.update(error=result["error"], msg=result["msg"], outcome="failed", attempted=outcome)
        if task is None and row.index is not None:
            item["task"] = dict(id=None, state=None, phase=None)
    if result.get("create_error"):
        item["create_error"] = result["create_error"]
    if row.index is not None:
        item["index"] = row.index
    return item


def summary_of(outcomes):
    """Rows per outcome."""
    summary = {}
    for item in outcomes:
        summary[item["outcome"]] = summary.get(item["outcome"], 0) + 1
    return summary
