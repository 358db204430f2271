# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""hwcloud.sms.wave_plan: the lines of a wave plan (CSV) as sms_task rows, every problem named by
the physical line of the file; hwcloud.sms.wave_problems: every problem of a wave (the plan's and
sms_task's, one call or one per account) as one sorted list of texts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import csv
import difflib
import io
import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import NAME_RE

_SOURCE_COLUMNS = ("source", "source_name", "source_id", "source_ip")
_SOURCE_OPTIONS = ("source_id", "source_name", "source_ip")
# Columns copied (once checked) into the sms_task row.
_TASK_COLUMNS = ("name", "template_id", "target_server_id", "target_server_name", "migration_ip", "type",
                 "syncing", "priority", "speed_limit", "start_target_server", "use_public_ip", "migproject",
                 "clone_template_id", "consistency_check", "migration_test")
# Plan columns whose sms_task option has another name (set when the task is created; SMS shows none
# of them in its task listing, except need_migration_test, which sms_task compares).
_TASK_OPTION_OF = {"clone_template_id": "clonevm_template_id", "consistency_check": "is_need_consistency_check",
                   "migration_test": "need_migration_test"}
# Columns of the rehearsal and the verification (wave_phase=test and verify), kept in the row.
_VERIFY_COLUMNS = ("ok_to_test", "verify", "verify_port", "verify_address")
# Columns for the team's own notes: kept in ``columns``, never read.
_NOTE_COLUMNS = ("owner", "notes", "comment")
_NOTE_PREFIX = "x_"
_KNOWN = _SOURCE_COLUMNS + _TASK_COLUMNS + ("template", "ok_to_cutover", "account") + _VERIFY_COLUMNS + _NOTE_COLUMNS
# SMS keeps at most this many source servers per account ("Notes and Constraints").
_SOURCE_QUOTA = 1000
_BOOLEANS = ("syncing", "start_target_server", "use_public_ip", "ok_to_cutover", "consistency_check", "migration_test",
             "ok_to_test", "verify")
# One set of boolean words for every boolean column.
_TRUE = ("true", "yes", "y", "1", "on")
_FALSE = ("false", "no", "n", "0", "off")
_CHOICES = {"priority": ("low", "standard", "high"), "type": ("MIGRATE_FILE", "MIGRATE_BLOCK")}
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_ID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_BOM = u"\ufeff"
_SAVE_AS = 'save it as "CSV UTF-8 (Comma delimited)" in Excel, or as UTF-8 text in another editor'
_SYNCING_NO = ("syncing is no: SMS launches the target server as soon as the full copy ends, without "
               "waiting for the wave's approved cut-over")


def _where(line, column=None):
    return "line %d, column %s" % (line, column) if column is not None else "line %d" % line


def _source_key(value):
    if _IPV4.match(value) or ":" in value:
        return "source_ip"
    if _ID.match(value):
        return "source_id"
    return "source_name"


def _text_of(data):
    """(text, problem) of the plan given as text, bytes or the result of ansible.builtin.slurp; when
    it is not UTF-8, the problem and the text with the bad bytes replaced (to look for more problems)."""
    if isinstance(data, dict) and "content" in data:
        if data.get("encoding", "base64") != "base64":
            raise AnsibleFilterError("wave_plan expects the result of ansible.builtin.slurp (encoding base64), "
                                     "got encoding %r" % data.get("encoding"))
        try:
            data = base64.b64decode(to_text(data["content"]), validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise AnsibleFilterError("wave_plan: the slurped content is not base64: %s" % exc)
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            return data.decode("utf-8", "replace"), "%s: byte 0x%02x is not UTF-8, so the plan is not UTF-8 text: %s" % (
                _where(line), data[exc.start], _SAVE_AS)
    if not isinstance(data, str):
        raise AnsibleFilterError("wave_plan expects the plan as text, or the result of ansible.builtin.slurp, "
                                 "got %s" % type(data).__name__)
    # Text that was read with errors='surrogateescape' keeps undecodable bytes as lone surrogates.
    bad = re.search(u"[\ud800-\udfff]", data)
    if bad:
        return (re.sub(u"[\ud800-\udfff]", u"\ufffd", data),
                "%s: the plan is not UTF-8 text: %s" % (_where(data.count("\n", 0, bad.start()) + 1), _SAVE_AS))
    return data, None


def _records(text):
    """(first physical line, cells) of every CSV record; blank and comment lines are skipped but
    counted; a quoted cell may span lines. Raises _PlanError on broken CSV."""
    state = {"start": True, "number": 0, "first": 0}

    def lines():
        for line in io.StringIO(text, newline=""):
            state["number"] += 1
            if state["start"] and (not line.strip() or line.lstrip().startswith("#")):
                yield "\n"  # read by csv as an empty record, so that line_num stays the physical line
                continue
            if state["start"]:
                state["first"] = state["number"]
            state["start"] = False
            yield line

    reader = csv.reader(lines(), skipinitialspace=True, strict=True)
    try:
        for cells in reader:
            first, state["start"] = state["first"], True
            if cells:
                yield first, cells
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _PlanError("%s: a quoted cell starting on this line is never closed (a missing \")" % _where(state["first"]))
        raise _PlanError("%s: the line is not valid CSV (%s)" % (_where(reader.line_num), exc))


class _PlanError(Exception):
    pass


def _header(line, cells):
    """(column names, problems) of the header cells; a column given again is named None, and its
    cells are not read, so that the lines can still be checked."""
    names, problems, seen = [], [], {}
    for position, cell in enumerate(cells, start=1):
        name = cell.replace(_BOM, "").strip().lower()
        names.append(name)
        if not name:
            continue  # judged per line: an unnamed column must stay empty
        if name in seen:
            problems.append("%s: column %r is given twice (also column %d; names are not case-sensitive)" % (
                _where(line, position), cell.strip(), seen[name]))
            names[-1] = None
            continue
        seen[name] = position
        if name not in _KNOWN and not name.startswith(_NOTE_PREFIX):
            close = difflib.get_close_matches(name, _KNOWN, n=1)
            hint = "; did you mean %s?" % close[0] if close else ""
            if ";" in name:
                hint += " (the cells seem to be separated by ';': save the plan with commas)"
            problems.append("%s: unknown column %r%s (known columns: %s; columns for your own notes are %s or "
                            "start with %s)" % (_where(line, position), cell.strip(), hint, ", ".join(_KNOWN[:-3]),
                                                ", ".join(_NOTE_COLUMNS), _NOTE_PREFIX))
    if not any(name in names for name in _SOURCE_COLUMNS):
        problems.append("%s: the plan needs a column naming the source server: one of %s; it has %s" % (
            _where(line), ", ".join(_SOURCE_COLUMNS), ", ".join(names) or "none"))
    return names, problems


def _boolean(value):
    lowered = value.lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _checked_value(column, value):
    """(value for the task, problem) of one non-empty cell of a task column."""
    if column in _BOOLEANS:
        flag = _boolean(value)
        if flag is None:
            return None, "%s must be one of %s (or empty), got %r" % (column, "/".join(
                "%s/%s" % pair for pair in zip(_TRUE, _FALSE)), value)
        return flag, None
    if column in _CHOICES:
        for choice in _CHOICES[column]:
            if value.lower() == choice.lower():
                return choice, None
        return None, "%s must be one of %s, got %r" % (column, ", ".join(_CHOICES[column]), value)
    if column == "speed_limit":
        if not re.match(r"^\d+$", value) or int(value) > 10000:
            return None, "speed_limit must be a whole number of Mbit/s from 0 to 10000 (0: no limit), got %r" % value
        return int(value), None
    if column == "verify_port":
        if not re.match(r"^\d+$", value) or not 1 <= int(value) <= 65535:
            return None, "verify_port must be a TCP port from 1 to 65535 (empty: 22 for Linux, 5986 for Windows), got %r" % value
        return int(value), None
    if column == "verify_address":
        if not re.match(r"^[A-Za-z0-9:._-]{1,253}$", value):
            return None, "verify_address must be an IP address or a host name, got %r" % value
        return value, None
    if column == "migration_ip":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return None, "migration_ip must be an IP address, got %r" % value
        return value, None
    if column == "name" and not NAME_RE.match(value):
        return None, ("name %r may only hold letters, digits, Chinese characters, _ and - (1 to 255 characters)"
                      % value)
    if len(value) > 255:
        return None, "%s must be at most 255 characters, got %d" % (column, len(value))
    return value, None


def _resolve_template(name, templates):
    """(template ID, problem) of the template called ``name``."""
    found = [t for t in templates if isinstance(t, dict) and t.get("name") == name]
    if len(found) != 1:
        return None, "template %r matches %s" % (
            name, "no server template" if not found else "%d server templates; use template_id" % len(found))
    # A template that check mode would create has no ID yet: its name stands in.
    return found[0].get("id") or name, None


def _account(line, value, accounts):
    """(account of the line, problem): empty is the only account (or the default one, "", without
    ``accounts``); a name must be one of ``accounts``."""
    if accounts is None:
        if value:
            return "", "%s: names account %r, but the wave has no accounts (set wave_accounts, or leave the column empty)" % (
                _where(line, "account"), value)
        return "", None
    if not value:
        if len(accounts) == 1:
            return accounts[0], None
        return None, "%s: empty, but the wave has %d accounts (%s): name one" % (
            _where(line, "account"), len(accounts), ", ".join(accounts))
    if value not in accounts:
        close = difflib.get_close_matches(value, accounts, n=1)
        return None, "%s: unknown account %r%s (the wave's accounts: %s)" % (
            _where(line, "account"), value, "; did you mean %s?" % close[0] if close else "", ", ".join(accounts))
    return value, None


def _row(line, header, header_line, cells, templates, accounts):
    problems, notes = [], []
    if len(cells) != len(header):
        problems.append("%s: %d cells, but the header (line %d) has %d columns (a missing or extra comma, or an "
                        "unquoted comma inside a cell?)" % (_where(line), len(cells), header_line, len(header)))
        return dict(line=line, source=None, task={}, ok_to_cutover=False, template=None, problems=problems,
                    notes=notes, account=None, ok_to_test=False, verify=True, verify_port=None, verify_address=None,
                    columns=dict((name, cell.strip()) for name, cell in zip(header, cells) if name))
    columns = {}
    for position, (name, cell) in enumerate(zip(header, cells), start=1):
        value = cell.strip()
        if name:
            columns[name] = value
        elif name is not None and value:
            problems.append("%s: a value (%r) in a column without a name" % (_where(line, position), value))
    account, problem = _account(line, columns.get("account", ""), accounts)
    if problem:
        problems.append(problem)
    if isinstance(templates, dict):  # the templates of each account
        templates = templates.get(account) or []
    task, named = {}, {}
    source_cells = [(column, columns[column]) for column in _SOURCE_COLUMNS if columns.get(column)]
    for column, value in source_cells:
        key = _source_key(value) if column == "source" else column
        if key in named and task[key] != value:
            problems.append("%s: names source server %r, but column %s names %r: one line, one server" % (
                _where(line, column), value, named[key], task[key]))
            continue
        named.setdefault(key, column)
        task[key] = value
    source = next((value for _column, value in source_cells), None)
    if source is None and any(column in columns for column in _SOURCE_COLUMNS):
        problems.append("%s: no source server: fill the %s column" % (
            _where(line), " or ".join(column for column in _SOURCE_COLUMNS if column in columns)))
    values = {}
    for column in header:  # left to right, as the user reads the line
        if column in _TASK_COLUMNS + ("ok_to_cutover",) + _VERIFY_COLUMNS and columns.get(column):
            value, problem = _checked_value(column, columns[column])
            if problem:
                problems.append("%s: %s" % (_where(line, column), problem))
            else:
                values[column] = value
    approved = bool(values.pop("ok_to_cutover", False))
    checks = dict(ok_to_test=bool(values.pop("ok_to_test", False)), verify=values.pop("verify", True),
                  verify_port=values.pop("verify_port", None), verify_address=values.pop("verify_address", None))
    for column, option in _TASK_OPTION_OF.items():
        if column in values:
            values[option] = values.pop(column)
    template = columns.get("template") or None
    if template:
        if templates is None:
            raise AnsibleFilterError("%s of the wave plan names template %r: pass templates=[{name, id}] to wave_plan "
                                     "to resolve it" % (_where(line, "template"), template))
        if columns.get("template_id"):
            problems.append("%s: a line has a template or a template_id, not both" % _where(line, "template"))
        else:
            template_id, problem = _resolve_template(template, templates)
            if problem:
                problems.append("%s: %s" % (_where(line, "template"), problem))
            else:
                values["template_id"] = template_id
    target_columns = [column for column in ("template", "template_id", "target_server_id") if columns.get(column)]
    if not target_columns:
        problems.append("%s: needs a target: a template, template_id or target_server_id column" % _where(line))
    elif "target_server_id" in target_columns and len(target_columns) > 1:
        problems.append("%s: a line has either a template (template or template_id) or an existing target server "
                        "(target_server_id), not both" % _where(line, "target_server_id"))
    if columns.get("target_server_id") and not columns.get("target_server_name"):
        problems.append("%s: needed with target_server_id (the name of the existing target server)" % (
            _where(line, "target_server_name")))
    # Continuous sync unless the line says otherwise, so that only the approved cut-over launches a target.
    if columns.get("syncing", "") == "":
        values["syncing"] = True
    elif values.get("syncing") is False:
        # The cut-over counts an empty ok_to_cutover as no; SMS would launch the target all the same.
        if not approved:
            problems.append("%s: syncing is no but ok_to_cutover is %s: SMS would launch the target server as soon "
                            "as the full copy ends, which the line does not approve (make syncing yes or empty, or "
                            "ok_to_cutover yes)" % (_where(line, "syncing"), columns.get("ok_to_cutover") or "empty"))
        else:
            notes.append("%s: %s" % (_where(line, "syncing"), _SYNCING_NO))
    task.update(values)
    row = dict(line=line, source=source, task=task, ok_to_cutover=approved, template=template, problems=problems,
               notes=notes, account=account, columns=columns)
    row.update(checks)
    return row


def _account_names(accounts):
    if accounts is None:
        return None
    if isinstance(accounts, dict):
        accounts = list(accounts)
    if not isinstance(accounts, list) or not accounts or not all(isinstance(name, str) and name for name in accounts):
        raise AnsibleFilterError("wave_plan: accounts must name at least one account (a list of names, or the "
                                 "wave_accounts dict), got %r" % (accounts,))
    return sorted(accounts)


def _over_quota(rows, quota):
    """A problem per account with more than ``quota`` lines: SMS would refuse the agents beyond it."""
    counts = {}
    for row in rows:
        if row["account"] is not None:
            counts[row["account"]] = counts.get(row["account"], 0) + 1
    return ["%s: the plan puts %d servers in flight, more than SMS's %d source servers per account: "
            "split the plan into waves, or spread it over accounts" % (
                "account %s" % name if name else "the account", count, quota)
            for name, count in sorted(counts.items()) if count > quota]


def wave_plan(data, templates=None, accounts=None, quota=_SOURCE_QUOTA):
    """[{line, source, task, ok_to_cutover, ok_to_test, verify, verify_port, verify_address, template, problems,
    notes, account, columns}] of a CSV plan."""
    if templates is not None and not isinstance(templates, (list, dict)):
        raise AnsibleFilterError("wave_plan: templates must be a list of {name, id} (or such lists by account), got %s"
                                 % type(templates).__name__)
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 1:
        raise AnsibleFilterError("wave_plan: quota must be a whole number of at least 1, got %r" % (quota,))
    accounts = _account_names(accounts)
    text, problem = _text_of(data)
    problems = [problem] if problem else []  # of the whole file; the lines are checked all the same
    if text.startswith(_BOM):
        text = text[1:]  # Excel's "CSV UTF-8" begins with a byte-order mark
    rows, header, header_line = [], None, None
    try:
        for line, cells in _records(text):
            if header is None:
                header, header_problems = _header(line, cells)
                problems.extend(header_problems)
                header_line = line
            elif any(cell.strip() for cell in cells):  # Excel leaves lines of empty cells after cleared rows
                rows.append(_row(line, header, header_line, cells, templates, accounts))
    except _PlanError as exc:
        problems.append(str(exc))
    problems.extend(_over_quota(rows, quota))
    if header is None and not problems:
        problems.append("the plan is empty: it needs a header line and one line per server")
    elif not rows and not problems:
        problems.append("%s: the plan has a header but no server line" % _where(header_line))
    if problems:
        problems.extend(problem for row in rows for problem in row["problems"])
        problems.sort(key=_line_of)  # stable: a line's problems stay left to right
        raise AnsibleFilterError("the wave plan cannot be read, %d problem(s):\n- %s" % (len(problems), "\n- ".join(problems)))
    return rows


def _line_of(problem):
    found = re.match(r"line (\d+)\b", problem)
    return int(found.group(1)) if found else 0


_ROW_REFERENCE = re.compile(r"\brow (\d+)\b")


def _plan_column(row, option):
    """The plan column behind a sms_task option of ``row``."""
    if option is None:
        return None
    columns = row.get("columns") or {}
    if option in _SOURCE_OPTIONS and not columns.get(option) and columns.get("source"):
        return "source"
    if option == "template_id" and row.get("template"):
        return "template"
    for column, renamed in _TASK_OPTION_OF.items():
        if option == renamed:
            return column
    return option


def _api_fields(error):
    fields = [("status", error.get("status")), ("error_code", error.get("error_code")),
              ("error_msg", error.get("error_msg")), ("request_id", error.get("request_id"))]
    shown = ", ".join("%s %s" % (name, value) for name, value in fields if value not in (None, ""))
    return shown or error.get("msg") or "no details"


def per_account(result):
    """(account, result) of each account of a registered result: one pair (None, result) for a single
    call, one per item that ran for a call looped over the accounts (the loop variable names the account)."""
    if not isinstance(result, dict):
        return []
    items = result.get("results")
    if isinstance(items, list) and items and all(isinstance(item, dict) and "ansible_loop_var" in item for item in items):
        return [(item.get(item["ansible_loop_var"]), item) for item in items if not item.get("skipped")]
    return [(None, result)]


def _of_account(rows, account):
    return rows if account is None else [row for row in rows if row.get("account") == account]


def wave_problems(rows, task_result=None):
    """Every problem of a wave as sorted texts: the rows' own, sms_task's mapped to lines, and the
    rows sms_task failed on; ``task_result`` is one sms_task call, or one per account (a loop)."""
    if not isinstance(rows, list):
        raise AnsibleFilterError("wave_problems expects the rows of hwcloud.sms.wave_plan, got %s" % type(rows).__name__)
    found = []
    for row in rows:
        found.extend((row["line"], problem) for problem in row.get("problems") or ())
    for account, result in per_account(task_result):
        found.extend(_sms_task_problems(_of_account(rows, account), result, account))
    return [text for _line, text in sorted(found, key=lambda item: item[0])]


def _sms_task_problems(rows, result, account):
    """(line, text) of what one sms_task call (over ``rows``) found wrong."""
    found = []

    def label(index):
        row = rows[index]
        return "line %d (source %s)" % (row["line"], row.get("source")) if row.get("source") else "line %d" % row["line"]

    def lines_for(match):
        number = int(match.group(1))
        return "line %d" % rows[number - 1]["line"] if 0 < number <= len(rows) else match.group(0)

    for entry in result.get("row_problems") or ():
        index = (entry.get("row") or 0) - 1
        if not 0 <= index < len(rows):
            found.append((0, "sms_task: %s" % entry.get("msg")))
            continue
        row = rows[index]
        # The plan's own check already named a bad value of this line; what sms_task says about the
        # values left out is a consequence, not another problem.
        if entry.get("kind") == "value" and row.get("problems"):
            continue
        column = _plan_column(row, entry.get("option"))
        where = label(index) if column is None else "%s, column %s (source %s)" % (
            "line %d" % row["line"], column, row.get("source"))
        found.append((row["line"], "%s: %s" % (where, _ROW_REFERENCE.sub(lines_for, str(entry.get("msg"))))))
    for item in result.get("results") or ():
        if not isinstance(item, dict) or not (item.get("error") or item.get("outcome") == "failed"):
            continue
        index = item.get("index")
        if not isinstance(index, int) or not 0 <= index < len(rows):
            continue
        error = item.get("error") or {}
        what = item.get("attempted") or "the request"
        found.append((rows[index]["line"], "%s: %s failed: %s" % (label(index), what, _api_fields(error))))
    # A call that ended without rows (a failed listing, say) says why in msg; with failed_when: false
    # (as the wave playbook registers it) it is not marked failed, so msg is what tells.
    if result.get("msg") and not result.get("row_problems") and not result.get("results"):
        api = " (%s)" % _api_fields(result) if result.get("error_code") or result.get("status") else ""
        found.append((0, "%ssms_task failed: %s%s" % ("account %s: " % account if account else "", result.get("msg"), api)))
    return found


class FilterModule(object):

    def filters(self):
        return {"wave_plan": wave_plan, "wave_problems": wave_problems}
