#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_template_info
short_description: List Huawei Cloud SMS server templates
version_added: 1.0.0
description:
  - Lists the server templates of Huawei Cloud Server Migration Service (C(GET /v3/vm/templates)),
    every page of them.
  - The filters are sent to SMS; O(name) is then matched exactly, because SMS may match parts of names.
  - Target passwords are never returned.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
  - hwcloud.sms.sms.INFO_MODULE
options:
  name:
    description: Only the template with exactly this name.
    type: str
  id:
    description: Only the template with this ID.
    type: str
  availability_zone:
    description: Only templates for this availability zone.
    type: str
  template_region:
    description:
      - Only templates for this region (sent as the API's C(region) filter; the connection's O(region)
        chooses the SMS endpoint).
    type: str
"""

EXAMPLES = r"""
- name: Every server template
  hwcloud.sms.sms_template_info:
  register: all_templates

- name: The template a wave uses
  hwcloud.sms.sms_template_info:
    name: wave1-web
  register: web

- name: Its ID
  ansible.builtin.debug:
    msg: "{{ web.templates[0].id }}"
  when: web.templates | length == 1
"""

RETURN = r"""
templates:
  description:
    - The matching templates as SMS returns them (C(TemplateResponseBody)), without C(target_password).
  returned: success
  type: list
  elements: dict
  sample:
    - id: 2c0689c860ad4728a497c91ec0844384
      name: wave1-web
      is_template: "true"
      region: ap-southeast-3
      projectid: 0b1f8d6e7b0a4c3d9e2f1a0b9c8d7e6f
      availability_zone: ap-southeast-3a
      flavor: s6.large.2
      volumetype: SAS
      vpc: {id: autoCreate, name: vpc-sms, cidr: 192.168.0.0/16}
      nics: [{id: autoCreate, name: subnet-sms, cidr: 192.168.0.0/24, ip: null}]
      security_groups: [{id: autoCreate, name: sg-sms}]
      publicip: {type: 5_bgp, bandwidth_size: 100, bandwidth_share_type: PER}
      disk: [{id: 0, index: 0, name: system, disktype: SAS, size: 40, device_use: BOOT}]
  contains:
    id:
      description: Template ID, the C(vm_template_id) of a migration task.
      type: str
    name:
      description: Template name.
      type: str
    is_template:
      description: Whether the template is generic, that is used by no task (V("true") or V("false"), a string as SMS returns it).
      type: str
    region:
      description: Region of the target servers.
      type: str
    projectid:
      description: Project ID of the target servers.
      type: str
    target_server_name:
      description: Name of the target server.
      type: str
    availability_zone:
      description: Availability zone of the target server.
      type: str
    flavor:
      description: Flavor of the target server.
      type: str
    volumetype:
      description: Disk type of the target server's disks (for example V(SAS), V(SSD), V(SATA)).
      type: str
    data_volume_type:
      description: Disk type of the data disks.
      type: str
    image_id:
      description: ID of the image chosen for the target server.
      type: str
    vpc:
      description: The VPC of the target server (ID V(autoCreate) when SMS creates one).
      type: dict
      contains:
        id:
          description: VPC ID.
          type: str
        name:
          description: VPC name.
          type: str
        cidr:
          description: VPC CIDR block.
          type: str
    nics:
      description: The subnets (network interfaces) of the target server.
      type: list
      elements: dict
      contains:
        id:
          description: Subnet ID (V(autoCreate) when SMS creates one).
          type: str
        name:
          description: Subnet name.
          type: str
        cidr:
          description: Subnet gateway and mask.
          type: str
        ip:
          description: Fixed IP address of the target server in the subnet; V(null) assigns one automatically.
          type: str
    security_groups:
      description: The security groups of the target server.
      type: list
      elements: dict
      contains:
        id:
          description: Security group ID (V(autoCreate) when SMS creates one).
          type: str
        name:
          description: Security group name.
          type: str
    publicip:
      description: The elastic IP SMS creates for the target server; V(null) for none.
      type: dict
      contains:
        type:
          description: Elastic IP type, for example V(5_bgp).
          type: str
        bandwidth_size:
          description: Bandwidth in Mbit/s.
          type: int
        bandwidth_share_type:
          description: Bandwidth sharing type, for example V(PER).
          type: str
    disk:
      description: The target server's disks.
      type: list
      elements: dict
      contains:
        id:
          description: Disk ID.
          type: int
        index:
          description: Disk index, from V(0).
          type: int
        name:
          description: Disk name.
          type: str
        disktype:
          description: Disk type, as O(hwcloud.sms.sms_template#module:volumetype) of M(hwcloud.sms.sms_template).
          type: str
        size:
          description: Disk size in GB.
          type: int
        device_use:
          description: What the disk is used for, for example V(BOOT).
          type: str
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_optional_text
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, step
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import list_every
from ansible_collections.hwcloud.sms.plugins.module_utils._templates import TEMPLATES, shown

FILTERS = ("name", "id", "availability_zone", "template_region")


def list_templates(module):
    """The result: the templates matching the filters, passwords left out. The filters go to SMS;
    the name is then matched exactly, because SMS may match parts of names."""
    params = module.params
    for option in FILTERS:
        check_optional_text(option, params[option])
    query = dict((key, params[key]) for key in ("name", "id", "availability_zone"))
    query["region"] = params["template_region"]
    with step("Listing server templates failed"):
        found = list_every(module.client, TEMPLATES, "templates", query)
    return dict(changed=False, templates=[shown(template) for template in found
                                          if params["name"] is None or template.get("name") == params["name"]])


def main():
    module = SmsModule(
        argument_spec=dict((option, dict(type="str")) for option in FILTERS),
        supports_check_mode=True,
    )
    try:
        result = list_templates(module)
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
