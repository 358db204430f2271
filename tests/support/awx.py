# -*- coding: utf-8 -*-
"""What AWX does with `ansible-inventory --list --export` output, replayed on the real output.

AWX's importer (awx/main/management/commands/inventory_import.py) loads the JSON as it is: every
host's variables are stored verbatim (a {"__ansible_unsafe": ...} wrapper becomes a dict in the
database), `enabled_var` / `instance_id_var` are looked up with dots walking nested dicts, the
enabled flag is `str(enabled_value).lower() == str(value).lower()` (or bool(value) without an
enabled_value) and the instance id is the text of the value. Nothing here strips wrappers: that is
exactly what the importer does not do. For jobs AWX hands the stored data back to ansible as a
script inventory, which `awx_job_inventory_script` reproduces.
"""

import json
import os
import sys

_MISSING = object()


def _walk(variables, dotted):
    value = variables
    for key in dotted.split("."):
        if not isinstance(value, dict):
            return _MISSING
        value = value.get(key, _MISSING)
        if value is _MISSING:
            return _MISSING
    return value


def _enabled(variables, enabled_var, enabled_value):
    if not enabled_var:
        return None
    value = _walk(variables, enabled_var)
    if value is _MISSING:
        return None
    if enabled_value is not None:
        return str(enabled_value).lower() == str(value).lower()
    if not isinstance(value, bool):
        raise ValueError("AWX cannot read %r as an enabled flag without enabled_value" % (value,))
    return value


def _instance_id(variables, instance_id_var):
    if not instance_id_var:
        return ""
    value = _walk(variables, instance_id_var)
    return "" if value is _MISSING else str(value)


def awx_import(data, enabled_var=None, enabled_value=None, instance_id_var=None):
    """{"hosts": {name: {"variables", "enabled", "instance_id"}}, "groups": {name: {"hosts", "children"}}}
    as AWX would store them from ``data`` (the parsed --list --export JSON)."""
    if not isinstance(data, dict):
        raise ValueError("AWX requires a JSON object, got %s" % type(data).__name__)
    hostvars = data.get("_meta", {}).get("hostvars", {})
    groups, host_names = {}, set(hostvars)
    for name, group in data.items():
        if name == "_meta":
            continue
        group = group or {}
        groups[name] = {"hosts": list(group.get("hosts", [])), "children": list(group.get("children", []))}
        host_names.update(groups[name]["hosts"])
    hosts = {}
    for name in host_names:
        # AWX keeps the variables as a JSON document: a round trip through json is what it stores.
        variables = json.loads(json.dumps(hostvars.get(name, {})))
        hosts[name] = {"variables": variables, "enabled": _enabled(variables, enabled_var, enabled_value),
                       "instance_id": _instance_id(variables, instance_id_var)}
    return {"hosts": hosts, "groups": groups}


def awx_job_inventory_script(imported, path):
    """An executable inventory script printing the imported inventory the way AWX gives it to a job
    (groups with hosts and children, hostvars in _meta)."""
    document = {"_meta": {"hostvars": dict((name, host["variables"]) for name, host in imported["hosts"].items())}}
    for name, group in imported["groups"].items():
        document[name] = {"hosts": group["hosts"], "children": group["children"]}
    data_path = str(path) + ".json"
    with open(data_path, "w") as handle:
        json.dump(document, handle)
    with open(str(path), "w") as handle:
        handle.write("#!%s\nimport sys\nif '--host' in sys.argv:\n    print('{}')\nelse:\n"
                     "    sys.stdout.write(open(%r).read())\n" % (sys.executable, data_path))
    os.chmod(str(path), 0o755)
    return str(path)
