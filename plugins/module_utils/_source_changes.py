# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""What sms_source would change on a source server, without any request: the checks of its
options, the PUT /v3/sources/{id} body with its diff, and why a deletion would pull a source
server from under its moving migration task."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_id, check_optional_text
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import MOVING_PHASES, MOVING_SOURCE_STATES, phase
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import matches, without_none

# The options that set disks, volume groups and volumes, with the list nested in each item.
DISK_OPTIONS = (("disks", "physical_volumes"), ("volume_groups", "logical_volumes"))
# IDs per POST /v3/sources/delete: 200 IDs of 36 characters make a body of about 8,000 bytes, under
# the 10,240 bytes SMS accepts (SMS.2004 of the error table); SMS documents no limit of its own.
DELETE_BATCH = 200


def check_options(params):
    """The checks of sms_source's options, before any request; raises SmsInputError."""
    if params["id"] is not None:
        check_id("id", params["id"], "source server id")
    check_optional_text("name", params["name"], "source server name")
    check_optional_text("migproject", params["migproject"], "migration project ID or name")
    if params["ids"] is not None:
        if params["state"] != "absent":
            raise SmsInputError("ids deletes source servers: it needs state=absent")
        for source_id in params["ids"]:
            check_id("ids", source_id, "source server id")

    def sizes(where, items, nested):
        for item in items or []:
            if item["adjust_size"] is not None and item["adjust_size"] < 0:
                raise SmsInputError("%s %s: adjust_size must be 0 or more bytes" % (where, item["id"]))
            if nested:
                sizes("%s %s %s" % (where, item["id"], nested), item[nested], None)
    for option, nested in DISK_OPTIONS:
        sizes(option, params[option], nested)


def batches(items, size):
    """``items`` in lists of at most ``size``."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def records(items):
    """The dict items of a list SMS answered; anything else (a wrong type) counts as absent."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def adjustments_differ(current_items, wanted_items, nested):
    """Whether a wanted disk/volume setting differs from what SMS reports (unreported counts as differing)."""
    by_key = dict((str(item.get("id") or item.get("name")), item) for item in records(current_items))
    for want in wanted_items:
        have = by_key.get(want["id"], {})
        flat = dict((k, v) for k, v in want.items() if k not in ("id", nested))
        if not matches(have, flat):
            return True
        if nested and want.get(nested) and adjustments_differ(have.get(nested), want[nested], None):
            return True
    return False


def _check_ids(shown, option, wanted):
    known = set(str(item.get("id") or item.get("name")) for item in records(shown.get(option)))
    unknown = [item["id"] for item in wanted if item["id"] not in known]
    if unknown:
        raise SmsInputError("%s: source server %s has no %s %s (it has: %s)" % (
            option, shown["id"], option.rstrip("s").replace("_", " "), ", ".join(unknown),
            ", ".join(sorted(known)) or "none"))


def disk_changes(shown, params):
    """``(body, before, after)`` of the disk and volume group settings that differ from ``shown``
    (GET /v3/sources/{id}); raises when a disk is unknown or the source server has a task already."""
    body, before, after = {}, {}, {}
    for option, nested in DISK_OPTIONS:
        wanted = without_none(copy.deepcopy(params[option] or []))
        if not wanted:
            continue
        _check_ids(shown, option, wanted)
        if not adjustments_differ(shown.get(option), wanted, nested):
            continue
        if shown.get("current_task") or shown.get("migration_cycle") not in (None, "checking"):
            raise SmsError("%s: SMS changes disks only before the target server is configured, and source "
                           "server %s already has a migration task (migration_cycle %s); delete the task first"
                           % (option, shown["id"], shown.get("migration_cycle")))
        body[option] = after[option] = wanted
        before[option] = [dict((k, item.get(k)) for k in ("id", "name", "need_migration", "adjust_size"))
                          for item in records(shown.get(option))]
    return body, before, after


def moving_task(shown):
    """Why deleting this source server would pull it from under a moving task, or None."""
    task = shown.get("current_task") if isinstance(shown.get("current_task"), dict) else {}
    source_state = shown.get("state")
    task_phase = phase(task.get("state"), source_state, shown.get("migration_cycle")) if task else None
    if task_phase not in MOVING_PHASES and source_state not in MOVING_SOURCE_STATES:
        return None
    return ("source server %s (%s) is migrating: its task %s is %s (task state %s, source state %s, migration_cycle %s); "
            "stop or delete the task first, or set force=true" % (
                shown.get("name"), shown.get("id"), task.get("id") or "(unknown)", task_phase or "unknown",
                task.get("state"), source_state, shown.get("migration_cycle")))
