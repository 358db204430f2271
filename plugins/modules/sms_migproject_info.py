#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_migproject_info
short_description: List Huawei Cloud SMS migration projects
version_added: 1.0.0
description:
  - Lists the migration projects of Huawei Cloud Server Migration Service (C(GET /v3/migprojects)),
    every page of them, optionally with the IDs of their source servers.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
  - hwcloud.sms.sms.INFO_MODULE
options:
  name:
    description: Only the project with exactly this name.
    type: str
  id:
    description: Only the project with this ID.
    type: str
  default:
    description: Only the default project.
    type: bool
    default: false
  include_sources:
    description:
      - Add C(source_ids), the IDs of each project's source servers (one C(GET /v3/sources) listing per project).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Every migration project
  hwcloud.sms.sms_migproject_info:
  register: projects

- name: The default project and its source servers
  hwcloud.sms.sms_migproject_info:
    default: true
    include_sources: true
  register: default_project

- name: How many servers it holds
  ansible.builtin.debug:
    msg: "{{ default_project.migprojects[0].name }}: {{ default_project.migprojects[0].source_ids | length }}"
"""

RETURN = r"""
migprojects:
  description: The matching projects as SMS lists them (C(MigprojectsResponseBody)).
  returned: success
  type: list
  elements: dict
  sample:
    - id: 9a1c7e2b5d8f4a6c8e0b2d4f6a8c0e1f
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
      source_ids: [a7f2c4e6-1b3d-4f5a-8c9e-0d2b4f6a8c10]
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
    source_ids:
      description: IDs of the project's source servers.
      type: list
      elements: str
      returned: with O(include_sources=true)
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_optional_text
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, step
from ansible_collections.hwcloud.sms.plugins.module_utils._migprojects import PROJECTS
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import list_every


def list_migprojects(module):
    """The result: the projects matching the filters, each with its source_ids when asked for."""
    params = module.params
    for option in ("name", "id"):
        check_optional_text(option, params[option])
    with step("Listing migration projects failed"):
        projects = list_every(module.client, PROJECTS, "migprojects")
    selected = [p for p in projects
                if (params["name"] is None or p.get("name") == params["name"])
                and (params["id"] is None or p.get("id") == params["id"])
                and (not params["default"] or p.get("isdefault"))]
    for project in selected if params["include_sources"] else []:
        with step("Listing the source servers of migration project %s failed" % project["id"]):
            project["source_ids"] = [source["id"] for source in module.client.list_sources({"migproject": project["id"]})[1]]
    return dict(changed=False, migprojects=selected)


def main():
    module = SmsModule(
        argument_spec=dict(
            name=dict(type="str"),
            id=dict(type="str"),
            default=dict(type="bool", default=False),
            include_sources=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result = list_migprojects(module)
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
