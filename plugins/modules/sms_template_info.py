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
      availability_zone: ap-southeast-3a
      flavor: s6.large.2
      vpc: {id: autoCreate, name: vpc-sms, cidr: 192.168.0.0/16}
  contains:
    id:
      description: Template ID.
      type: str
    name:
      description: Template name.
      type: str
    is_template:
      description: Whether the template is generic (V(true)/V(false), as SMS returns it).
      type: str
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import list_every


def main():
    module = SmsModule(
        argument_spec=dict(
            name=dict(type="str"),
            id=dict(type="str"),
            availability_zone=dict(type="str"),
            template_region=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for option in ("name", "id", "availability_zone", "template_region"):
        if params[option] is not None and not 1 <= len(params[option]) <= 255:
            module.fail_json(msg="%s must be 1 to 255 characters long" % option)
    query = dict((key, params[key]) for key in ("name", "id", "availability_zone"))
    query["region"] = params["template_region"]
    found = module.call("Listing server templates failed", list_every, module.client, "/v3/vm/templates",
                        "templates", query)
    templates = []
    for template in found:
        if params["name"] is not None and template.get("name") != params["name"]:
            continue
        template = dict(template)
        template.pop("target_password", None)
        templates.append(template)
    module.exit_json(changed=False, templates=templates)


if __name__ == "__main__":
    main()
