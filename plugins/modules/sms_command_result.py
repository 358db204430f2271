#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_command_result
short_description: Report to Huawei Cloud SMS what a source server's agent did with a command
version_added: 1.0.0
description:
  - Reports the outcome of a command that Server Migration Service (SMS) queued for the
    migration agent of a source server (C(POST /v3/sources/{server_id}/command_result)), the call
    the SMS agent makes after acting on a command read with M(hwcloud.sms.sms_command).
  - Every run sends one report, so the module always reports V(changed=true).
  - The report is not retried once it may have reached SMS, so SMS never records it twice;
    it is retried only when it cannot have been sent or SMS answered HTTP 429 or 503
    (see O(retries)). A gateway can answer 503 after SMS recorded the report; the repeat is
    then refused with C(SMS.2009), and when the command is no longer pending the module knows
    the first report was recorded and succeeds.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: In check mode nothing is sent; the module returns the request it would send.
  diff_mode:
    support: none
    description: The module does not report differences.
options:
  server_id:
    description:
      - ID of the source server whose agent ran the command.
      - 1 to 255 characters, no leading or trailing white space.
      - Required (with O(command_name) and O(result)) unless O(results) is set.
    type: str
  command_name:
    description:
      - Name of the command the result is for, normally the RV(hwcloud.sms.sms_command#module:command_name)
        that M(hwcloud.sms.sms_command) returned.
      - The API documents V(START), V(STOP), V(DELETE), V(SYNC), V(UPLOAD_LOG) and V(RSET_LOG_ACL)
        (spelled so by SMS); the names SMS queues (V(SKIP), V(PREMIGRATE), V(TASK_NOT_STARTED),
        V(TASK_HAS_STOPPED), V(TASK_HAS_FINISHED)) and any other name are sent unchanged.
      - 1 to 255 characters, no leading or trailing white space.
    type: str
  result:
    description:
      - V(success) when the agent carried the command out, V(fail) when it could not.
    type: str
    choices: [success, fail]
  result_detail:
    description:
      - Details of the outcome, stored by SMS as they are.
      - A dictionary, or a string holding a JSON object. Anything else (a list, a number,
        a string that is not JSON) is rejected before anything is sent.
      - At most 64 KiB as JSON, nested at most 32 levels deep, with no NaN or Infinity.
      - A dictionary nested deeper is refused before Ansible templates the task's arguments
        (on ansible-core 2.19 and later, through the module's action plugin). Ansible cannot load
        a playbook or variables file that nests data some 450 levels deep at all and stops before
        any task runs; JSON text is checked at any depth. On ansible-core 2.15 to 2.18, which have
        no such hook, pass data that may nest deeply as JSON text (for example with C(to_json)).
    type: raw
    default: {}
  results:
    description:
      - Many reports in one module run, sent up to O(workers) at a time. Each item has the keys of
        the single form, checked by the same rules; every item is checked before anything is sent.
      - A report that fails does not stop the others; the module then fails naming the failed ones,
        and RV(results) says for every item whether it was recorded.
      - Not combined with O(server_id), O(command_name), O(result) or O(result_detail).
    type: list
    elements: dict
    suboptions:
      server_id:
        description: ID of the source server whose agent ran the command.
        type: str
        required: true
      command_name:
        description: Name of the command the result is for.
        type: str
        required: true
      result:
        description: V(success) or V(fail).
        type: str
        required: true
        choices: [success, fail]
      result_detail:
        description: Details of the outcome, a dictionary or a string holding a JSON object.
        type: raw
        default: {}
  workers:
    description:
      - How many reports of O(results) are sent at the same time (1 to 10).
    type: int
    default: 8
"""

EXAMPLES = r"""
- name: Tell SMS that the agent started the migration task
  hwcloud.sms.sms_command_result:
    server_id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    command_name: START
    result: success
    result_detail:
      msg: replication started

- name: Report a failure with details that come as JSON text from a script
  hwcloud.sms.sms_command_result:
    server_id: "{{ sms_server_id }}"
    command_name: UPLOAD_LOG
    result: fail
    result_detail: "{{ upload_script.stdout }}"

# An agent-side loop: wait for a work order, act on it, report the outcome.
- name: Handle the next command of this source server
  block:
    - name: Wait for SMS to queue a command
      hwcloud.sms.sms_command:
        server_id: "{{ sms_server_id }}"
        wait: true
        wait_timeout: 600
      register: sms_cmd

    - name: Act on the command
      ansible.builtin.command:
        argv: ["/opt/sms-tools/handle-{{ sms_cmd.command_name | lower }}", "{{ sms_cmd.command_param.task_id | default('') }}"]
      register: handled
      changed_when: true
      ignore_errors: true

    - name: Report the outcome
      hwcloud.sms.sms_command_result:
        server_id: "{{ sms_server_id }}"
        command_name: "{{ sms_cmd.command_name }}"
        result: "{{ 'fail' if handled is failed else 'success' }}"
        result_detail:
          rc: "{{ handled.rc | default(-1) }}"
          stderr: "{{ handled.stderr | default('') | truncate(512) }}"

- name: Report the results of a whole wave in one module run
  hwcloud.sms.sms_command_result:
    results:
      - server_id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
        command_name: START
        result: success
      - server_id: 0c1d6f4e-3b0a-4b8e-9f61-2f1d9c5e7a10
        command_name: STOP
        result: fail
        result_detail:
          message: the pre-stop hook exited 3

- name: Preview the report without sending it
  hwcloud.sms.sms_command_result:
    server_id: "{{ sms_server_id }}"
    command_name: STOP
    result: success
  check_mode: true
  register: preview
"""

RETURN = r"""
request:
  description:
    - The request sent to SMS, or in check mode the request that would have been sent.
  returned: when O(server_id) is set
  type: dict
  sample: {"method": "POST", "path": "/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result",
           "body": {"command_name": "START", "result": "success", "result_detail": {"msg": "replication started"}}}
  contains:
    method:
      description: HTTP method.
      type: str
      returned: always
      sample: POST
    path:
      description: Request path, with O(server_id) percent-encoded as one path segment.
      type: str
      returned: always
      sample: /v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result
    body:
      description: JSON body with C(command_name), C(result) and C(result_detail).
      type: dict
      returned: always
      sample: {"command_name": "START", "result": "success", "result_detail": {"msg": "replication started"}}
      contains:
        command_name:
          description: Name of the command the result is for.
          type: str
          returned: always
          sample: START
        result:
          description: V(success) or V(fail).
          type: str
          returned: always
          sample: success
        result_detail:
          description:
            - The details, as a dictionary (JSON text given in O(result_detail) is parsed).
            - Free-form; SMS stores them as they are.
          type: dict
          returned: always
          sample: {"msg": "replication started"}
response:
  description:
    - What SMS answered (normally an empty object).
  returned: success and not in check mode
  type: raw
  sample: {}
results:
  description:
    - With O(results), one entry per item in the order given.
  returned: when O(results) is set
  type: list
  elements: dict
  sample: [{"server_id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "command_name": "START", "sent": true,
            "request": {"method": "POST", "path": "/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result",
                        "body": {"command_name": "START", "result": "success", "result_detail": {}}},
            "response": {}}]
  contains:
    server_id:
      description: ID of the source server.
      type: str
      returned: always
    command_name:
      description: Name of the command.
      type: str
      returned: always
    sent:
      description: Whether SMS accepted the report (V(false) in check mode and after an error).
      type: bool
      returned: always
    request:
      description: The request sent (or in check mode the request that would be sent), as RV(request).
      type: dict
      returned: always
      sample: {"method": "POST", "path": "/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result",
               "body": {"command_name": "START", "result": "success", "result_detail": {}}}
      contains:
        method:
          description: HTTP method.
          type: str
          returned: always
          sample: POST
        path:
          description: Request path.
          type: str
          returned: always
          sample: /v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result
        body:
          description: JSON body with C(command_name), C(result) and C(result_detail), as RV(request.body).
          type: dict
          returned: always
          sample: {"command_name": "START", "result": "success", "result_detail": {}}
          contains:
            command_name:
              description: Name of the command the result is for.
              type: str
              returned: always
              sample: START
            result:
              description: V(success) or V(fail).
              type: str
              returned: always
              sample: success
            result_detail:
              description:
                - The details, as a dictionary (JSON text given in the item's C(result_detail) is parsed).
                - Free-form; SMS stores them as they are.
              type: dict
              returned: always
              sample: {}
    response:
      description: What SMS answered.
      type: raw
      returned: when the report was sent
      sample: {}
    error:
      description:
        - Why the report failed, with C(msg) and, for an API error, C(status), C(error_code),
          C(error_msg) and C(request_id).
      type: dict
      returned: when the report failed
      sample:
        msg: "POST https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result failed:
          HTTP 400 SMS.2009: the command is not pending (request id: 5e0f6c2a9b1d4c7e)"
        status: 400
        error_code: SMS.2009
        error_msg: the command is not pending
        request_id: 5e0f6c2a9b1d4c7e
      contains:
        msg:
          description: What went wrong.
          type: str
          returned: always
          sample: "POST https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result failed:
            HTTP 400 SMS.2009: the command is not pending (request id: 5e0f6c2a9b1d4c7e)"
        status:
          description: HTTP status of the API's answer.
          type: int
          returned: for an API error
          sample: 400
        error_code:
          description: The API's error code.
          type: str
          returned: for an API error
          sample: SMS.2009
        error_msg:
          description: The API's error message.
          type: str
          returned: for an API error
          sample: the command is not pending
        request_id:
          description: ID of the request, for Huawei Cloud support.
          type: str
          returned: for an API error
          sample: 5e0f6c2a9b1d4c7e
        method:
          description: HTTP method of the failed request (API errors only).
          type: str
          sample: POST
        url:
          description: URL of the failed request (API errors only).
          type: str
          sample: https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/f32ab4d6-d150-4fb3-aa55-edbb5cf9947f/command_result
        body:
          description: SMS's error answer, parsed when it is small JSON, else its text cut short (API errors only).
          type: raw
          sample: {"error_code": "SMS.2009", "error_msg": "the command is not pending"}
        encoded_authorization_message:
          description: The encoded authorization message of a refusal by IAM, else V(null) (API errors only).
          type: str
          sample: null
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._command_results import (
    check_many, check_report, report_entries, request_of, send_reports)
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, step


def _argument_spec():
    return dict(
        server_id=dict(type="str"),
        command_name=dict(type="str"),
        result=dict(type="str", choices=["success", "fail"]),
        result_detail=dict(type="raw", default={}),
        results=dict(type="list", elements="dict", options=dict(
            server_id=dict(type="str", required=True),
            command_name=dict(type="str", required=True),
            result=dict(type="str", required=True, choices=["success", "fail"]),
            result_detail=dict(type="raw", default={}),
        )),
        workers=dict(type="int", default=8),
    )


def report(module):
    """The result of sms_command_result: one report sent, or many; in check mode what would be sent."""
    params = module.params
    if params["results"] is not None:
        check_many(params)
        entries = report_entries(module.client, params["results"])
        if not module.check_mode:
            send_reports(module.client, entries, params["workers"])
        return dict(changed=True, results=entries)
    server_id, command_name, result, detail = check_report(params)
    request = request_of(module.client, server_id, command_name, result, detail)  # builds the client, sends nothing
    if module.check_mode:
        return dict(changed=True, request=request)
    with step("Reporting the %s result of source server %s failed" % (command_name, server_id)):
        response = module.client.report_command_result(server_id, command_name, result, detail)
    return dict(changed=True, request=request, response=response)


def main():
    module = SmsModule(
        argument_spec=_argument_spec(),
        required_one_of=[("server_id", "results")],
        required_by=dict(server_id=("command_name", "result")),
        supports_check_mode=True,
    )
    try:
        result = report(module)
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
