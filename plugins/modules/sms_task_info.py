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
  - Adds to every task its phase (see the notes), C(progress_percent) (the share of the data
    copied), C(current_subtask), C(remain_seconds), C(eta) (ISO 8601), C(speed_mbps), C(start_time),
    C(finish_time) and C(error) (the parsed C(error_json)), and returns a count per phase. RV(tasks)
    says exactly how each is derived from the fields SMS documents.
  - With O(wait_for) it polls inside the module until all (or any) of the tasks reach one of
    the given phases, failing at once when a task reaches a phase of O(fail_on). One module call
    waits for a whole wave for hours; no C(until) loop is needed. A task deleted meanwhile ends
    the wait at once (RV(gone_tasks)); failed polls are ridden through up to O(outage_timeout).
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
    - The tasks as SMS returned them (every field kept, as C(GET /v3/tasks) or C(GET /v3/tasks/{id})
      gave it), each with the derived fields below added.
    - The derived fields use only fields SMS documents for both reads (the listing has no
      C(remain_seconds), C(start_date) or C(finish_date); they are used when a task was read with
      C(GET /v3/tasks/{id})). A value that cannot be known is V(null), never guessed; an API value that
      is not usable data (a date beyond the year 9999, a negative size, NaN, a text where a number
      belongs) is V(null) too, with a warning.
    - A listed task with a test clone gets the C(clone_server) of C(GET /v3/tasks/{id}) (one request per
      such task), because the listing gives only the clone's C(vm_id) and C(name) and its phase needs the
      clone's C(clone_state).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    name:
      description: Task name.
      type: str
      sample: MigrationTask_app-01
    type:
      description: Migration type, V(MIGRATE_FILE) or V(MIGRATE_BLOCK).
      type: str
      sample: MIGRATE_FILE
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
        - Share of the data of the full copy that is copied, in percent (0.0 to 100.0); what a user
          reads next to the source's copied and total sizes.
        - V(100.0) once the task is past its full copy (phases syncing, replicated, cutting_over,
          finished); else the C(progress) of the full copy's sub-task (C(sub_tasks) named C(MIGRATE_*));
          else V(0.0) for a ready task and for a started, stopped or failed task whose sub-tasks
          hold no copy yet (SMS prepares the target first, copying nothing); else V(null).
        - Never an average of the other sub-tasks.
      type: float
      sample: 42.0
    current_subtask:
      description: Name of the sub-task in progress (the first started one without C(end_date)).
      type: str
      sample: MIGRATE_LINUX_FILE
    remain_seconds:
      description:
        - Seconds SMS expects the task still needs, while it is in progress (replicating, syncing,
          cutting_over); the task's C(remain_seconds) (C(GET /v3/tasks/{id})), else
          C(estimate_complete_time) minus now (the listing). V(null) otherwise.
      type: int
      sample: 3600
    eta:
      description:
        - When SMS expects the task to be done, ISO 8601 UTC, while it is in progress (replicating,
          syncing, cutting_over); the task's C(estimate_complete_time), else now plus
          C(remain_seconds). V(null) otherwise, as a stopped, failed or finished task keeps a stale estimate.
      type: str
      sample: "2026-11-24T03:15:00Z"
    speed_mbps:
      description: Current migration speed in Mbit/s (C(migrate_speed)).
      type: float
      sample: 312.5
    error:
      description:
        - The task's C(error_json) parsed into a dict, with the keys SMS wrote (normally C(error_code) and
          C(error_msg)); V(null) when there is none. Text that is not a JSON object becomes C(error_msg)
          (with the parsed value in C(details) when it is other JSON).
      type: dict
      sample: {"error_code": "SMS.1901", "error_msg": "The target server is unreachable"}
      contains:
        error_code:
          description: SMS's error code.
          type: str
          sample: SMS.1901
        error_msg:
          description: SMS's error message.
          type: str
          sample: The target server is unreachable
    start_time:
      description:
        - When the task started, ISO 8601 UTC; its C(start_date) (C(GET /v3/tasks/{id})), else the
          earliest C(start_date) of its sub-tasks (the listing).
      type: str
      sample: "2026-11-23T20:00:00Z"
    finish_time:
      description:
        - When the task finished, ISO 8601 UTC; its C(finish_date) (C(GET /v3/tasks/{id})), else for a
          replicated or finished task the latest C(end_date) of its sub-tasks when every one ended.
      type: str
      sample: "2026-11-24T02:00:00Z"
    estimate_complete_time:
      description: SMS's raw estimate of the completion, milliseconds since the epoch.
      type: int
      sample: 1795000000000
    migrate_speed:
      description: SMS's raw migration speed in Mbit/s.
      type: float
      sample: 312.5
    sub_tasks:
      description: The sub-tasks as SMS lists them.
      type: list
      elements: dict
      contains:
        name:
          description: Sub-task name, for example V(CREATE_CLOUD_SERVER), V(MIGRATE_LINUX_FILE), V(CONFIGURE_LINUX_FILE).
          type: str
          sample: MIGRATE_LINUX_FILE
        progress:
          description: Progress of the sub-task, 0 to 100.
          type: int
          sample: 42
        start_date:
          description: When it started, milliseconds since the epoch.
          type: int
          sample: 1795000000000
        end_date:
          description: When it ended, milliseconds since the epoch; V(null) while it runs.
          type: int
          sample: 1795000600000
    source_server:
      description: The task's source server (the SDK's C(SourceServerAssociatedWithTask) of C(TasksResponseBody)).
      type: dict
      contains:
        id:
          description: Source server ID.
          type: str
          sample: 6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b
        name:
          description: Source server name.
          type: str
          sample: app-01
        ip:
          description: Source server IP address.
          type: str
          sample: 192.168.0.10
        state:
          description: Source server state, for example V(replicate), V(syncing), V(cutovering), V(finished).
          type: str
          sample: replicate
        os_type:
          description: V(WINDOWS) or V(LINUX).
          type: str
          sample: LINUX
        os_version:
          description: OS version.
          type: str
          sample: CENTOS7.6
        oem_system:
          description: Whether the OS is an OEM edition (Windows).
          type: bool
          sample: false
        migration_cycle:
          description: The source's migration cycle, when SMS gives it (C(GET /v3/tasks/{id})).
          type: str
          sample: replicating
    clone_server:
      description:
        - The task's test clone (V(clone_test) of M(hwcloud.sms.sms_task_action)) as SMS gives it (the SDK's
          C(CloneServer) of C(GET /v3/tasks/{id})); V(null) when the task has none.
        - SMS keeps it after the clone server is deleted.
      type: dict
      returned: when SMS gives it
      version_added: 1.1.0
      sample: {"vm_id": "8d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "name": "app-01-clone", "clone_state": "FINISHED",
               "clone_error": null, "error_msg": null}
      contains:
        vm_id:
          description: ECS ID of the clone server.
          type: str
        name:
          description: Name of the clone server.
          type: str
        clone_state:
          description: V(PREPARING), V(CREATING), V(FINISHED) or V(ERROR); it gives the phases cloning and cloned.
          type: str
        clone_error:
          description: SMS's error code of a failed clone.
          type: str
        error_msg:
          description: SMS's error message of a failed clone.
          type: str
    log_collect_status:
      description: Where the upload of the task's logs stands (V(INIT), V(UPLOADING), V(UPLOADED), V(UPLOAD_FAIL)).
      type: str
      returned: when SMS gives it
      sample: INIT
    speed_windows:
      description: Time-window speed limits (the SDK's C(SpeedLimitlJson)); V([]) when the task has none.
      type: list
      elements: dict
      returned: with O(include) V(speed_windows)
      sample: [{"start": "08:00", "end": "18:00", "speed": 100, "over_speed_threshold": 120}]
      contains:
        start:
          description: Start of the window, V(HH:MM).
          type: str
        end:
          description: End of the window, V(HH:MM).
          type: str
        speed:
          description: Speed limit in the window, 0 to 1000 Mbit/s.
          type: int
        over_speed_threshold:
          description: Speed, in percent of the limit, above which SMS stops the migration.
          type: float
    configurations:
      description: Advanced settings (the SDK's C(ConfigBody)).
      type: list
      elements: dict
      returned: with O(include) V(configurations)
      sample: [{"config_key": "MIGRATE_EXCLUDE_DIR", "config_value": "/tmp", "config_status": ""}]
      contains:
        config_key:
          description: Setting, for example V(MIGRATE_EXCLUDE_DIR), V(SYNC_EXCLUDE_DIR), V(NUM_PROCESS_MIGRATE).
          type: str
        config_value:
          description: Value of the setting, as the agent reads it.
          type: str
        config_status:
          description: Reserved status field.
          type: str
    consistency_results:
      description: Consistency check results as SMS gives them (C(result_list)).
      type: list
      elements: raw
      returned: with O(include) V(consistency_results)
      sample: []
    gone:
      description: V(true) for a task that no longer exists (see RV(gone_tasks)).
      type: bool
      returned: for a task deleted while waited for
      sample: true
    last_state:
      description: The last state read of a task that no longer exists.
      type: str
      returned: for a task deleted while waited for
      sample: RUNNING
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "name": "MigrationTask_app-01", "type": "MIGRATE_FILE", "state": "RUNNING",
            "phase": "replicating", "progress_percent": 42.0, "current_subtask": "MIGRATE_LINUX_FILE", "remain_seconds": 3600,
            "eta": "2026-11-24T03:15:00Z", "speed_mbps": 312.5, "error": null, "start_time": "2026-11-23T20:00:00Z",
            "finish_time": null, "estimate_complete_time": 1795000000000, "migrate_speed": 312.5,
            "sub_tasks": [{"name": "MIGRATE_LINUX_FILE", "progress": 42, "start_date": 1795000000000, "end_date": null}],
            "source_server": {"id": "6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b", "name": "app-01", "ip": "192.168.0.10",
                              "state": "replicate"}}]
summary:
  description: Number of tasks per phase; every phase is present.
  returned: always
  type: dict
  contains:
    ready:
      description: Tasks created and not started.
      type: int
      sample: 0
    replicating:
      description: Tasks in their full copy.
      type: int
      sample: 3
    syncing:
      description: Tasks in continuous or incremental sync.
      type: int
      sample: 1
    replicated:
      description: Tasks with the full copy done, target not launched.
      type: int
      sample: 0
    cutting_over:
      description: Tasks whose target is being launched.
      type: int
      sample: 0
    finished:
      description: Tasks whose target was launched.
      type: int
      sample: 6
    cloning:
      description: Tasks whose target is being cloned for a test (V(clone_test)).
      type: int
      sample: 0
      version_added: 1.1.0
    cloned:
      description: Tasks in continuous sync with a test clone made (C(clone_state) FINISHED).
      type: int
      sample: 0
      version_added: 1.1.0
    drilling:
      description: Tasks in a migration drill (V(migration_test); source premigready or premiging).
      type: int
      sample: 0
      version_added: 1.1.0
    drilled:
      description: Tasks whose migration drill passed (source premiged).
      type: int
      sample: 0
      version_added: 1.1.0
    drill_failed:
      description: Tasks whose migration drill failed (source premigfailed).
      type: int
      sample: 0
      version_added: 1.1.0
    stopping:
      description: Tasks being stopped.
      type: int
      sample: 0
    stopped:
      description: Stopped tasks.
      type: int
      sample: 0
    failed:
      description: Failed tasks.
      type: int
      sample: 1
    deleting:
      description: Tasks being deleted.
      type: int
      sample: 0
    unknown:
      description: Tasks in a state this module does not know, and tasks that no longer exist.
      type: int
      sample: 0
  sample: {"ready": 0, "replicating": 3, "syncing": 1, "replicated": 0, "cutting_over": 0, "finished": 6, "cloning": 0, "cloned": 0,
           "drilling": 0, "drilled": 0, "drill_failed": 0, "stopping": 0, "stopped": 0, "failed": 1, "deleting": 0, "unknown": 0}
count:
  description: Number of tasks returned.
  returned: always
  type: int
  sample: 11
missing_task_ids:
  description: IDs of O(task_ids) that SMS does not know (at the first read).
  returned: always
  type: list
  elements: str
  sample: ["2c0689c860ad4728a497c91ec0844384"]
gone_tasks:
  description:
    - Tasks that disappeared while waited for (C(GET /v3/tasks/{id}) answered 404); such a task
      ends the wait at once with a failure naming it. Empty when none did.
    - Each is what was last known of the task (C(id), C(name), C(source_server)) with C(gone),
      C(last_state), C(state) V(null), C(phase) V(unknown) and C(error).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    name:
      description: Task name, when it was known.
      type: str
      sample: MigrationTask_app-01
    gone:
      description: Always V(true).
      type: bool
      sample: true
    last_state:
      description: The task state read last, before it disappeared.
      type: str
      sample: RUNNING
    state:
      description: Always V(null).
      type: str
      sample: null
    phase:
      description: Always V(unknown).
      type: str
      sample: unknown
    source_server:
      description: The task's source server as read last (as in RV(tasks[].source_server)).
      type: dict
      sample: {"id": "6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b", "name": "app-01"}
      contains:
        id:
          description: ID of the source server.
          type: str
          sample: 6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b
        name:
          description: Name of the source server.
          type: str
          sample: app-01
    error:
      description: Why it is reported.
      type: dict
      sample: {"error_msg": "the task no longer exists (HTTP 404 for GET /v3/tasks/2c0689c860ad4728a497c91ec0844384)"}
      contains:
        error_msg:
          description: That the task no longer exists.
          type: str
          sample: the task no longer exists (HTTP 404 for GET /v3/tasks/2c0689c860ad4728a497c91ec0844384)
  sample: []
failed_tasks:
  description:
    - The tasks that reached a phase of O(fail_on) and ended the wait, each with every field of an
      item of RV(tasks); those read most are below.
  returned: when a wait fails
  type: list
  elements: dict
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "state": "MIGRATE_FAIL", "phase": "failed",
            "error": {"error_code": "SMS.1901", "error_msg": "The target server is unreachable"}}]
  contains:
    id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    name:
      description: Task name.
      type: str
      sample: MigrationTask_app-01
    state:
      description: Raw task state as SMS gave it.
      type: str
      sample: MIGRATE_FAIL
    phase:
      description: The phase.
      type: str
      sample: failed
    progress_percent:
      description: Share of the data of the full copy that is copied, in percent; V(null) when not known.
      type: float
      sample: 42.0
    source_server:
      description:
        - The task's source server (the SDK's C(SourceServerAssociatedWithTask) of C(TasksResponseBody)); a task
          read with C(GET /v3/tasks/{id}) also gives its C(migration_cycle).
      type: dict
      sample: {"id": "6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b", "name": "app-01", "ip": "192.168.0.10", "state": "replicate"}
      contains:
        id:
          description: ID of the source server.
          type: str
        ip:
          description: IP address of the source server.
          type: str
        name:
          description: Name of the source server.
          type: str
        os_type:
          description: V(WINDOWS) or V(LINUX).
          type: str
        os_version:
          description: OS version.
          type: str
        oem_system:
          description: Whether the OS is an OEM edition (Windows).
          type: bool
        state:
          description: State of the source server, for example V(replicate), V(syncing), V(cutovering), V(finished).
          type: str
    error:
      description:
        - The task's C(error_json) parsed into a dict, with the keys SMS wrote (normally C(error_code) and
          C(error_msg)); V(null) when there is none. Text that is not a JSON object becomes C(error_msg)
          (with the parsed value in C(details) when it is other JSON).
      type: dict
      sample: {"error_code": "SMS.1901", "error_msg": "The target server is unreachable"}
      contains:
        error_code:
          description: SMS's error code.
          type: str
          sample: SMS.1901
        error_msg:
          description: SMS's error message.
          type: str
          sample: The target server is unreachable
pending_tasks:
  description:
    - The tasks still waited for when the wait timed out or polls failed past O(outage_timeout), each
      with every field of an item of RV(tasks); those read most are below.
  returned: when a wait fails
  type: list
  elements: dict
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "state": "RUNNING", "phase": "replicating"}]
  contains:
    id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    name:
      description: Task name.
      type: str
      sample: MigrationTask_app-01
    state:
      description: Raw task state as SMS gave it.
      type: str
      sample: RUNNING
    phase:
      description: The phase.
      type: str
      sample: replicating
    progress_percent:
      description: Share of the data of the full copy that is copied, in percent; V(null) when not known.
      type: float
      sample: 42.0
    source_server:
      description:
        - The task's source server (the SDK's C(SourceServerAssociatedWithTask) of C(TasksResponseBody)); a task
          read with C(GET /v3/tasks/{id}) also gives its C(migration_cycle).
      type: dict
      sample: {"id": "6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b", "name": "app-01", "ip": "192.168.0.10", "state": "replicate"}
      contains:
        id:
          description: ID of the source server.
          type: str
        ip:
          description: IP address of the source server.
          type: str
        name:
          description: Name of the source server.
          type: str
        os_type:
          description: V(WINDOWS) or V(LINUX).
          type: str
        os_version:
          description: OS version.
          type: str
        oem_system:
          description: Whether the OS is an OEM edition (Windows).
          type: bool
        state:
          description: State of the source server, for example V(replicate), V(syncing), V(cutovering), V(finished).
          type: str
    error:
      description:
        - The task's C(error_json) parsed into a dict, with the keys SMS wrote (normally C(error_code) and
          C(error_msg)); V(null) when there is none. Text that is not a JSON object becomes C(error_msg)
          (with the parsed value in C(details) when it is other JSON).
      type: dict
      sample: {"error_code": "SMS.1901", "error_msg": "The target server is unreachable"}
      contains:
        error_code:
          description: SMS's error code.
          type: str
          sample: SMS.1901
        error_msg:
          description: SMS's error message.
          type: str
          sample: The target server is unreachable
status:
  description: HTTP status of the last failed poll, when polls failed past O(outage_timeout) with an API error.
  returned: when a wait fails that way
  type: int
  sample: 503
error_code:
  description: SMS error code of that last failed poll.
  returned: when a wait fails that way
  type: str
  sample: SMS.2007
error_msg:
  description: SMS error message of that last failed poll.
  returned: when a wait fails that way
  type: str
  sample: Background exception
request_id:
  description: Request ID of that last failed poll.
  returned: when a wait fails that way
  type: str
  sample: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
polls:
  description: How many times the tasks were read.
  returned: always
  type: int
  sample: 12
failed_polls:
  description: How many polls failed (ridden through, see O(outage_timeout)).
  returned: always
  type: int
  sample: 0
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
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_id, check_optional_text
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, SmsError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe, summary_of
from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import INCLUDES, task_extras
from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import (
    WaitFailed,
    check_wait_options,
    note_warnings,
    progress_writer,
    wait_argument_spec,
    wait_for_tasks,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import (
    TaskReader,
    complete_clone_servers,
    list_tasks,
    matching_tasks,
)

FILTERS = ("name", "state", "source_id", "enterprise_project_id")


def argument_spec():
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
    return spec


def check_options(params):
    """The task IDs to read (None: list the tasks); SmsInputError for bad options."""
    check_wait_options(params)
    for option in FILTERS:
        check_optional_text(option, params[option])
    if params["task_id"] is not None:
        return [check_id("task_id", params["task_id"])]
    for index, task_id in enumerate(params["task_ids"] or ()):
        check_id("task_ids[%d]" % index, task_id)
    return params["task_ids"]


class TaskInfo(object):
    """Reads the tasks (by ID, or every task the filters select), waits for them with wait_for,
    adds their settings with include."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.notes = []  # values from SMS shown as null, warned about at the end

    def run(self):
        try:
            return self._run()
        finally:
            for warning in note_warnings(self.notes):
                self.module.warn(warning)

    def _run(self):
        params = self.params
        ids = check_options(params)
        client = self.module.client
        tasks, missing = self._read(client, ids)
        described = [describe(task, notes=self.notes) for task in tasks]
        stats = dict(polls=1, requests_per_poll=[client.request_count], waited_seconds=0.0, failed_polls=0)
        progress = progress_writer(params["progress_file"])
        if params["wait_for"] is not None:
            described, stats = self._wait(client, described, missing, stats, progress)
        else:
            progress(described, stats)
        for task in described if params["include"] else ():
            task.update(self.module.call("Reading the settings of task %s failed" % task["id"], task_extras, client,
                                         task["id"], params["include"]))
        return dict(changed=False, tasks=described, summary=summary_of(described), count=len(described),
                    missing_task_ids=missing, gone_tasks=[], polls=stats["polls"],
                    requests_per_poll=stats["requests_per_poll"], failed_polls=stats["failed_polls"],
                    waited_seconds=stats["waited_seconds"])

    def _read(self, client, ids):
        """(task records, IDs of tasks that do not exist)."""
        params = self.params
        if ids is None:
            query = {"name": params["name"], "state": params["state"], "source_server_id": params["source_id"],
                     "enterprise_project_id": params["enterprise_project_id"]}
            listed = self.module.call("Listing the tasks failed", list_tasks, client, query)
            return self.module.call("Reading the test clones of the tasks failed", complete_clone_servers, client, listed), []
        read = self.module.call("Reading the tasks failed", TaskReader(client).read, ids)
        found = [read[task_id] for task_id in dict.fromkeys(ids) if read.get(task_id) is not None]
        return (matching_tasks(found, **dict((option, params[option]) for option in FILTERS)),
                [task_id for task_id in ids if read.get(task_id) is None])

    def _wait(self, client, described, missing, stats, progress):
        params = self.params
        if missing:
            raise SmsError("cannot wait for tasks that do not exist: %s" % ", ".join(missing),
                           missing_task_ids=missing)
        if not described:
            raise SmsError("no task matches the filters, so there is nothing to wait for",
                           tasks=[], summary=summary_of([]), count=0)
        try:
            tasks, wait_stats = wait_for_tasks(
                client, [task["id"] for task in described], params["wait_for"], params["wait_mode"],
                params["fail_on"], params["wait_timeout"], params["poll_interval"], progress=progress,
                initial=dict((task["id"], task) for task in described), outage_timeout=params["outage_timeout"],
                notes=self.notes)
        except WaitFailed as exc:
            raise SmsError(str(exc), count=len(exc.tasks), missing_task_ids=missing, **exc.result)
        except (SmsApiError, SmsClientError) as exc:
            raise SmsError("Waiting for the tasks failed: %s" % exc, **exc.fail_json_keywords())
        # The first poll is the read above: its requests count.
        wait_stats["requests_per_poll"][0] = stats["requests_per_poll"][0]
        return tasks, wait_stats


def main():
    module = SmsModule(argument_spec=argument_spec(), mutually_exclusive=[("task_id", "task_ids")],
                       supports_check_mode=True)
    try:
        result = TaskInfo(module).run()
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
