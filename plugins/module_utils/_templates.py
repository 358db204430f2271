# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Server templates (/v3/vm/templates) as sms_template and sms_template_info see them: SMS's
rules for the options, the request bodies, the comparison with what SMS holds and the diff.
Pure functions of the options and the records, so unit tests reach them without a server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import as_bool, check_resource_name
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import changed_fields, without_none

TEMPLATES = "/v3/vm/templates"
# TemplateRequest's attribute_map, in the SDK's order (the only fields a request body holds).
TEMPLATE_FIELDS = ("name", "is_template", "region", "projectid", "target_server_name", "availability_zone",
                   "volumetype", "flavor", "vpc", "nics", "security_groups", "publicip", "disk",
                   "data_volume_type", "target_password", "image_id")
# The fields set from options of the same name.
OPTION_FIELDS = ("is_template", "target_server_name", "availability_zone", "volumetype", "flavor", "vpc",
                 "nics", "security_groups", "publicip", "disk", "data_volume_type", "image_id")
AUTO_CREATE = "autoCreate"
# The network options and the keys SMS needs in each of their entries.
_NEEDED_KEYS = (("vpc", ("id", "cidr")), ("nics", ("id", "name", "cidr")), ("security_groups", ("id", "name")))


def check_template(params):
    """The rules SMS applies to a template, checked before any request so the error names the
    option; raises SmsInputError at the first problem."""
    check_resource_name("name", params["name"], "template name")
    for option in ("nics", "security_groups"):
        items = params[option] or []
        if len(items) > 1 and any(item["id"] == AUTO_CREATE for item in items):
            raise SmsInputError("%s: an entry with id %s must be the only one" % (option, AUTO_CREATE))
    for option, keys in _NEEDED_KEYS:
        value = params[option]
        for index, item in enumerate(value if isinstance(value, list) else [value] if value else []):
            for key in keys:
                if not item[key] or not item[key].strip():
                    where = option if option == "vpc" else "%s[%d]" % (option, index)
                    raise SmsInputError("%s.%s must not be empty: SMS needs %s" % (where, key, " and ".join(keys)))
    if params["publicip"]:
        _check_bandwidth(params["publicip"]["bandwidth_size"])
    _check_disks(params["disk"] or [])


def _check_bandwidth(size):
    step = 1 if size <= 300 else (50 if size <= 1000 else 500)
    if not 1 <= size <= 2000 or size % step:
        raise SmsInputError("publicip.bandwidth_size must be 1 to 2000 Mbit/s, in steps of 1 up to 300, "
                            "50 up to 1000 and 500 above; got %d" % size)


def _check_disks(disks):
    for disk in disks:
        if disk["index"] < 0 or disk["size"] <= 0:
            raise SmsInputError("disk %r: index must be >= 0 and size (GB) greater than 0" % disk["name"])
    indexes = [disk["index"] for disk in disks]
    if len(set(indexes)) != len(indexes):
        raise SmsInputError("disk: every disk needs its own index, got %s" % indexes)


def wanted_fields(params):
    """The TemplateRequest fields the options ask for (the password left out), disks by index."""
    wanted = {"name": params["name"]}
    for option in OPTION_FIELDS:
        if params[option] is not None:
            wanted[option] = without_none(copy.deepcopy(params[option]))
    if wanted.get("disk"):
        wanted["disk"] = sorted(wanted["disk"], key=lambda disk: disk["index"])
    return wanted


def create_body(params, region=None, project_id=None):
    """The TemplateRequest that creates the template: the options, the connection's region and
    project (SMS stores them with the template) and the password when one is set."""
    body = wanted_fields(params)
    if region:
        body["region"] = region
    if project_id:
        body["projectid"] = project_id
    if params["target_password"] is not None:
        body["target_password"] = params["target_password"]
    return body


def create_diff(body):
    """The diff of a creation: every field sent, the password only as "(set)"."""
    return dict(before={}, after=dict(body, target_password="(set)") if "target_password" in body else body)


def _disk_order(disk):
    # SMS may leave out an index: such disks sort last instead of breaking the comparison.
    index = disk.get("index") if isinstance(disk, dict) else None
    return (not isinstance(index, int), index if isinstance(index, int) else 0)


def comparable(template):
    """A template from SMS in request form: booleans as booleans, disks by index, no password."""
    current = dict((key, copy.deepcopy(template.get(key))) for key in TEMPLATE_FIELDS if key != "target_password")
    current["is_template"] = as_bool(current["is_template"])
    if isinstance(current.get("disk"), list):
        current["disk"] = sorted(current["disk"], key=_disk_order)
    return current


def update_plan(current, wanted, new_password=None):
    """(body, changes, diff) of the PUT that turns ``current`` (see comparable) into ``wanted``;
    ``new_password`` when the stored password differs from it. The body carries the whole
    template, so the fields left alone keep their values whatever PUT's semantics."""
    changes = changed_fields(current, wanted)
    body = dict((key, value) for key, value in current.items() if value is not None)
    body.update(wanted)
    diff = dict(before=dict((key, current.get(key)) for key in changes), after=dict((key, wanted[key]) for key in changes))
    if new_password is not None:
        body["target_password"] = new_password
        changes.append("target_password")
        diff["before"]["target_password"], diff["after"]["target_password"] = "(hidden)", "(changed)"
    return body, changes, diff


def shown(template):
    """A template as a module returns it: never with its password."""
    template = dict(template or {})
    template.pop("target_password", None)
    return template
