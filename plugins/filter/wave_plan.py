# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""hwcloud.sms.wave_plan: the rows of a wave plan (CSV text) as sms_task rows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import re

from ansible.errors import AnsibleFilterError

# Columns copied into the sms_task row as they are (empty cells are left out).
_TASK_COLUMNS = ("name", "template_id", "target_server_id", "target_server_name", "migration_ip", "type",
                 "syncing", "priority", "speed_limit", "start_target_server", "use_public_ip")
_SOURCE_COLUMNS = ("source", "source_name", "source_id", "source_ip")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_ID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_TRUE = ("true", "yes", "y", "1", "x", "on")
_FALSE = ("", "false", "no", "n", "0", "off")


def _source_key(value):
    if _IPV4.match(value) or ":" in value:
        return "source_ip"
    if _ID.match(value):
        return "source_id"
    return "source_name"


def wave_plan(text):
    """[{line, source, task: {sms_task row}, ok_to_cutover, columns: {every cell}}] of a CSV plan."""
    if not isinstance(text, str):
        raise AnsibleFilterError("wave_plan expects the CSV text of the plan, got %s" % type(text).__name__)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise AnsibleFilterError("the wave plan is empty: it needs a header line and one line per server")
    reader = csv.DictReader(io.StringIO("\n".join(lines)), skipinitialspace=True)
    header = [name.strip().lower() for name in reader.fieldnames or ()]
    if not any(name in header for name in _SOURCE_COLUMNS):
        raise AnsibleFilterError("the wave plan needs a column naming the source server: one of %s; it has %s"
                                 % (", ".join(_SOURCE_COLUMNS), ", ".join(header)))
    reader.fieldnames = header
    rows = []
    for number, raw in enumerate(reader, start=2):
        cells = dict((key, (value or "").strip()) for key, value in raw.items() if key)
        task = dict((key, cells[key]) for key in _TASK_COLUMNS if cells.get(key))
        source = cells.get("source")
        if source:
            task[_source_key(source)] = source
        for key in ("source_name", "source_id", "source_ip"):
            if cells.get(key):
                task[key] = cells[key]
        approval = cells.get("ok_to_cutover", "").lower()
        if approval not in _TRUE + _FALSE:
            raise AnsibleFilterError("line %d of the wave plan: ok_to_cutover must be yes or no, got %r"
                                     % (number, cells.get("ok_to_cutover")))
        label = next((task[key] for key in ("source_name", "source_id", "source_ip") if task.get(key)), "")
        rows.append(dict(line=number, source=label, task=task, ok_to_cutover=approval in _TRUE, columns=cells))
    return rows


class FilterModule(object):

    def filters(self):
        return {"wave_plan": wave_plan}
