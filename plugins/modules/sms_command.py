#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_command
short_description: Get the command Huawei Cloud SMS has for a source server's agent
version_added: 1.0.0
description:
  - Reads the command that Server Migration Service (SMS) has queued for the migration agent of
    one source server (C(GET /v3/sources/{server_id}/command)), the call the SMS agent polls.
  - Returns the command name and its parameters exactly as SMS gives them. Names differ between
    API generations (V(START), V(STOP), V(SKIP), V(PREMIGRATE), V(TASK_NOT_STARTED),
    V(TASK_HAS_STOPPED), V(TASK_HAS_FINISHED) in the newer documents; V(START), V(STOP),
    V(DELETE), V(SYNC) in the older ones); any name, including future ones, is passed through.
  - With O(wait) or O(wait_for) it polls until a command (or one of the listed commands) is
    queued, and fails when O(wait_timeout) passes first.
  - Report what the agent did with M(hwcloud.sms.sms_command_result).
  - Every poll is the call the SMS agent makes, and SMS takes it as a sign of life from the
    agent, so polling marks the source server C(connected) and sets its C(last_visit_time)
    (as the emulator in C(tests/emulator) does; Huawei does not document it). Poll only for
    source servers whose agent this playbook stands in for, or the console shows an agent as
    connected that may not be running.
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
    description: The module does not report differences.
options:
  server_id:
    description:
      - ID of the source server, as its agent registered it (the C(id) of a source server
        listed by M(hwcloud.sms.sms_source_info)).
      - 1 to 255 characters, no leading or trailing white space.
      - Exactly one of O(server_id) and O(server_ids) is required.
    type: str
  server_ids:
    description:
      - IDs of many source servers whose commands are read in one module run, up to O(workers)
        at a time; the answer is RV(commands), one entry per ID (duplicates are read once).
      - Each ID follows the rules of O(server_id). Not combined with O(wait) or O(wait_for).
      - A source server whose read fails (for example deleted since it was listed) gets an
        C(error) entry; the others are still read, and the module then fails naming them.
    type: list
    elements: str
  workers:
    description:
      - How many commands of O(server_ids) are read at the same time (1 to 10).
    type: int
    default: 8
  wait:
    description:
      - Poll until SMS has a command for the source server instead of returning at once.
      - Implied by O(wait_for).
    type: bool
    default: false
  wait_for:
    description:
      - Poll until the queued command is one of these names (compared exactly, for example
        V(START) or V(STOP)). Other commands are ignored while waiting.
      - Setting this implies O(wait=true).
    type: list
    elements: str
  wait_timeout:
    description:
      - Seconds to wait for a command when waiting. The module fails when this passes first,
        saying how long it waited and what it last saw.
      - Must be a finite number greater than 0.
    type: float
    default: 300
  poll_interval:
    description:
      - Seconds between two polls when waiting.
      - Must be a finite number greater than 0 and not greater than O(wait_timeout).
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: See whether SMS has a command for this source server
  hwcloud.sms.sms_command:
    server_id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
  register: sms_cmd

- name: Show it
  ansible.builtin.debug:
    msg: "{{ sms_cmd.command_name if sms_cmd.has_command else 'nothing to do' }}"

- name: Read the commands of a whole wave in one module run
  hwcloud.sms.sms_command:
    server_ids: "{{ wave_sources.source_servers | map(attribute='id') | list }}"
  register: wave_commands

- name: Show the source servers that have a command
  ansible.builtin.debug:
    msg: "{{ wave_commands.commands | selectattr('has_command') | map(attribute='server_id') | list }}"

# An agent-side loop: wait for a work order, act on it, report the outcome.
- name: Handle the next START or STOP command of this source server
  module_defaults:
    group/hwcloud.sms.sms:
      region: ap-southeast-3
      access_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_ACCESS_KEY') }}"
      secret_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SECRET_KEY') }}"
  block:
    - name: Wait up to 30 minutes for SMS to queue START or STOP
      hwcloud.sms.sms_command:
        server_id: "{{ sms_server_id }}"
        wait_for: [START, STOP]
        wait_timeout: 1800
        poll_interval: 15
      register: sms_cmd

    - name: Act on the command
      ansible.builtin.command:
        argv: ["/opt/sms-tools/handle-{{ sms_cmd.command_name | lower }}", "{{ sms_cmd.command_param.task_id | default('') }}"]
      register: handled
      changed_when: true
      ignore_errors: true

    - name: Report the outcome to SMS
      hwcloud.sms.sms_command_result:
        server_id: "{{ sms_server_id }}"
        command_name: "{{ sms_cmd.command_name }}"
        result: "{{ 'fail' if handled is failed else 'success' }}"
        result_detail:
          rc: "{{ handled.rc | default(-1) }}"
          task_id: "{{ sms_cmd.command_param.task_id | default('') }}"
"""

RETURN = r"""
has_command:
  description:
    - Whether SMS has a command for the agent, that is whether RV(command_name) is a non-empty
      name. V(false) when SMS answered with an empty object or without a command name.
  returned: success
  type: bool
  sample: true
command_name:
  description:
    - The command name exactly as SMS gave it, for example V(START), V(STOP), V(SKIP),
      V(PREMIGRATE), V(TASK_NOT_STARTED), V(TASK_HAS_STOPPED), V(TASK_HAS_FINISHED), V(DELETE),
      V(SYNC), or a name this module does not know yet.
    - V(null) when the answer has no command name.
  returned: success
  type: str
  sample: START
command_param:
  description:
    - The command parameters exactly as SMS gave them (the SDK's C(CommandParam)); V(null) when the
      answer has none. Keys SMS adds beyond those below are passed through.
  returned: success
  type: dict
  sample: {"task_id": "2c0689c860ad4728a497c91ec0844384"}
  contains:
    task_id:
      description: ID of the migration task the command is about.
      type: str
      returned: when SMS gives it
      sample: 2c0689c860ad4728a497c91ec0844384
    bucket:
      description: Name of an OBS bucket, for example where to upload agent logs.
      type: str
      returned: when SMS gives it
      sample: sms-logs
response:
  description:
    - The whole answer of C(GET /v3/sources/{server_id}/command), including fields this
      module does not know about.
  returned: success
  type: dict
  sample: {"command_name": "START", "command_param": {"task_id": "2c0689c860ad4728a497c91ec0844384"}}
  contains:
    command_name:
      description: Name of the command, as RV(command_name).
      type: str
      returned: when SMS has a command
      sample: START
    command_param:
      description: Parameters of the command, as RV(command_param) (the SDK's C(CommandParam)).
      type: dict
      returned: when SMS gives them
      sample: {"task_id": "2c0689c860ad4728a497c91ec0844384"}
      contains:
        task_id:
          description: ID of the migration task the command is about.
          type: str
          returned: when SMS gives it
          sample: 2c0689c860ad4728a497c91ec0844384
        bucket:
          description: Name of an OBS bucket, for example where to upload agent logs.
          type: str
          returned: when SMS gives it
          sample: sms-logs
commands:
  description:
    - With O(server_ids), one entry per source server in the order given, with the fields that
      RV(has_command), RV(command_name), RV(command_param) and RV(response) describe.
  returned: when O(server_ids) is set
  type: list
  elements: dict
  sample: [{"server_id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "has_command": true, "command_name": "START",
            "command_param": {"task_id": "2c0689c860ad4728a497c91ec0844384"},
            "response": {"command_name": "START", "command_param": {"task_id": "2c0689c860ad4728a497c91ec0844384"}}}]
  contains:
    server_id:
      description: ID of the source server.
      type: str
      returned: always
    has_command:
      description: Whether SMS has a command for this source server.
      type: bool
      returned: always
    command_name:
      description: The command name exactly as SMS gave it, or V(null).
      type: str
      returned: always
    command_param:
      description: The command parameters exactly as SMS gave them, as RV(command_param), or V(null).
      type: dict
      returned: always
      sample: {"task_id": "2c0689c860ad4728a497c91ec0844384"}
      contains:
        task_id:
          description: ID of the migration task the command is about.
          type: str
          returned: when SMS gives it
          sample: 2c0689c860ad4728a497c91ec0844384
        bucket:
          description: Name of an OBS bucket, for example where to upload agent logs.
          type: str
          returned: when SMS gives it
          sample: sms-logs
    response:
      description: The whole answer of SMS for this source server (V(null) after an error).
      type: raw
      returned: always
      sample: {"command_name": "START", "command_param": {"task_id": "2c0689c860ad4728a497c91ec0844384"}}
    error:
      description:
        - Why the command could not be read, with C(msg) and, for an API error, C(status),
          C(error_code), C(error_msg) and C(request_id).
      type: dict
      returned: when the read failed
      sample:
        msg: "GET https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command failed:
          HTTP 404 SMS.0404: source server not found (request id: 5e0f6c2a9b1d4c7e)"
        status: 404
        error_code: SMS.0404
        error_msg: source server not found
        request_id: 5e0f6c2a9b1d4c7e
      contains:
        msg:
          description: What went wrong.
          type: str
          returned: always
          sample: "GET https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command failed:
            HTTP 404 SMS.0404: source server not found (request id: 5e0f6c2a9b1d4c7e)"
        status:
          description: HTTP status of the API's answer.
          type: int
          returned: for an API error
          sample: 404
        error_code:
          description: The API's error code.
          type: str
          returned: for an API error
          sample: SMS.0404
        error_msg:
          description: The API's error message.
          type: str
          returned: for an API error
          sample: source server not found
        request_id:
          description: ID of the request, for Huawei Cloud support.
          type: str
          returned: for an API error
          sample: 5e0f6c2a9b1d4c7e
        method:
          description: HTTP method of the failed request (API errors only).
          type: str
          sample: GET
        url:
          description: URL of the failed request (API errors only).
          type: str
          sample: https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command
        body:
          description: SMS's error answer, parsed when it is small JSON, else its text cut short (API errors only).
          type: raw
          sample: {"error_code": "SMS.0404", "error_msg": "source server not found"}
        encoded_authorization_message:
          description: The encoded authorization message of a refusal by IAM, else V(null) (API errors only).
          type: str
          sample: null
polls:
  description:
    - How many times the command was read (1 when not waiting; with O(server_ids), the number of
      source servers read).
  returned: always
  type: int
  sample: 3
waited_seconds:
  description:
    - Seconds spent between the first and the last poll (0 when not waiting).
  returned: always
  type: float
  sample: 10.02
  version_added: 1.1.0
waited:
  description:
    - The same as RV(waited_seconds), the name the other waiting modules use.
    - B(Deprecated) and will be removed in version 2.0.0; use RV(waited_seconds).
  returned: always
  type: float
  sample: 10.02
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._commands import (
    check_many, check_single, command_entry, read_commands, wait_for_command)
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError


def _argument_spec():
    return dict(
        server_id=dict(type="str"),
        server_ids=dict(type="list", elements="str"),
        workers=dict(type="int", default=8),
        wait=dict(type="bool", default=False),
        wait_for=dict(type="list", elements="str"),
        wait_timeout=dict(type="float", default=300),
        poll_interval=dict(type="float", default=5),
    )


def read_command(module):
    """The result of sms_command: one command, waited for, or the commands of many source servers."""
    params = module.params
    if params["server_ids"] is not None:
        server_ids = check_many(params)
        commands = read_commands(module.client, server_ids, params["workers"])
        return dict(commands=commands, polls=len(commands), waited_seconds=0.0, waited=0.0)
    server_id, waiting = check_single(params)
    answer, stats = wait_for_command(module.client, server_id, params["wait_for"], params["wait_timeout"],
                                     params["poll_interval"], waiting)
    waited = stats["waited_seconds"] if waiting else 0.0
    return dict(command_entry(answer), polls=stats["polls"], waited_seconds=waited, waited=waited)


def main():
    module = SmsModule(
        argument_spec=_argument_spec(),
        mutually_exclusive=[("server_id", "server_ids")],
        required_one_of=[("server_id", "server_ids")],
        supports_check_mode=True,
    )
    try:
        result = read_command(module)
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
