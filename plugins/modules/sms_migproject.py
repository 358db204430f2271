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
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, step
from ansible_collections.hwcloud.sms.plugins.module_utils._migprojects import (
    PROJECTS, add_sources_diff, check_migproject, create_body, moves, purging, source_ids, update_plan)
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import (
    NamedResource, list_every, resolve_sources)


def argument_spec():
    return dict(
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
    )


class SmsMigProject(NamedResource):
    what = "migration project"
    result_key = "migproject"
    collection = PROJECTS

    def __init__(self, module):
        super(SmsMigProject, self).__init__(module)
        self.projects = []
        self.extra = dict(sources_added=[], sources_removed=[])

    def _check(self):
        check_migproject(self.params)

    def _list(self):
        with step("Listing migration projects failed"):
            self.projects = list_every(self.client, PROJECTS, "migprojects")
        return self.projects

    def present(self):
        # Every source server, the members and where purged ones go are known before the first write,
        # so a typo changes nothing.
        entries = self.params["sources"] or []
        with step("Looking up the source servers failed"):
            found = resolve_sources(self.client, [(None, entry) for entry in entries])
        wanted = source_ids(entries, found)
        members = []
        if self.params["sources"] is not None and self.current is not None:
            with step("Listing the source servers of project %s failed" % self.name):
                members = [s["id"] for s in self.client.list_sources({"migproject": self.current["id"]})[1]]
        added, removed, default_id = moves(self.current, self.projects, members, wanted, purging(self.params))
        super(SmsMigProject, self).present()
        for source_id, target in [(s, self.record["id"]) for s in added] + [(s, default_id) for s in removed]:
            self._write("Moving source server %s into migration project %s failed" % (source_id, target),
                        "PUT", self.client.path("/v3/sources/{0}", source_id), {"migprojectid": target})
        if self.params["sources"] is not None:
            add_sources_diff(self.diff, members, added, removed)
        self.changed = bool(self.changed or added or removed)
        self.extra = dict(sources_added=added, sources_removed=removed)

    def _create(self):
        body = create_body(self.params, self.client.region)
        self.changed, self.changes, self.record = True, sorted(body), dict(body, id=None)
        if not self.module.check_mode:
            answer = self._write("Creating migration project %s failed" % self.name, "POST", PROJECTS, body)
            self.record = self._read("Reading migration project %s failed" % self.name, self._path(answer["id"]))
            self.record["id"] = answer["id"]
        self.diff = dict(before={}, after=dict(self.record))

    def _update(self):
        update, self.changes, self.diff = update_plan(self.current, self.params)
        self.changed, self.record = bool(self.changes), dict(self.current, **self.diff["after"])
        if update:
            self._write("Updating migration project %s failed" % self.name, "PUT", self._path(self.current["id"]), update)
        if "isdefault" in self.changes:
            self._write("Making migration project %s the default failed" % self.name,
                        "PUT", self._path(self.current["id"], "/default"))

    def _delete(self):
        project = self.current
        if project.get("isdefault"):
            raise SmsError("Migration project %s (%s) is the default project, which SMS does not delete: make "
                           "another project the default first (default: true)" % (project["name"], project["id"]))
        with step("Listing the source servers of project %s failed" % project["id"]):
            count, remaining = self.client.list_sources({"migproject": project["id"]}, limit=10, offset=0)
        if count:
            raise SmsError("Migration project %s still has %d source server(s) (%s%s); SMS deletes only empty "
                           "projects: move them to another project (hwcloud.sms.sms_source migproject, or "
                           "sources/purge_sources here) or delete them first"
                           % (project["name"], count, ", ".join(s.get("name") or s["id"] for s in remaining),
                              ", ..." if count > len(remaining) else ""), source_count=count)
        self._write("Deleting migration project %s failed" % project["id"], "DELETE", self._path(project["id"]))
        self.changed, self.record, self.diff = True, project, dict(before=project, after={})


def main():
    module = SmsModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        result = SmsMigProject(module).run()
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
