#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_template
short_description: Create, update and delete Huawei Cloud SMS server templates
version_added: 1.0.0
description:
  - Manages a server template of Huawei Cloud Server Migration Service (SMS), the definition of the
    target server SMS creates for a migration task (C(/v3/vm/templates)), with availability zone, flavor,
    disk types, image, VPC, subnets, security groups, public IP and disks.
  - Templates are found by O(name), which must be unique. The module creates the template when there
    is none, updates the fields that differ from the options when there is one (C(PUT)), and deletes
    it with O(state=absent).
  - Only the options you set are compared and sent; SMS keeps its own value for the others.
  - The template's C(region) and C(projectid) are the connection's O(region) and O(project_id), sent
    when the template is created.
  - Give the network by ID, name and CIDR, as SMS needs all three (it does not look them up), or let
    SMS create it with the ID V(autoCreate).
  - Use the template's RV(template.id) as C(vm_template_id) of a migration task.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: Reads the template, reports what would change and sends nothing that changes it.
  diff_mode:
    support: full
    description: Shows the compared fields before and after; the password only as V(changed).
options:
  name:
    description:
      - Name of the template, its key. 1 to 255 Chinese characters, letters, digits, C(_) or C(-).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the template, V(absent) deletes it.
      - SMS refuses to delete a template a migration task still uses (error C(SMS.7111)); delete the
        task first. A template that is already gone (C(SMS.7101)) counts as deleted.
    type: str
    choices: [present, absent]
    default: present
  is_template:
    description:
      - Whether the template is generic. SMS deletes a non-generic template together with the task
        that uses it, so the default V(true) keeps a template a wave still needs when a task is deleted.
    type: bool
    default: true
  availability_zone:
    description: Availability zone of the target server, for example V(ap-southeast-3a).
    type: str
  flavor:
    description: ECS flavor of the target server, for example V(s6.large.2).
    type: str
  volumetype:
    description: EVS disk type of the system disk, for example V(SAS), V(SSD) or V(GPSSD).
    type: str
    aliases: [volume_type]
  data_volume_type:
    description: EVS disk type of the data disks.
    type: str
  image_id:
    description: ID of the image SMS uses to create the target server.
    type: str
  target_server_name:
    description: Name of the target server SMS creates.
    type: str
  target_password:
    description:
      - Password of the target server. Never logged and never returned.
      - Sent when the template is created, and on update only with O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) sets O(target_password) only when the template is created.
      - V(always) also compares it with the stored one (C(GET /v3/vm/templates/{id}/target-password))
        and updates it when it differs.
    type: str
    choices: [always, on_create]
    default: on_create
  vpc:
    description:
      - VPC of the target server. SMS needs both the ID and the CIDR (C(SMS.0007) otherwise).
    type: dict
    suboptions:
      id:
        description: VPC ID, or V(autoCreate) to let SMS create one.
        type: str
        required: true
      name:
        description: VPC name.
        type: str
      cidr:
        description: CIDR of the VPC, for example V(192.168.0.0/16).
        type: str
        required: true
  nics:
    description:
      - Subnets of the target server's network interfaces, in order. SMS needs the ID, name and CIDR
        of each (C(SMS.6102) otherwise). An V(autoCreate) subnet must be the only one.
    type: list
    elements: dict
    suboptions:
      id:
        description: Subnet ID, or V(autoCreate).
        type: str
        required: true
      name:
        description: Subnet name.
        type: str
        required: true
      cidr:
        description: Gateway and mask of the subnet, for example V(192.168.0.0/24).
        type: str
        required: true
      ip:
        description: Fixed IP address of the target server in this subnet; assigned by the subnet when not set.
        type: str
  security_groups:
    description:
      - Security groups of the target server. SMS needs the ID and name of each (C(SMS.6102) otherwise).
        An V(autoCreate) security group must be the only one.
    type: list
    elements: dict
    suboptions:
      id:
        description: Security group ID, or V(autoCreate).
        type: str
        required: true
      name:
        description: Security group name.
        type: str
        required: true
  publicip:
    description:
      - Elastic public IP of the target server (API field C(publicip)). Leave it out for migrations
        over a private network (VPN, Direct Connect). A public IP needs a bandwidth (C(SMS.6562) otherwise).
    type: dict
    aliases: [public_ip]
    suboptions:
      type:
        description: EIP type.
        type: str
        default: 5_bgp
      bandwidth_size:
        description:
          - Bandwidth in Mbit/s, 1 to 2000, in steps of 1 up to 300, of 50 up to 1000 and of 500 above.
        type: int
        required: true
      bandwidth_share_type:
        description: Bandwidth sharing type, for example V(PER) (dedicated) or V(WHOLE) (shared).
        type: str
  disk:
    description:
      - Disks of the target server (API field C(disk)); sizes in GB.
    type: list
    elements: dict
    aliases: [disks]
    suboptions:
      index:
        description: Position of the disk, from 0 (the system disk). Unique.
        type: int
        required: true
      name:
        description: Disk name.
        type: str
        required: true
      disktype:
        description: EVS disk type, for example V(SAS).
        type: str
        required: true
      size:
        description: Size in GB, greater than 0.
        type: int
        required: true
      device_use:
        description: What the disk is used for, for example V(BOOT), V(OS) or V(NORMAL).
        type: str
      id:
        description: Disk ID.
        type: int
"""

EXAMPLES = r"""
- name: A template for web servers, with an existing VPC, subnet and security group
  hwcloud.sms.sms_template:
    name: wave1-web
    availability_zone: ap-southeast-3a
    flavor: s6.large.2
    volumetype: SAS
    vpc:
      id: 3b7a1c5e-1c4f-4d4e-9d2f-7b1f0c4a2e11
      name: vpc-migration
      cidr: 192.168.0.0/16
    nics:
      - id: 5f2b9c1e-7a4d-4b7e-8e3f-2d6c1a9b0f22
        name: subnet-web
        cidr: 192.168.10.0/24
    security_groups:
      - id: 0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e33
        name: sg-web
  register: web_template

- name: Let SMS create the network, with a 10 Mbit/s public IP and a 40 GB system disk
  hwcloud.sms.sms_template:
    name: wave1-auto
    availability_zone: ap-southeast-3a
    vpc: {id: autoCreate, name: vpc-sms, cidr: 192.168.0.0/16}
    nics: [{id: autoCreate, name: subnet-sms, cidr: 192.168.0.0/24}]
    security_groups: [{id: autoCreate, name: sg-sms}]
    publicip: {bandwidth_size: 10}
    disk:
      - {index: 0, name: system, disktype: SAS, size: 40, device_use: BOOT}
    target_password: "{{ vault_target_password }}"

- name: Use the template for a migration task
  hwcloud.sms.sms_task:
    source_name: web-01
    template_id: "{{ web_template.template.id }}"

- name: Delete the template after the wave (delete its tasks first)
  hwcloud.sms.sms_template:
    name: wave1-web
    state: absent
"""

RETURN = r"""
template:
  description:
    - The template as SMS returns it (C(TemplateResponseBody)), without C(target_password).
    - In check mode, for a template that would be created, the fields that would be sent and C(id) V(null).
    - After O(state=absent), the template that was deleted, or V(null) when there was none.
  returned: always
  type: dict
  sample:
    id: 2c0689c860ad4728a497c91ec0844384
    name: wave1-web
    is_template: "true"
    region: ap-southeast-3
    projectid: 0b1f8d6e7b0a4c3d9e2f1a0b9c8d7e6f
    availability_zone: ap-southeast-3a
    flavor: s6.large.2
    volumetype: SAS
    vpc: {id: 3b7a1c5e-1c4f-4d4e-9d2f-7b1f0c4a2e11, name: vpc-migration, cidr: 192.168.0.0/16}
    nics: [{id: 5f2b9c1e-7a4d-4b7e-8e3f-2d6c1a9b0f22, name: subnet-web, cidr: 192.168.10.0/24, ip: null}]
    security_groups: [{id: 0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e33, name: sg-web}]
    publicip: null
    disk: []
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
          description: Disk type, as O(hwcloud.sms.sms_template#module:volumetype).
          type: str
        size:
          description: Disk size in GB.
          type: int
        device_use:
          description: What the disk is used for, for example V(BOOT).
          type: str
changed_fields:
  description: Names of the API fields that were (or in check mode would be) sent because they differ.
  returned: success
  type: list
  elements: str
  sample: [flavor, publicip]
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, step, step_error
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import (
    NamedResource, list_every)
from ansible_collections.hwcloud.sms.plugins.module_utils._templates import (
    TEMPLATES, check_template, comparable, create_body, create_diff, shown, update_plan, wanted_fields)


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        is_template=dict(type="bool", default=True),
        availability_zone=dict(type="str"),
        flavor=dict(type="str"),
        volumetype=dict(type="str", aliases=["volume_type"]),
        data_volume_type=dict(type="str"),
        image_id=dict(type="str"),
        target_server_name=dict(type="str"),
        target_password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False),
        vpc=dict(type="dict", options=dict(id=dict(type="str", required=True), name=dict(type="str"),
                                           cidr=dict(type="str", required=True))),
        nics=dict(type="list", elements="dict", options=dict(
            id=dict(type="str", required=True), name=dict(type="str", required=True),
            cidr=dict(type="str", required=True), ip=dict(type="str"))),
        security_groups=dict(type="list", elements="dict", options=dict(
            id=dict(type="str", required=True), name=dict(type="str", required=True))),
        publicip=dict(type="dict", aliases=["public_ip"], options=dict(
            type=dict(type="str", default="5_bgp"), bandwidth_size=dict(type="int", required=True),
            bandwidth_share_type=dict(type="str"))),
        disk=dict(type="list", elements="dict", aliases=["disks"], options=dict(
            index=dict(type="int", required=True), name=dict(type="str", required=True),
            disktype=dict(type="str", required=True), size=dict(type="int", required=True),
            device_use=dict(type="str"), id=dict(type="int"))),
    )


class SmsTemplate(NamedResource):
    what = "server template"
    result_key = "template"
    collection = TEMPLATES

    def _check(self):
        check_template(self.params)

    def _list(self):
        with step("Listing server templates named %s failed" % self.name):
            return list_every(self.client, TEMPLATES, "templates", {"name": self.name})

    def _create(self):
        body = create_body(self.params, self.client.region, self.client.project_id)
        self.changed, self.changes, self.diff = True, sorted(body), create_diff(body)
        self.record = dict(shown(body), id=None)
        if not self.module.check_mode:
            answer = self._write("Creating template %s failed" % self.name, "POST", TEMPLATES, {"template": body})
            template_id = answer.get("id") if isinstance(answer, dict) else None
            self.record = shown(self._read("Reading the new template %s failed" % template_id,
                                           self._path(template_id)).get("template"))

    def _update(self):
        current, wanted = comparable(self.current), wanted_fields(self.params)
        body, self.changes, diff = update_plan(current, wanted, self._new_password())
        self.record = shown(self.current)
        if not self.changes:
            return
        self.changed, self.diff = True, diff
        self.record = dict(shown(self.current), **shown(wanted))
        if not self.module.check_mode:
            template_id = self.current["id"]
            self._write("Updating template %s (%s) failed" % (self.name, template_id), "PUT", self._path(template_id),
                        {"template": body})
            self.record = shown(self._read("Reading template %s failed" % template_id, self._path(template_id)).get("template"))

    def _new_password(self):
        """target_password when update_password=always and the stored one differs, else None."""
        password = self.params["target_password"]
        if self.params["update_password"] != "always" or password is None:
            return None
        stored = self._read("Reading the target password of template %s failed" % self.current["id"],
                            self._path(self.current["id"], "/target-password"))
        return password if (stored or {}).get("target_password") != password else None

    def _delete(self):
        template_id = self.current["id"]
        if not self.module.check_mode:
            try:
                self.client.request("DELETE", self._path(template_id))
            except SmsApiError as exc:
                if exc.error_code == "SMS.7101":
                    self.extra["msg"] = "Template %s was already gone (SMS.7101)" % template_id
                    return
                if exc.error_code == "SMS.7111":
                    raise step_error("Template %s (%s) is used by a migration task: delete the task first "
                                     "(hwcloud.sms.sms_task state=absent), then the template" % (self.name, template_id), exc)
                raise step_error("Deleting template %s (%s) failed" % (self.name, template_id), exc)
        self.changed, self.record = True, shown(self.current)
        self.diff = dict(before=comparable(self.current), after={})


def main():
    module = SmsModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        result = SmsTemplate(module).run()
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
