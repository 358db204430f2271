#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_source_info
short_description: List the source servers registered with Huawei Cloud SMS
version_added: 0.1.0
description:
  - Lists source servers registered with Huawei Cloud Server Migration Service (C(GET /v3/sources)).
  - Without O(limit) and O(offset) it returns every matching source server, paging through
    the API 200 at a time (and splitting the query by state when a listing is larger than
    the API's offsets reach).
  - Every filter is applied by the service.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs the same way in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is no difference to show.
options:
  id:
    description:
      - Return only the source server with this ID.
    type: str
  name:
    description:
      - Source server name to filter on. At most 255 characters.
    type: str
  ip:
    description:
      - IP address of the source server to filter on. At most 255 characters.
    type: str
  state:
    description:
      - Source server state to filter on.
    type: str
    choices: [unavailable, waiting, initialize, replicate, syncing, stopping, stopped, skipping, deleting,
              clearing, cleared, clearfailed, premigready, premiging, premiged, premigfailed, cloning,
              cutovering, finished, error]
  migration_cycle:
    description:
      - Migration stage to filter on.
    type: str
    choices: [checking, setting, replicating, syncing, cutovering, cutovered]
  migproject:
    description:
      - ID of a migration project; only source servers of that project are returned.
    type: str
  connected:
    description:
      - V(true) returns only source servers whose agent is connected to SMS, V(false) only
        the disconnected ones.
    type: bool
  enterprise_project_id:
    description:
      - Enterprise project ID to filter on.
    type: str
  is_consistency_result_exist:
    description:
      - Filter on whether a consistency check result exists for the source server.
    type: bool
  limit:
    description:
      - Return one page of at most this many source servers (1 to 200) instead of all of them.
    type: int
  offset:
    description:
      - Return one page starting at this offset (0 to 65535) instead of all source servers.
    type: int
"""

EXAMPLES = r"""
- name: List every registered source server
  hwcloud.sms.sms_source_info:
    region: ap-southeast-3
  register: fleet

- name: Source servers waiting for migration whose agent is connected
  hwcloud.sms.sms_source_info:
    state: waiting
    connected: true
  register: ready

- name: Look up one source server by ID
  hwcloud.sms.sms_source_info:
    id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
  register: one

- name: Set the connection once for every hwcloud.sms module
  module_defaults:
    group/hwcloud.sms.sms:
      region: ap-southeast-3
      access_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_ACCESS_KEY') }}"
      secret_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SECRET_KEY') }}"
  block:
    - name: Source servers that failed an environment check
      hwcloud.sms.sms_source_info:
        state: unavailable
      register: unavailable

- name: Print how many source servers are in each state
  ansible.builtin.debug:
    msg: "{{ item.0 }}: {{ item.1 | length }}"
  loop: "{{ fleet.source_servers | groupby('state') }}"
  loop_control:
    label: "{{ item.0 }}"
"""

RETURN = r"""
count:
  description:
    - Number of source servers that match the filters, as counted by SMS (not limited by
      O(limit) and O(offset)).
  returned: success
  type: int
  sample: 2
source_servers:
  description:
    - The matching source servers, as the API returns them (C(SourceServersResponseBody)).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Source server ID.
      type: str
      sample: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    ip:
      description: IP address of the source server.
      type: str
      sample: 192.168.0.65
    name:
      description: Source server name.
      type: str
      sample: web-01
    state:
      description: Source server state.
      type: str
      sample: waiting
    connected:
      description: Whether the agent is connected to SMS.
      type: bool
      sample: true
    os_type:
      description: C(LINUX) or C(WINDOWS).
      type: str
      sample: LINUX
    os_version:
      description: OS version.
      type: str
      sample: CENTOS7.6
    migration_cycle:
      description: Migration stage.
      type: str
      sample: checking
    enterprise_project_id:
      description: Enterprise project ID.
      type: str
      sample: "0"
    add_date:
      description: Registration time, milliseconds since the epoch.
      type: int
      sample: 1598238727000
    cpu_quantity:
      description: Number of CPUs.
      type: int
      sample: 2
    memory:
      description: Memory size in bytes.
      type: int
      sample: 4294967296
    current_task:
      description: Summary of the migration task of this source server, or null.
      type: dict
    checks:
      description: Environment check results (C(name), C(result) OK, WARN or ERROR, C(error_code), ...).
      type: list
      elements: dict
    init_target_server:
      description: Recommended target server disk layout.
      type: dict
    replicatesize:
      description: Bytes replicated so far.
      type: int
    totalsize:
      description: Bytes to migrate.
      type: int
    last_visit_time:
      description: Last change of the agent's connection state, milliseconds since the epoch.
      type: int
    state_action_time:
      description: Last change of RV(source_servers[].state), milliseconds since the epoch.
      type: int
    stage_action_time:
      description: Last change of RV(source_servers[].migration_cycle), milliseconds since the epoch.
      type: int
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._client import MAX_OFFSET, MIGRATION_CYCLES, PAGE_SIZE, SOURCE_STATES

_STRING_FILTERS = ("id", "name", "ip", "migproject", "enterprise_project_id")
_FILTERS = _STRING_FILTERS + ("state", "migration_cycle", "connected", "is_consistency_result_exist")


def main():
    module = SmsModule(
        argument_spec=dict(
            id=dict(type="str"),
            name=dict(type="str"),
            ip=dict(type="str"),
            state=dict(type="str", choices=list(SOURCE_STATES)),
            migration_cycle=dict(type="str", choices=list(MIGRATION_CYCLES)),
            migproject=dict(type="str"),
            connected=dict(type="bool"),
            enterprise_project_id=dict(type="str"),
            is_consistency_result_exist=dict(type="bool"),
            limit=dict(type="int"),
            offset=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for name in _STRING_FILTERS:
        if params[name] is not None and len(params[name]) > 255:
            module.fail_json(msg="%s must be at most 255 characters, got %d" % (name, len(params[name])))
    if params["limit"] is not None and not 1 <= params["limit"] <= PAGE_SIZE:
        module.fail_json(msg="limit must be between 1 and %d, got %d" % (PAGE_SIZE, params["limit"]))
    if params["offset"] is not None and not 0 <= params["offset"] <= MAX_OFFSET:
        module.fail_json(msg="offset must be between 0 and %d, got %d" % (MAX_OFFSET, params["offset"]))

    query = dict((name, params[name]) for name in _FILTERS)
    count, records = module.call("Listing source servers failed", module.client.list_sources,
                                 query, limit=params["limit"], offset=params["offset"])
    module.exit_json(changed=False, count=count, source_servers=records)


if __name__ == "__main__":
    main()
