# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""sms_task's rows: the per-task options (the module's own and the keys of a ``tasks`` row), and
the checks of a wave before any write - a row's values, the rows against each other, a source
against the task to create. Every problem of every row is collected, then raised at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress
import math

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import NAME_BAD_CHARS, NAME_RE, text_problem
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import check_settings

PRIORITIES = {"low": 0, "standard": 1, "high": 2}

# Per-task options: the module's options and the keys of a row of ``tasks``. ``tasks`` declares no
# ``options=`` sub-spec: Ansible would fail the whole call at the first bad row value, naming
# neither the row nor its source, and stop before the checks against SMS. Rows are typed with
# this same spec by Ansible's ArgumentSpecValidator instead (check_row_values), row by row, so
# every bad value of every row is reported in one run.
TASK_OPTIONS = dict(
    source_id=dict(type="str"),
    source_name=dict(type="str"),
    source_ip=dict(type="str"),
    name=dict(type="str"),
    template_id=dict(type="str"),
    target_server_id=dict(type="str"),
    target_server_name=dict(type="str"),
    migration_ip=dict(type="str"),
    type=dict(type="str", choices=["MIGRATE_FILE", "MIGRATE_BLOCK"]),
    syncing=dict(type="bool"),
    start_target_server=dict(type="bool"),
    use_public_ip=dict(type="bool"),
    use_ipv6=dict(type="bool"),
    priority=dict(type="str", choices=sorted(PRIORITIES)),
    speed_limit=dict(type="int"),
    over_speed_threshold=dict(type="float"),
    is_need_consistency_check=dict(type="bool"),
    need_migration_test=dict(type="bool"),
    start_network_check=dict(type="bool"),
    clonevm_template_id=dict(type="str"),
    start=dict(type="bool"),
    target_disks=dict(type="list", elements="dict"),
    migproject=dict(type="str"),
    speed_windows=dict(type="list", elements="dict"),
    configurations=dict(type="dict"),
)
SOURCE_KEYS = ("source_id", "source_name", "source_ip")
_DISK_KEYS = frozenset(("name", "size", "size_gb", "device_use", "disk_id", "physical_volumes"))
# One validator per option, so that each of Ansible's errors belongs to the option it is about.
_VALIDATORS = dict((key, ArgumentSpecValidator({key: spec})) for key, spec in TASK_OPTIONS.items())


def default_task_name(source_name):
    """The source's name with the characters SMS refuses in task names replaced by '-'."""
    return NAME_BAD_CHARS.sub("-", source_name or "")[:255] or "MigrationTask"


class Row(object):
    """One task to make sure of: its options, the resolved source, the existing task, and the
    result being built for it."""

    def __init__(self, index, options):
        self.index = index
        self.options = options
        self.source = None
        self.task = None
        self.result = dict(changed=False)

    @property
    def label(self):
        key = next((k for k in SOURCE_KEYS if self.options.get(k)), None)
        where = "row %d " % (self.index + 1) if self.index is not None else ""
        return "%s(%s %s)" % (where, key, self.options.get(key)) if key else "%s" % (where.strip() or "task")

    @property
    def source_option(self):
        return next((k for k in SOURCE_KEYS if self.options.get(k)), None)


class Problems(object):
    """Every problem of the call, each of a row (or of none), about one option (or none). ``value``
    problems are those of a row's values alone, ``sms`` ones come from what SMS holds."""

    def __init__(self):
        self.items = []

    def add(self, row, msg, option=None, kind="sms"):
        self.items.append((row, option, msg, kind))

    def __bool__(self):
        return bool(self.items)

    __nonzero__ = __bool__

    def texts(self):
        return ["%s: %s" % (row.label, msg) if row is not None else msg for row, _option, msg, _kind in self.items]

    def by_row(self):
        return [dict(row=row.index + 1 if row is not None and row.index is not None else None, option=option,
                     msg=msg, kind=kind) for row, option, msg, kind in self.items]

    def raise_if_any(self, **result):
        """Raise them all as one SmsInputError carrying ``problems``, ``row_problems`` and ``result``."""
        if self.items:
            raise RowProblems(self, **result)


class RowProblems(SmsInputError):
    """The problems of a wave found before anything was written; ``result`` holds them as
    ``problems`` (texts with the row labels) and ``row_problems`` (by row and option)."""

    def __init__(self, problems, **result):
        texts = problems.texts()
        SmsInputError.__init__(self, texts, row_problems=problems.by_row(), **result)
        self.result["problems"] = texts
        # One line per problem, under a count, instead of SmsInputError's "; " joined text.
        self.args = ("%d problem(s), nothing was sent:\n- %s" % (len(texts), "\n- ".join(texts)),)


def merge_rows(params):
    """The rows of a call: one of the module's options, or one per item of ``tasks``, each with the
    module's options as defaults (a row names its own source)."""
    defaults = dict((key, params.get(key)) for key in TASK_OPTIONS)
    if params.get("tasks") is None:
        return [Row(None, defaults)]
    rows = []
    for index, item in enumerate(params["tasks"]):
        options = dict(defaults)
        for key in SOURCE_KEYS:
            options[key] = None
        if isinstance(item, dict):
            options.update(dict((key, value) for key, value in item.items() if value is not None and value != ""))
        rows.append(Row(index, options))
    return rows


def _typed(key, value):
    """(value typed as Ansible types the option, problem). Texts follow SMS's rule (1 to 255
    characters, no surrounding white space) before Ansible would turn any value into one."""
    spec = TASK_OPTIONS[key]
    if spec["type"] == "str":
        problem = text_problem(key, value)
        if problem:
            return None, problem
    result = _VALIDATORS[key].validate({key: value})
    if result.error_messages:
        return None, result.error_messages[0]
    value = result.validated_parameters[key]
    if spec["type"] == "float" and math.isnan(value):
        return None, "%s must be a number, got %r" % (key, value)
    return value, None


def check_row_values(row, state, problems):
    """Problems a row has on its own (before any request). A bad value is reported and dropped, so
    that the checks against SMS still run for the rest of the row."""
    options = row.options
    for key in sorted(set(options) - set(TASK_OPTIONS)):
        close = difflib.get_close_matches(key, TASK_OPTIONS, n=1)
        problems.add(row, "unknown key %s%s (allowed: %s)" % (
            key, "; did you mean %s?" % close[0] if close else "", ", ".join(sorted(TASK_OPTIONS))), key, "value")
        del options[key]
    for key in sorted(TASK_OPTIONS):
        if options.get(key) is not None:
            options[key], problem = _typed(key, options[key])
            if problem:
                problems.add(row, problem, key, "value")
    if not any(options.get(key) for key in SOURCE_KEYS):
        problems.add(row, "one of source_id, source_name or source_ip is required", None, "value")
    if state == "absent":
        return
    if options.get("template_id") and options.get("target_server_id"):
        problems.add(row, "template_id and target_server_id are mutually exclusive", "target_server_id", "value")
    if options.get("target_server_id") and not options.get("target_server_name"):
        problems.add(row, "target_server_name is required with target_server_id", "target_server_name", "value")
    if options.get("name") is not None and not NAME_RE.match(options["name"]):
        problems.add(row, "name %r may only hold letters, digits, Chinese characters, _ and - (1 to 255)"
                     % options["name"], "name", "value")
        options["name"] = None
    if options.get("speed_limit") is not None and not 0 <= options["speed_limit"] <= 10000:
        problems.add(row, "speed_limit must be 0 to 10000 Mbit/s, got %r" % options["speed_limit"], "speed_limit", "value")
        options["speed_limit"] = None
    problem = address_problem(options.get("migration_ip"), options.get("use_ipv6"))
    if problem:
        problems.add(row, problem, "migration_ip", "value")
        options["migration_ip"] = None
    for key in ("speed_windows", "configurations"):
        for problem in check_settings({key: options.get(key)}):
            problems.add(row, problem, key, "value")
            options[key] = None
    _check_disk_items(row, problems)


def address_problem(address, use_ipv6):
    """The problem of a migration_ip, or None: SMS takes an IPv4 address, or IPv6 with use_ipv6
    (PostTask and PutTaskReq)."""
    if address is None:
        return None
    try:
        version = ipaddress.ip_address(u"%s" % address).version
    except ValueError:
        return "migration_ip must be an IP address, got %r" % address
    if version == 6 and not use_ipv6:
        return "migration_ip %s is an IPv6 address: set use_ipv6=true" % address
    if version == 4 and use_ipv6:
        return "migration_ip %s is an IPv4 address, but use_ipv6=true asks for IPv6" % address
    return None


def _check_disk_items(row, problems):
    unusable = False
    for disk in row.options.get("target_disks") or ():
        if not isinstance(disk, dict) or not disk.get("name"):
            problems.add(row, "every target_disks item needs a name", "target_disks", "value")
        elif set(disk) - _DISK_KEYS:
            problems.add(row, "target_disks item %s has unknown keys %s" % (
                disk["name"], ", ".join(sorted(set(disk) - _DISK_KEYS))), "target_disks", "value")
        else:
            continue
        unusable = True
    if unusable:
        row.options["target_disks"] = None  # no request is built from half of them


def check_plan(rows, problems):
    """Problems between rows: a source, a target server or a target name planned twice."""
    seen_sources, seen_targets, seen_names = {}, {}, {}
    for row in rows:
        if row.source is None:
            continue
        source_id = row.source["id"]
        if source_id in seen_sources:
            problems.add(row, "source server %s (%s) is already planned in %s" % (
                row.source.get("name"), source_id, seen_sources[source_id]), row.source_option)
        seen_sources.setdefault(source_id, row.label)
        target_id = row.options.get("target_server_id")
        if target_id:
            if target_id in seen_targets:
                problems.add(row, "target server %s is also the target of %s" % (target_id, seen_targets[target_id]),
                             "target_server_id")
            seen_targets.setdefault(target_id, row.label)
        target_name = row.options.get("target_server_name")
        if target_name:
            if target_name in seen_names:
                problems.add(row, "target server name %s is also used by %s" % (target_name, seen_names[target_name]),
                             "target_server_name")
            seen_names.setdefault(target_name, row.label)


def check_creation(row, require_connected, problems):
    """Problems of a row whose task is to be created: a target, the OS and type, the agent, the disks."""
    source = row.source
    options = row.options
    if not (options.get("template_id") or options.get("target_server_id")):
        problems.add(row, "a new task needs a target: template_id, or target_server_id and target_server_name",
                     "template_id", "value")
    if options.get("type") == "MIGRATE_FILE" and source.get("os_type") == "WINDOWS":
        problems.add(row, "Windows source server %s supports only MIGRATE_BLOCK" % source.get("name"), "type")
    if require_connected:
        if source.get("connected") is False:
            problems.add(row, "the agent of source server %s is not connected" % source.get("name"))
        failed_checks = [check.get("name") for check in source.get("checks") or () if check.get("result") == "ERROR"]
        if failed_checks or source.get("state") == "unavailable":
            problems.add(row, "source server %s failed its environment checks (%s)" % (
                source.get("name"), ", ".join(failed_checks) or "state unavailable"))
    disks = (source.get("init_target_server") or {}).get("disks")
    names = [disk.get("name") for disk in disks or ()]
    for disk in options.get("target_disks") or ():
        if isinstance(disk, dict) and disk.get("name") and disks is not None and disk["name"] not in names:
            problems.add(row, "target_disks names disk %s, but source server %s has %s" % (
                disk["name"], source.get("name"), ", ".join(names) or "no disks"), "target_disks")


def source_problem(key, resolution, row):
    """The problem of a row's source option ``key`` (field, value) given what resolve_sources found
    for it, or None; sets ``row.source`` (False when the row names two different servers)."""
    if resolution.get("problem") == "unknown":
        return "no source server has %s %r" % key
    if resolution.get("problem") == "ambiguous":
        return "%s %r is ambiguous, it matches %d source servers (%s); use source_id" % (
            key[0], key[1], len(resolution["ids"]), ", ".join(resolution["ids"]))
    found = resolution["source"]
    if row.source and row.source["id"] != found["id"]:
        problem = "%s %r is source server %s (%s), but the row also names source server %s (%s)" % (
            key[0], key[1], found.get("name"), found["id"], row.source.get("name"), row.source["id"])
        row.source = False  # named two servers: no source to go on with
        return problem
    if row.source is not False:
        row.source = found
    return None
