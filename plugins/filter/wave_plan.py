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
                 "syncing", "priority", "speed_limit", "start_target_server", "use_public_ip", "migproject")
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


def _resolve_template(task, name, templates, label):
    """Put the ID of the template called ``name`` into the task; the problem when there is none."""
    if task.get("template_id"):
        return "%s: template and template_id are mutually exclusive" % label
    found = [t for t in templates if t.get("name") == name]
    # Unresolved names still go into the row, so that sms_task does not add "needs a target" to
    # the one real problem; the playbook never creates tasks while there are problems.
    task["template_id"] = name
    if len(found) != 1:
        return "%s: template %r matches %s" % (
            label, name, "no server template" if not found else "%d server templates; use template_id" % len(found))
    if found[0].get("id"):
        task["template_id"] = found[0]["id"]
    return None


def wave_plan(text, templates=None):
    """[{line, source, task: {sms_task row}, ok_to_cutover, template, problems, columns: {every cell}}]
    of a CSV plan; ``templates`` ([{name, id}]) resolves the ``template`` column to template IDs."""
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
        problems = []
        template = cells.get("template") or None
        if template:
            if templates is None:
                raise AnsibleFilterError("line %d of the wave plan names template %r: pass templates=[{name, id}] "
                                         "to wave_plan to resolve it" % (number, template))
            # Labelled as sms_task labels its rows, so that the problems read as one list.
            key = next((key for key in ("source_id", "source_name", "source_ip") if task.get(key)), "source")
            problem = _resolve_template(task, template, templates, "row %d (%s %s)" % (len(rows) + 1, key, task.get(key)))
            if problem:
                problems.append(problem)
        rows.append(dict(line=number, source=label, task=task, ok_to_cutover=approval in _TRUE, template=template,
                         problems=problems, columns=cells))
    return rows


class FilterModule(object):

    def filters(self):
        return {"wave_plan": wave_plan}
