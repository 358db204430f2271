# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""A task's time-window speed limits and advanced configurations (sms_task's speed_windows and
configurations): checked before any request, compared with what SMS holds, sent when they differ."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import resolve_migproject

# ConfigBody.config_key values (SDK docstring).
CONFIG_KEYS = ("MIGRATE_EXCLUDE_DIR", "SYNC_EXCLUDE_DIR", "ONLY_SYNC_DIR", "CONSISTENCY_DIR", "CONSISTENCY_DIR_ILLEGAL",
               "LINUX_BLOCK_COMPRESS_THREAD_NUM", "MIGRATE_DST_IP", "LINUX_BLOCK_CACHE_SIZE", "LINUX_CPU_LIMIT",
               "LINUX_MEM_LIMIT", "LINUX_IO_LIMIT", "NUM_PROCESS_MIGRATE", "NUM_PROCESS_SYNC", "CONSISTENCY_RECHECK",
               "CONSISTENCY_MODE", "DYNAMIC_PORT", "INSTALL_PWD_AGENT")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# GET .../speed-limit of a task without windows answers this instead of an empty list.
NO_SPEED_LIMIT = "SMS.6302"
SPEED = "/v3/tasks/{0}/speed-limit"
CONFIGURATION = "/v3/tasks/{0}/configuration-setting"


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def windows_of(items):
    """speed_windows in request form (SpeedLimitlJson), or a problem text."""
    windows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or set(item) - set(("start", "end", "speed", "over_speed_threshold")):
            return None, "speed_windows[%d] must hold start, end, speed and optionally over_speed_threshold" % index
        start, end = str(item.get("start") or ""), str(item.get("end") or "")
        if not _TIME_RE.match(start) or not _TIME_RE.match(end) or start >= end:
            return None, "speed_windows[%d]: start and end must be HH:MM (00:00 to 23:59), start before end" % index
        speed = _number(item.get("speed"))
        if speed is None or speed != int(speed) or not 0 <= speed <= 1000:
            return None, "speed_windows[%d]: speed must be an integer from 0 to 1000 Mbit/s" % index
        window = {"start": start, "end": end, "speed": int(speed)}
        if item.get("over_speed_threshold") is not None:
            threshold = _number(item["over_speed_threshold"])
            if threshold is None or threshold < 0:
                return None, "speed_windows[%d]: over_speed_threshold must be a number >= 0 (percent)" % index
            window["over_speed_threshold"] = threshold
        windows.append(window)
    windows.sort(key=lambda window: window["start"])
    for first, second in zip(windows, windows[1:]):
        if second["start"] < first["end"]:
            return None, "speed_windows: %s-%s and %s-%s overlap" % (first["start"], first["end"], second["start"], second["end"])
    return windows, None


def configuration_values(configurations):
    """configurations as {key: text}, or a problem text."""
    values = {}
    for key, value in configurations.items():
        if key not in CONFIG_KEYS:
            return None, "configurations: unknown key %s (known: %s)" % (key, ", ".join(CONFIG_KEYS))
        if isinstance(value, (list, tuple)):
            value = ",".join(str(item) for item in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            return None, "configurations: %s needs a value" % key
        values[key] = str(value)
    return values, None


def check_settings(options):
    """Problems of a task's speed_windows and configurations (texts, empty when fine)."""
    problems = []
    if options.get("speed_windows") is not None:
        if not isinstance(options["speed_windows"], list):
            problems.append("speed_windows must be a list")
        else:
            problems.append(windows_of(options["speed_windows"])[1])
    if options.get("configurations") is not None:
        if not isinstance(options["configurations"], dict):
            problems.append("configurations must be a dict of key: value")
        else:
            problems.append(configuration_values(options["configurations"])[1])
    return [problem for problem in problems if problem]


def _same_windows(current, wanted):
    if len(current) != len(wanted):
        return False
    for have, want in zip(sorted(current, key=lambda w: w.get("start") or ""), wanted):
        if (have.get("start"), have.get("end"), have.get("speed")) != (want["start"], want["end"], want["speed"]):
            return False
        if "over_speed_threshold" in want and _number(have.get("over_speed_threshold")) != want["over_speed_threshold"]:
            return False
    return True


def plan_settings(client, task_id, options):
    """The requests that bring a task's speed_windows and configurations to ``options``, reading
    the task's current ones when it exists (``task_id``; None for a task to create). None when
    nothing differs, else dict(plan=[(path template, body)], requests=[{method, path, body}],
    before={...}, after={...}). Raises the client's errors."""
    requests, before, after = [], {}, {}
    if options.get("speed_windows") is not None:
        wanted = windows_of(options["speed_windows"])[0]
        current = []
        if task_id is not None:
            try:
                answer = client.request("GET", client.path(SPEED, task_id))
                current = (answer or {}).get("speed_limit") or []
            except SmsApiError as exc:
                if exc.error_code != NO_SPEED_LIMIT:
                    raise
        if task_id is None and not wanted:
            pass  # a new task has no windows
        elif task_id is None or not _same_windows(current, wanted):
            requests.append(dict(method="POST", path=SPEED, body={"speed_limit": wanted}))
            before["speed_windows"], after["speed_windows"] = current, wanted
    if options.get("configurations") is not None:
        wanted = configuration_values(options["configurations"])[0]
        current = {}
        if task_id is not None:
            answer = client.request("GET", client.path(CONFIGURATION, task_id))
            current = dict((item.get("config_key"), item.get("config_value"))
                           for item in (answer or {}).get("configurations") or [] if isinstance(item, dict))
        differing = [key for key in CONFIG_KEYS if key in wanted and current.get(key) != wanted[key]]
        if differing:
            body = {"configurations": [{"config_key": key, "config_value": wanted[key]} for key in differing]}
            requests.append(dict(method="POST", path=CONFIGURATION, body=body))
            before["configurations"] = dict((key, current.get(key)) for key in differing)
            after["configurations"] = dict((key, wanted[key]) for key in differing)
    if not requests:
        return None
    return dict(
        plan=[(request["path"], request["body"]) for request in requests],
        requests=[dict(request, path=client.path(request["path"], task_id) if task_id else
                       request["path"].format("(new task)")) for request in requests],
        before=before, after=after)


def send_settings(client, task_id, plan):
    """Send the planned requests (path template, body) for the task, in order."""
    for template, body in plan:
        client.request("POST", client.path(template, task_id), body=body)


# Task options a migration project provides (PostMigProjectBody fields of the same meaning).
PROJECT_SETTINGS = ("type", "syncing", "use_public_ip", "start_target_server", "speed_limit", "start_network_check")


class ProjectLookup(object):
    """The migration projects the rows of one module run name, each looked up once by the key it
    is named by (_resources.resolve_migproject); a key that names none or several is remembered too."""

    def __init__(self, client):
        self._client = client
        self._found = {}

    def get(self, key):
        """The project whose ID, else exact name, is ``key``; raises SmsInputError when none or
        several match, and the client's errors when the listing fails."""
        if key not in self._found:
            try:
                self._found[key] = resolve_migproject(self._client, key)
            except SmsInputError as exc:
                self._found[key] = exc
        if isinstance(self._found[key], SmsInputError):
            raise self._found[key]
        return self._found[key]


def fill_from_project(projects, options):
    """Set the task options left unset from the migration project ``options['migproject']``, found
    through ``projects`` (a ProjectLookup). Raises as ProjectLookup.get does."""
    project = projects.get(options["migproject"])
    for name in PROJECT_SETTINGS:
        if options.get(name) is None and project.get(name) is not None:
            options[name] = project[name]


INCLUDES = ("speed_windows", "configurations", "consistency_results")


def task_extras(client, task_id, include):
    """What ``include`` names of a task's settings and results: one GET per name."""
    extras = {}
    if "speed_windows" in include:
        try:
            extras["speed_windows"] = (client.request("GET", client.path(SPEED, task_id)) or {}).get("speed_limit") or []
        except SmsApiError as exc:
            if exc.error_code != NO_SPEED_LIMIT:
                raise
            extras["speed_windows"] = []
    if "configurations" in include:
        answer = client.request("GET", client.path(CONFIGURATION, task_id)) or {}
        extras["configurations"] = answer.get("configurations") or []
    if "consistency_results" in include:
        answer = client.request("GET", client.path("/v3/tasks/{0}/consistency-result", task_id)) or {}
        extras["consistency_results"] = answer.get("result_list") or []
    return extras
