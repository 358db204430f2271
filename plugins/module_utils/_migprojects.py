# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Migration projects (/v3/migprojects) as sms_migproject sees them: the rules for its options,
the request bodies, which source servers join or leave, and the diff. Pure functions of the
options and the records, so unit tests reach them without a server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import MAX_TEXT, check_resource_name
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import changed_fields

PROJECTS = "/v3/migprojects"
# PostMigProjectBody fields set from options of the same name.
SETTINGS = ("type", "description", "syncing", "speed_limit", "use_public_ip", "exist_server", "start_target_server",
            "start_network_check", "enterprise_project")
_TO_DEFAULT = "purge_sources moves source servers to the default project"


def check_migproject(params):
    """The rules for sms_migproject's options, checked before any request; raises SmsInputError."""
    check_resource_name("name", params["name"], "migration project name")
    if params["speed_limit"] is not None and params["speed_limit"] < 0:
        raise SmsInputError("speed_limit must be 0 (unlimited) or more Mbit/s, got %d" % params["speed_limit"])
    # Unlike a name, a description may be empty or end with a line break (a YAML block).
    if params["description"] is not None and len(params["description"]) > MAX_TEXT:
        raise SmsInputError("description must be at most %d characters, got %d" % (MAX_TEXT, len(params["description"])))
    if any(not entry or not entry.strip() for entry in params["sources"] or []):
        raise SmsInputError("sources must not contain empty entries")
    if params["purge_sources"] and params["sources"] is None:
        raise SmsInputError("purge_sources needs sources (use sources: [] to empty the project)")
    if purging(params) and params["default"]:
        raise SmsInputError(_TO_DEFAULT + ", so it cannot be used with default: true")


def purging(params):
    """Whether the run moves unlisted source servers out of the project."""
    return bool(params["purge_sources"] and params["sources"] is not None and params["state"] == "present")


def source_ids(entries, found):
    """The IDs of the source servers ``entries`` name (IDs or names), in order and once each, from
    ``found``, what _resources.resolve_sources answered for the keys (None, entry)."""
    ids = []
    for entry in entries:
        result = found[(None, entry)]
        if result.get("problem") == "unknown":
            raise SmsInputError("No source server has the ID or the name %r" % entry)
        if result.get("problem") == "ambiguous":
            raise SmsInputError("%d source servers are named %r (ids %s); give the ID instead"
                                % (len(result["ids"]), entry, ", ".join(result["ids"])))
        if result["source"]["id"] not in ids:
            ids.append(result["source"]["id"])
    return ids


def moves(project, projects, members, wanted, purge):
    """(added, removed, default_id): the source servers that join the project (``wanted`` minus
    its ``members``), those that leave it for the default project with ``purge``, and the ID of
    the default project (None when nobody leaves). Raises when the purge has nowhere to go."""
    added = [source_id for source_id in wanted if source_id not in members]
    removed = [source_id for source_id in members if source_id not in wanted] if purge else []
    if purge and project is not None and project.get("isdefault"):
        raise SmsInputError(_TO_DEFAULT + ", but %s is the default project itself" % project["name"])
    default_id = None
    if removed:
        default_id = next((p["id"] for p in projects if p.get("isdefault")), None)
        if default_id is None:
            raise SmsError(_TO_DEFAULT + ", but there is no default project")
    return added, removed, default_id


def wanted_settings(params):
    return dict((key, params[key]) for key in SETTINGS if params[key] is not None)


def create_body(params, region):
    """The PostMigProjectBody that creates the project; raises when SMS would refuse it."""
    if params["type"] is None:
        raise SmsInputError("type is required to create migration project %s" % params["name"])
    if not region:
        raise SmsInputError("region is required to create migration project %s (SMS stores it with the project)"
                            % params["name"])
    body = dict(wanted_settings(params), name=params["name"], region=region)
    if params["default"] is not None:
        body["isdefault"] = params["default"]
    return body


def update_plan(project, params):
    """(update, changes, diff) for an existing ``project``: the PUT body of the settings that differ
    and every change with its diff, ``isdefault`` included (SMS sets it through its own call)."""
    wanted = wanted_settings(params)
    changes = changed_fields(project, wanted)
    diff = dict(before=dict((key, project.get(key)) for key in changes), after=dict((key, wanted[key]) for key in changes))
    if params["default"] is False and project.get("isdefault"):
        raise SmsInputError("Migration project %s is the default project; SMS cannot unset the default: make "
                            "another project the default (default: true there) instead" % params["name"])
    update = dict((key, wanted[key]) for key in changes)
    if params["default"] and not project.get("isdefault"):
        changes.append("isdefault")
        diff["before"]["isdefault"], diff["after"]["isdefault"] = False, True
    return update, changes, diff


def add_sources_diff(diff, members, added, removed):
    """The source servers before and after, in ``diff``, when any join or leave."""
    if added or removed:
        diff["before"]["sources"] = sorted(members)
        diff["after"]["sources"] = sorted(set(members) - set(removed) | set(added))
    return diff
