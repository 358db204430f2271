#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_target_info
short_description: List the servers Huawei Cloud SMS launched (test clones and cut-over targets) with their addresses
version_added: 1.1.0
description:
  - Lists the target servers Huawei Cloud Server Migration Service launched for its migration
    tasks, with the address to check them on, for example to verify a test clone before the
    cut-over or a target after it.
  - A cut-over target (C(kind=cutover)) is the target server of a task whose target was launched or
    is being launched (the phases V(cutting_over) and V(finished) of M(hwcloud.sms.sms_task_info));
    its address is the task's C(target_server.ip). It may be V(null) while SMS has not reported it yet.
  - A test clone (C(kind=clone)) is the clone of a task whose C(clone_server.clone_state) is
    V(FINISHED) (made by the C(clone_test) operation of M(hwcloud.sms.sms_task_action)). SMS keeps no
    address for a clone, so the module asks ECS for it (ShowServer, C(GET /v1/{project_id}/cloudservers/{id})
    at O(ecs_endpoint)). A clone that ECS no longer knows (HTTP 404, the clone was deleted) is not listed;
    any other ECS error fails the module, naming the task.
  - It costs one complete listing of C(GET /v3/tasks), plus one ECS request per test clone that passes the
    filters (up to O(workers) at the same time). Cut-over targets cost no further request.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
  - hwcloud.sms.sms.INFO_MODULE
options:
  task_ids:
    description:
      - Only the targets of these tasks.
    type: list
    elements: str
  name_prefix:
    description:
      - Only the targets of tasks whose name starts with this text (for example the wave's prefix, V(wave1-)).
    type: str
  source_names:
    description:
      - Only the targets of the source servers with these names.
    type: list
    elements: str
  kinds:
    description:
      - Which targets to list; V(clone) for test clones, V(cutover) for cut-over targets.
    type: list
    elements: str
    choices: [clone, cutover]
    default: [clone, cutover]
  workers:
    description:
      - How many ECS requests (one per test clone) are sent at the same time, 1 to 32.
    type: int
    default: 8
"""

EXAMPLES = r"""
- name: The test clones of wave 1, to check them before the cut-over
  hwcloud.sms.sms_target_info:
    name_prefix: wave1-
    kinds: [clone]
  register: clones

- name: Add them to the play's inventory
  ansible.builtin.add_host:
    name: "{{ item.name }}"
    groups: wave1_clones
    ansible_host: "{{ item.ip }}"
    sms_task_id: "{{ item.task_id }}"
  loop: "{{ clones.targets | selectattr('ip') }}"
  loop_control:
    label: "{{ item.name }} ({{ item.ip }})"

- name: The cut-over targets of two source servers
  hwcloud.sms.sms_target_info:
    source_names: [web-01, db-01]
    kinds: [cutover]
  register: launched
"""

RETURN = r"""
targets:
  description: The launched targets that pass the filters, cut-over targets first, each kind in the order SMS lists the tasks.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description: V(cutover) for a cut-over target, V(clone) for a test clone.
      type: str
      sample: clone
    task_id:
      description: The ID of the migration task.
      type: str
      sample: 6d2ff5b1-1f58-4f5c-9a7e-2d1c0f6c6a01
    task_name:
      description: The name of the migration task.
      type: str
      sample: wave1-web-01
    source_id:
      description: The ID of the source server.
      type: str
    source_name:
      description: The name of the source server.
      type: str
      sample: web-01
    vm_id:
      description: The ECS ID of the target (C(target_server.vm_id)) or of the clone (C(clone_server.vm_id)).
      type: str
    name:
      description: The name of the target server, or of the clone (ECS's name, else SMS's C(clone_server.name)).
      type: str
      sample: web-01-clone
    ip:
      description:
        - The target's IPv4 address (a cut-over target's C(target_server.ip); a clone's first fixed IPv4 address in ECS).
        - V(null) when none is known yet.
      type: str
      sample: 192.168.0.17
  sample:
    - kind: clone
      task_id: 6d2ff5b1-1f58-4f5c-9a7e-2d1c0f6c6a01
      task_name: wave1-web-01
      source_id: 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0
      source_name: web-01
      vm_id: 3f0e8c1a-52d4-4c6e-9f1b-7a2d5e6c8b90
      name: web-01-clone
      ip: 192.168.0.17
count:
  description: The number of targets returned.
  returned: success
  type: int
  sample: 2
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_id, check_optional_text, check_workers
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, step
from ansible_collections.hwcloud.sms.plugins.module_utils._targets import KINDS, check_kinds, launched_targets, select_tasks
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import list_tasks


def list_targets(module):
    """The result: the launched targets of the tasks that pass the filters."""
    params = module.params
    for index, task_id in enumerate(params["task_ids"] or ()):
        check_id("task_ids[%d]" % index, task_id)
    for index, name in enumerate(params["source_names"] or ()):
        check_optional_text("source_names[%d]" % index, name)
    check_optional_text("name_prefix", params["name_prefix"])
    check_workers("workers", params["workers"])
    check_kinds(params["kinds"])
    with step("Listing the migration tasks failed"):
        tasks = list_tasks(module.client)
    tasks = select_tasks(tasks, params["task_ids"], params["name_prefix"], params["source_names"])
    targets = launched_targets(module.client, tasks, params["kinds"], params["workers"])
    return dict(changed=False, targets=targets, count=len(targets))


def main():
    module = SmsModule(
        argument_spec=dict(
            task_ids=dict(type="list", elements="str"),
            name_prefix=dict(type="str"),
            source_names=dict(type="list", elements="str"),
            kinds=dict(type="list", elements="str", choices=list(KINDS), default=list(KINDS)),
            workers=dict(type="int", default=8),
        ),
        supports_check_mode=True,
    )
    try:
        result = list_targets(module)
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
