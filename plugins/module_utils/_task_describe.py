# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""A task as a user reads it: its phase, the share of its data copied, the time left, its start
and finish, its parsed error; derived only from the fields SMS documents for its tasks. Numbers
that are not usable data become None, with a note, never an exception (pure functions, no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import re
from datetime import datetime, timedelta, timezone

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import (
    COMPLETED_PHASES,
    COPIED_PHASES,
    COPY_PENDING_STATES,
    IN_PROGRESS_PHASES,
    PHASES,
    phase_summary,
    task_phase,
)

# Numbers from the API are data only within these bounds; anything else (a size of 1e300, a
# negative speed, NaN, a date 1e20 ms after the epoch) is shown as null, never used.
_MAX_NUMBER = 2 ** 63  # SMS's integers are int64
_MAX_EPOCH_SECONDS = 253402300799  # 9999-12-31T23:59:59Z, the last date datetime can hold
_MAX_PERCENT = 100
_ISO_TEXT = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\Z")


def api_number(value):
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
    number = api_number(value)
    if number is None or not 0 <= number <= maximum:
        _note(notes, task, field, value, what)
        return None
    return number


def _moment(value):
    """The datetime (UTC) of an SMS time in milliseconds (or seconds) since the epoch, else None."""
    number = api_number(value)
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
    if phase_name == "ready" or (_subtasks(task) and task.get("state") in COPY_PENDING_STATES):
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
    if finished is None and phase_name in COMPLETED_PHASES and subtasks:
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
    for task in sorted(tasks, key=lambda t: (PHASES.index(t["phase"]), source_name(t))):
        percent = task.get("progress_percent")
        rows.append((source_name(task), task["phase"], "" if percent is None else "%.1f" % percent,
                     task.get("eta") or "", str(task.get("state"))))
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def source_name(task):
    source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
    return str(source.get("name") or task.get("name") or task.get("id"))
