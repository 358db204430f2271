#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_task_info
short_description: Read Huawei Cloud SMS migration tasks with their phase and progress, and wait for a wave
version_added: 1.0.0
description:
  - Reads migration tasks of Server Migration Service (SMS), all pages of C(GET /v3/tasks), or
    the tasks named by O(task_id) / O(task_ids) at the lower price of one paged listing and one
    C(GET /v3/tasks/{id}) per task.
  - Adds to every task its phase (see the notes), C(progress_percent), C(current_subtask),
    C(remain_seconds), C(eta) (ISO 8601), C(speed_mbps) and C(error) (the parsed C(error_json)),
    and returns a count per phase.
  - With O(wait_for) it polls inside the module until all (or any) of the tasks reach one of
    the given phases, failing at once when a task reaches a phase of O(fail_on). One module call
    waits for a whole wave for hours; no C(until) loop is needed.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
  - hwcloud.sms.sms_task_wait
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs (and waits) the same way in check mode.
  diff_mode:
    support: none
    description: The module changes nothing.
options:
  task_id:
    description:
      - ID of one task to read.
    type: str
  task_ids:
    description:
      - IDs of the tasks to read, for example a whole wave. A task that does not exist is listed
        in RV(missing_task_ids); waiting for a missing task fails before the first sleep.
    type: list
    elements: str
  name:
    description:
      - Task name to filter on, matched as SMS matches it.
    type: str
  state:
    description:
      - Raw task state to filter on, for example V(RUNNING) or V(MIGRATE_FAIL).
    type: str
  source_id:
    description:
      - ID of a source server; only its tasks are returned.
    type: str
  enterprise_project_id:
    description:
      - Enterprise project ID to filter on.
    type: str
  include:
    description:
      - Add to every task returned its C(speed_windows) (C(GET /v3/tasks/{id}/speed-limit), V([]) when it
        has none), C(configurations) (C(GET .../configuration-setting)) and/or C(consistency_results)
        (C(GET .../consistency-result)). Each adds one request per task, after any wait.
    type: list
    elements: str
    choices: [speed_windows, configurations, consistency_results]
  wait_for:
    description:
      - Phases (or task states in upper case, like V(SYNC_SUCCESS)) to wait for, for example
        V([syncing, replicated, finished]) after starting a wave.
      - When not set, the module reads once and returns.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Every task of the account with its phase
  hwcloud.sms.sms_task_info:
  register: all_tasks

- name: Count per phase
  ansible.builtin.debug:
    var: all_tasks.summary

- name: Wait up to two days for a wave to finish its full copy, failing at the first failure
  hwcloud.sms.sms_task_info:
    task_ids: "{{ wave_task_ids }}"
    wait_for: [syncing, replicated, finished]
    fail_on: [failed]
    wait_timeout: 172800
    poll_interval: 60
    progress_file: /var/tmp/wave1-progress.txt
  register: wave

- name: Tasks that failed, with their SMS error
  hwcloud.sms.sms_task_info:
    state: MIGRATE_FAIL
  register: failed_tasks

- name: Show the errors
  ansible.builtin.debug:
    msg: "{{ failed_tasks.tasks | map(attribute='error') | list }}"
"""

RETURN = r"""
tasks:
  description:
    - The tasks as SMS returned them (every field kept), each with the fields below added.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    state:
      description: Raw task state as SMS gave it, including states this module does not know.
      type: str
      sample: RUNNING
    phase:
      description: The phase (see the notes).
      type: str
      sample: replicating
    progress_percent:
      description:
        - Progress of the data copy in percent (C(replicatesize/totalsize), else the copy
          sub-task's progress; 100 once copied); V(null) when SMS tells nothing.
      type: float
      sample: 42.5
    current_subtask:
      description: Name of the sub-task in progress, for example V(MIGRATE_LINUX_FILE).
      type: str
      sample: MIGRATE_LINUX_FILE
    speed_windows:
      description: Time-window speed limits (C(start), C(end), C(speed), C(over_speed_threshold)).
      type: list
      elements: dict
      returned: with O(include) V(speed_windows)
    configurations:
      description: Advanced settings (C(config_key), C(config_value), C(config_status)).
      type: list
      elements: dict
      returned: with O(include) V(configurations)
    consistency_results:
      description: Consistency check results as SMS gives them (C(result_list)).
      type: list
      elements: raw
      returned: with O(include) V(consistency_results)
    remain_seconds:
      description: Seconds SMS expects the task still needs.
      type: int
      sample: 3600
    eta:
      description:
        - Expected completion as ISO 8601 UTC, from C(estimate_complete_time) or C(remain_seconds).
        - Only for tasks in progress (replicating, syncing, cutting_over); V(null) otherwise.
      type: str
      sample: "2026-11-24T03:15:00Z"
    speed_mbps:
      description: Current migration speed in Mbit/s (C(migrate_speed)).
      type: float
      sample: 312.5
    error:
      description: The task's C(error_json) parsed into a dict; V(null) when there is none.
      type: dict
      sample: {"error_code": "SMS.1901", "error_msg": "The target server is unreachable"}
    start_time:
      description: When the task started, ISO 8601 UTC (from C(start_date)).
      type: str
      sample: "2026-11-23T20:00:00Z"
    finish_time:
      description: When the task finished, ISO 8601 UTC (from C(finish_date)).
      type: str
      sample: "2026-11-24T02:00:00Z"
    source_server:
      description: The source server, with its C(state) and C(migration_cycle).
      type: dict
summary:
  description: Number of tasks per phase; every phase is present.
  returned: always
  type: dict
  sample: {"ready": 0, "replicating": 3, "syncing": 1, "replicated": 0, "cutting_over": 0, "finished": 6,
           "stopping": 0, "stopped": 0, "failed": 1, "deleting": 0, "unknown": 0}
count:
  description: Number of tasks returned.
  returned: always
  type: int
  sample: 11
missing_task_ids:
  description: IDs of O(task_ids) that SMS does not know.
  returned: always
  type: list
  elements: str
  sample: []
polls:
  description: How many times the tasks were read.
  returned: always
  type: int
  sample: 12
requests_per_poll:
  description: API requests each poll cost.
  returned: always
  type: list
  elements: int
  sample: [1, 1, 1]
waited_seconds:
  description: Seconds spent waiting (0 when not waiting).
  returned: always
  type: float
  sample: 3600.2
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsApiError, SmsClientError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import INCLUDES, task_extras
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import (
    TaskReader,
    WaitFailed,
    check_wait_options,
    describe,
    list_tasks,
    wait_argument_spec,
    summary_of,
    wait_for_tasks,
    progress_writer,
)


def _filtered(tasks, params):
    def keep(task):
        source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
        return ((not params["name"] or params["name"] in str(task.get("name")))
                and (not params["state"] or task.get("state") == params["state"])
                and (not params["source_id"] or source.get("id") == params["source_id"])
                and (not params["enterprise_project_id"]
                     or task.get("enterprise_project_id") == params["enterprise_project_id"]))
    return [task for task in tasks if keep(task)]


def main():
    spec = dict(
        task_id=dict(type="str"),
        task_ids=dict(type="list", elements="str"),
        name=dict(type="str"),
        state=dict(type="str"),
        source_id=dict(type="str"),
        enterprise_project_id=dict(type="str"),
        wait_for=dict(type="list", elements="str"),
        include=dict(type="list", elements="str", choices=list(INCLUDES)),
    )
    spec.update(wait_argument_spec())
    module = SmsModule(argument_spec=spec, mutually_exclusive=[("task_id", "task_ids")], supports_check_mode=True)
    params = module.params
    check_wait_options(module, params)
    for option in ("task_id", "name", "state", "source_id", "enterprise_project_id"):
        value = params[option]
        if value is not None and (not value.strip() or len(value) > 255):
            module.fail_json(msg="%s must be 1 to 255 characters, not blank" % option)
    ids = [params["task_id"]] if params["task_id"] else params["task_ids"]
    if ids is not None and any(not task_id or not task_id.strip() for task_id in ids):
        module.fail_json(msg="task_ids must not contain empty IDs")

    client = module.client
    missing = []
    if ids is not None:
        read = module.call("Reading the tasks failed", TaskReader(client).read, ids)
        missing = [task_id for task_id in ids if read.get(task_id) is None]
        tasks = _filtered([read[task_id] for task_id in dict.fromkeys(ids) if read.get(task_id) is not None], params)
    else:
        query = {"name": params["name"], "state": params["state"], "source_server_id": params["source_id"],
                 "enterprise_project_id": params["enterprise_project_id"]}
        tasks = module.call("Listing the tasks failed", list_tasks, client, query)
    described = [describe(task) for task in tasks]
    stats = dict(polls=1, requests_per_poll=[client.request_count], waited_seconds=0.0)

    progress = progress_writer(module, params["progress_file"])

    if params["wait_for"] is not None:
        if missing:
            module.fail_json(msg="cannot wait for tasks that do not exist: %s" % ", ".join(missing),
                             missing_task_ids=missing)
        if not described:
            module.fail_json(msg="no task matches the filters, so there is nothing to wait for",
                             tasks=[], summary=summary_of([]), count=0)
        task_ids = [task["id"] for task in described]
        initial = dict((task["id"], task) for task in described)
        try:
            described, wait_stats = wait_for_tasks(
                client, task_ids, params["wait_for"], params["wait_mode"], params["fail_on"], params["wait_timeout"],
                params["poll_interval"], progress=progress, initial=initial)
        except WaitFailed as exc:
            module.fail_json(msg=str(exc), tasks=exc.tasks, summary=summary_of(exc.tasks), count=len(exc.tasks),
                             failed_tasks=exc.failed, pending_tasks=exc.pending, missing_task_ids=missing)
        except (SmsApiError, SmsClientError) as exc:
            module.fail_json_sms(exc, "Waiting for the tasks failed")
        wait_stats["requests_per_poll"][0] = stats["requests_per_poll"][0]
        stats = wait_stats
    else:
        progress(described, stats)
    for task in described if params["include"] else ():
        task.update(module.call("Reading the settings of task %s failed" % task["id"], task_extras, client,
                                task["id"], params["include"]))
    module.exit_json(changed=False, tasks=described, summary=summary_of(described), count=len(described),
                     missing_task_ids=missing, polls=stats["polls"], requests_per_poll=stats["requests_per_poll"],
                     waited_seconds=stats["waited_seconds"])


if __name__ == "__main__":
    main()
