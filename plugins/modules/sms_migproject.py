#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_migproject
short_description: Create, update and delete Huawei Cloud SMS migration projects and their source servers
version_added: 1.0.0
description:
  - Manages a migration project of Huawei Cloud Server Migration Service (SMS) (C(/v3/migprojects)),
    the defaults of migration settings (type, continuous sync, speed limit, public IP, ...) for a group
    of source servers, and which source servers belong to it.
  - Projects are found by O(name), which must be unique. The module creates the project, updates the
    settings that differ from the options, makes it the default project with O(default=true), and
    moves source servers into it with O(sources).
  - SMS deletes only projects without source servers and never the default project; O(state=absent)
    checks both first and fails naming the source servers that remain.
  - The project's C(region) is the connection's O(region).
  - The create-task request has no project field; a task takes the project's settings only through
    the playbook or module that creates it.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: Reads the project and its source servers, reports what would change and changes nothing.
  diff_mode:
    support: full
    description: Shows the settings that change and the source servers that join or leave.
options:
  name:
    description:
      - Name of the project, its key. 1 to 255 Chinese characters, letters, digits, C(_) or C(-).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the project, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - Migration type of the project's tasks. Required to create a project.
    type: str
    choices: [MIGRATE_BLOCK, MIGRATE_FILE]
  description:
    description: Description, at most 255 characters.
    type: str
  syncing:
    description: Whether tasks keep synchronizing (continuous sync) after the full replication.
    type: bool
  speed_limit:
    description: Migration speed limit in Mbit/s; V(0) means unlimited.
    type: int
  use_public_ip:
    description: Whether tasks migrate over the target server's public IP.
    type: bool
  exist_server:
    description: Whether tasks migrate onto existing servers.
    type: bool
  start_target_server:
    description: Whether the target server is started after the migration.
    type: bool
  start_network_check:
    description: Whether tasks check the network before migrating.
    type: bool
  enterprise_project:
    description: Name of the enterprise project.
    type: str
  default:
    description:
      - V(true) makes this project the default one, where newly registered source servers go
        (C(PUT /v3/migprojects/{id}/default)).
      - SMS cannot unset the default; V(false) fails when the project is the default, to make
        another project the default instead.
    type: bool
  sources:
    description:
      - Source servers that belong to the project, by ID or by (unique) name. Those not in it yet are
        moved into it (C(PUT /v3/sources/{id}) with C(migprojectid)).
    type: list
    elements: str
  purge_sources:
    description:
      - With O(sources), also move source servers of this project that are not listed into the
        default project.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A project for the first wave, continuous sync, 300 Mbit/s, private network
  hwcloud.sms.sms_migproject:
    name: wave-1
    type: MIGRATE_FILE
    syncing: true
    speed_limit: 300
    use_public_ip: false
    sources: [web-01, web-02, 0d5b0f0e-3c9e-4d2a-9c1f-6b8e2a7d4c11]
  register: wave1

- name: New registrations go to this project
  hwcloud.sms.sms_migproject:
    name: wave-1
    default: true

- name: Exactly these servers, the others back to the default project
  hwcloud.sms.sms_migproject:
    name: wave-1
    sources: "{{ groups['wave1'] }}"
    purge_sources: true

- name: Delete the project once its servers have moved on
  hwcloud.sms.sms_migproject:
    name: wave-1
    state: absent
"""

RETURN = r"""
migproject:
  description:
    - The project as SMS returns it (C(MigprojectsResponseBody)). In check mode, for a project that would be
      created, the fields that would be sent and C(id) V(null). After O(state=absent), the deleted project or V(null).
  returned: always
  type: dict
  sample:
    id: 9a1c7e2b5d8f4a6c8e0b2d4f6a8c0e1f
    name: wave-1
    description: ""
    isdefault: false
    region: ap-southeast-3
    type: MIGRATE_FILE
    syncing: true
    speed_limit: 300
    use_public_ip: false
    exist_server: false
    start_target_server: true
    start_network_check: false
    enterprise_project: default
  contains:
    id:
      description: Project ID, the C(migproject) filter of M(hwcloud.sms.sms_source_info).
      type: str
    name:
      description: Project name.
      type: str
    description:
      description: Project description.
      type: str
    isdefault:
      description: Whether this is the default project, which newly registered source servers join.
      type: bool
    region:
      description: Region of the project.
      type: str
    type:
      description: Default migration type of the project's tasks.
      type: str
      choices: [MIGRATE_BLOCK, MIGRATE_FILE]
    syncing:
      description: Whether the tasks keep synchronizing after the first full replication.
      type: bool
    speed_limit:
      description: Migration speed limit in Mbit/s (V(0) is no limit).
      type: int
    use_public_ip:
      description: Whether migration uses the target server's public IP.
      type: bool
    exist_server:
      description: Whether the tasks migrate to existing servers.
      type: bool
    start_target_server:
      description: Whether the target server is started after the migration.
      type: bool
    start_network_check:
      description: Whether network quality checks are enabled.
      type: bool
    enterprise_project:
      description: Name of the enterprise project the project belongs to.
      type: str
changed_fields:
  description: Names of the API fields that were (or would be) sent because they differ.
  returned: success
  type: list
  elements: str
  sample: [speed_limit]
sources_added:
  description: IDs of the source servers moved (or in check mode to be moved) into the project.
  returned: success
  type: list
  elements: str
  sample: [a7f2c4e6-1b3d-4f5a-8c9e-0d2b4f6a8c10]
sources_removed:
  description: IDs of the source servers moved (or to be moved) to the default project by O(purge_sources).
  returned: success
  type: list
  elements: str
  sample: [c3e5a7b9-2d4f-4a6c-8e0a-1b3d5f7a9c21]
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import (
    changed_fields, list_every, one_named, resolve_sources)
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_resource_name

PROJECTS = "/v3/migprojects"
# PostMigProjectBody fields set from options of the same name.
SETTINGS = ("type", "description", "syncing", "speed_limit", "use_public_ip", "exist_server", "start_target_server",
            "start_network_check", "enterprise_project")


def members(client, project_id):
    return client.list_sources({"migproject": project_id})[1]


def validate(module):
    params = module.params
    module.call(None, check_resource_name, "name", params["name"], "migration project name")
    if params["speed_limit"] is not None and params["speed_limit"] < 0:
        module.fail_json(msg="speed_limit must be 0 (unlimited) or more Mbit/s, got %d" % params["speed_limit"])
    if params["description"] is not None and len(params["description"]) > 255:
        module.fail_json(msg="description must be at most 255 characters, got %d" % len(params["description"]))
    for entry in params["sources"] or []:
        if not entry or not entry.strip():
            module.fail_json(msg="sources must not contain empty entries")
    if params["purge_sources"] and params["sources"] is None:
        module.fail_json(msg="purge_sources needs sources (use sources: [] to empty the project)")


def delete(module, client, project):
    if project.get("isdefault"):
        module.fail_json(msg="Migration project %s (%s) is the default project, which SMS does not delete: make "
                             "another project the default first (default: true)" % (project["name"], project["id"]))
    count, remaining = module.call("Listing the source servers of project %s failed" % project["id"],
                                   client.list_sources, {"migproject": project["id"]}, limit=10, offset=0)
    if count:
        module.fail_json(msg="Migration project %s still has %d source server(s) (%s%s); SMS deletes only empty "
                             "projects: move them to another project (hwcloud.sms.sms_source migproject, or "
                             "sources/purge_sources here) or delete them first"
                             % (project["name"], count, ", ".join(s.get("name") or s["id"] for s in remaining),
                                ", ..." if count > len(remaining) else ""), source_count=count)
    if not module.check_mode:
        module.call("Deleting migration project %s failed" % project["id"], client.request,
                    "DELETE", client.path(PROJECTS + "/{0}", project["id"]))
    module.exit_json(changed=True, migproject=project, changed_fields=[], sources_added=[], sources_removed=[],
                     diff=dict(before=project, after={}))


def main():
    module = SmsModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            type=dict(type="str", choices=["MIGRATE_BLOCK", "MIGRATE_FILE"]),
            description=dict(type="str"),
            syncing=dict(type="bool"),
            speed_limit=dict(type="int"),
            use_public_ip=dict(type="bool"),
            exist_server=dict(type="bool"),
            start_target_server=dict(type="bool"),
            start_network_check=dict(type="bool"),
            enterprise_project=dict(type="str"),
            default=dict(type="bool"),
            sources=dict(type="list", elements="str"),
            purge_sources=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    validate(module)
    purging = params["purge_sources"] and params["sources"] is not None and params["state"] == "present"
    if purging and params["default"]:
        module.fail_json(msg="purge_sources moves source servers to the default project, so it cannot be used "
                             "with default: true")
    client = module.client
    name = params["name"]
    projects = module.call("Listing migration projects failed", list_every, client, PROJECTS, "migprojects")
    project = module.call(None, one_named, projects, name, "migration project")

    if params["state"] == "absent":
        if project is None:
            module.exit_json(changed=False, migproject=None, changed_fields=[], sources_added=[], sources_removed=[])
        delete(module, client, project)

    # Resolve every source before changing anything, so a typo changes nothing.
    entries = params["sources"] or []
    found = module.call("Looking up the source servers failed", resolve_sources, client, [(None, entry) for entry in entries])
    source_ids = []
    for entry in entries:
        result = found[(None, entry)]
        if result.get("problem") == "unknown":
            module.fail_json(msg="No source server has the ID or the name %r" % entry)
        if result.get("problem") == "ambiguous":
            module.fail_json(msg="%d source servers are named %r (ids %s); give the ID instead"
                             % (len(result["ids"]), entry, ", ".join(result["ids"])))
        if result["source"]["id"] not in source_ids:
            source_ids.append(result["source"]["id"])
    # Members, the servers to purge and where they go, all known before the first write.
    current = []
    if params["sources"] is not None and project is not None:
        current = [s["id"] for s in module.call("Listing the source servers of project %s failed" % name,
                                                members, client, project["id"])]
    added = [source_id for source_id in source_ids if source_id not in current]
    removed = [source_id for source_id in current if source_id not in source_ids] if purging else []
    default_id = None
    if purging and project is not None and project.get("isdefault"):
        module.fail_json(msg="purge_sources moves source servers to the default project, but %s is the default "
                             "project itself" % name)
    if removed:
        default_id = next((p["id"] for p in projects if p.get("isdefault")), None)
        if default_id is None:
            module.fail_json(msg="purge_sources moves source servers to the default project, but there is no "
                                 "default project")

    wanted = dict((key, params[key]) for key in SETTINGS if params[key] is not None)
    created = project is None
    if created:
        if params["type"] is None:
            module.fail_json(msg="type is required to create migration project %s" % name)
        if not client.region:
            module.fail_json(msg="region is required to create migration project %s (SMS stores it with the project)" % name)
        body = dict(wanted, name=name, region=client.region)
        if params["default"] is not None:
            body["isdefault"] = params["default"]
        changes = sorted(body)
        project = dict(body, id=None)
        if not module.check_mode:
            answer = module.call("Creating migration project %s failed" % name, client.request, "POST", PROJECTS, body=body)
            project = module.call("Reading migration project %s failed" % name, client.request,
                                  "GET", client.path(PROJECTS + "/{0}", answer["id"]))
            project["id"] = answer["id"]
        diff = dict(before={}, after=dict(project))
    else:
        changes = changed_fields(project, wanted)
        before = dict((key, project.get(key)) for key in changes)
        after = dict((key, wanted[key]) for key in changes)
        if params["default"] is False and project.get("isdefault"):
            module.fail_json(msg="Migration project %s is the default project; SMS cannot unset the default: make "
                                 "another project the default (default: true there) instead" % name)
        if params["default"] and not project.get("isdefault"):
            changes.append("isdefault")
            before["isdefault"], after["isdefault"] = False, True
        if changes and not module.check_mode:
            update = dict((key, wanted[key]) for key in changes if key != "isdefault")
            if update:
                module.call("Updating migration project %s failed" % name, client.request,
                            "PUT", client.path(PROJECTS + "/{0}", project["id"]), body=update)
            if "isdefault" in changes:
                module.call("Making migration project %s the default failed" % name, client.request,
                            "PUT", client.path(PROJECTS + "/{0}/default", project["id"]))
        project = dict(project, **after)
        diff = dict(before=before, after=after)

    if params["sources"] is not None:
        if not module.check_mode:
            for source_id, target in [(s, project["id"]) for s in added] + [(s, default_id) for s in removed]:
                module.call("Moving source server %s into migration project %s failed" % (source_id, target),
                            client.request, "PUT", client.path("/v3/sources/{0}", source_id), body={"migprojectid": target})
        if added or removed:
            diff["before"]["sources"] = sorted(current)
            diff["after"]["sources"] = sorted(set(current) - set(removed) | set(added))
    module.exit_json(changed=bool(created or changes or added or removed), migproject=project, changed_fields=changes,
                     sources_added=added, sources_removed=removed, diff=diff)


if __name__ == "__main__":
    main()
