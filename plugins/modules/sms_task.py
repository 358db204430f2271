#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_task
short_description: Create or delete Huawei Cloud SMS migration tasks, one per source server
version_added: 1.0.0
description:
  - Makes sure a source server has a migration task of Server Migration Service (SMS)
    (C(POST /v3/tasks)), or has none (C(DELETE /v3/tasks/{id})). The source server is the key, so
    running the module again never creates a second task for it.
  - The target is either created from a server template (O(template_id)) or an existing ECS
    (O(target_server_id) and O(target_server_name)).
  - The target disks are copied from the source's recommended layout (C(init_target_server.disks),
    that is name, size in bytes, device use, physical volumes), as Terraform does; SMS refuses a
    task without disks. O(target_disks) changes single disks by name.
  - The region and project of the task come from the connection options (O(region),
    O(project_id), or the project ID looked up in IAM); the project name is the region.
  - A task that exists already is compared with the options that were set. Most fields of a
    task cannot change after it was created, so a difference fails, showing the difference,
    before anything is sent. Delete the task (O(state=absent)) and create it again to change them.
  - The comparison reads only fields the official SDK documents - O(name), O(type), O(target_server_id),
    O(target_server_name), O(migration_ip), O(syncing), O(start_target_server), O(priority),
    O(speed_limit) and O(need_migration_test) from the task listing (C(GET /v3/tasks),
    C(TasksResponseBody)), and O(template_id) from C(GET /v3/tasks/{id}) (C(ShowTaskResponse)),
    which is read only for an existing task whose row sets O(template_id) (one request per such
    task). So a task created with O(syncing=false), which SMS launches as soon as the full copy
    ends, is not taken for the O(syncing=true) a row asks for. O(use_public_ip), O(use_ipv6),
    O(over_speed_threshold), O(is_need_consistency_check), O(start_network_check) and
    O(clonevm_template_id) are in neither answer, so a difference in them cannot be seen and is
    not reported.
  - O(tasks) handles a whole wave in one call. Every row is checked in one pass (bad values,
    unknown or ambiguous source servers, the same source or target in two rows, disconnected
    agents, failed environment checks, an OS that does not support the type) and every problem is
    reported at once, before anything is written; a bad value does not stop the checks against SMS
    of that row or the others. C(problems) lists them as text and C(row_problems) by row and option.
  - Request bodies carry only the fields of the official SDK's C(PostTask) model.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: Reads the source servers and tasks, checks everything and returns the requests that would be sent.
  diff_mode:
    support: full
    description: Shows the task before and after (the request that would create it).
options:
  source_id:
    description: ID of the source server. One of O(source_id), O(source_name), O(source_ip) or O(tasks) is required.
    type: str
  source_name:
    description: Name of the source server; it must match exactly one source server.
    type: str
  source_ip:
    description: IP address of the source server; it must match exactly one source server.
    type: str
  tasks:
    description:
      - Rows of a wave, each a dict with the per-task options of this module (O(source_id),
        O(source_name) or O(source_ip), O(name), O(template_id), O(target_server_id),
        O(target_server_name), O(migration_ip), O(type), O(syncing), O(start), O(priority),
        O(speed_limit), O(start_target_server), O(use_public_ip), O(target_disks) ...).
        Options set outside O(tasks) are the defaults of every row.
      - A row may name its source server by more than one of O(source_id), O(source_name) and
        O(source_ip) when they all name the same server (checked against SMS), as a plan with both
        a name and an IP column does.
      - The values of a row are typed and checked by the module itself (the same types and choices
        as the options), so that every bad value of every row is reported in one run.
      - Source servers are then resolved from one listing of all source servers and existing
        tasks from one listing of all tasks.
    type: list
    elements: dict
  state:
    description:
      - V(present) makes sure the task exists, V(absent) deletes it.
      - A task that is running (replicating, syncing, cutting over, stopping) is not deleted
        unless O(force=true), which stops it first and waits until it stopped.
    type: str
    choices: [present, absent]
    default: present
  force:
    description: With O(state=absent), stop a running task and wait for it to stop before deleting it.
    type: bool
    default: false
  name:
    description:
      - Name of the task. Default the source server's name, with characters SMS does not accept
        in task names replaced by C(-).
      - Letters, digits, Chinese characters, C(_) and C(-), 1 to 255 characters.
    type: str
  template_id:
    description: ID of the server template the target server is created from (sent as C(vm_template_id)).
    type: str
  target_server_id:
    description: ID of an existing ECS to migrate onto (sent as C(target_server.vm_id) with C(exist_server=true)).
    type: str
  target_server_name:
    description:
      - Name of the target server. Required with O(target_server_id); default the source name with a template.
    type: str
  migration_ip:
    description: IP address of the target used for the migration (needed with an existing target).
    type: str
  type:
    description: Migration type. Default V(MIGRATE_BLOCK) for Windows (the only one it supports) and V(MIGRATE_FILE) for Linux.
    type: str
    choices: [MIGRATE_FILE, MIGRATE_BLOCK]
  syncing:
    description:
      - Keep synchronising continuously after the full copy, until the cut-over launches the
        target server. When V(false) (the SMS default), SMS launches the target server as soon as
        the full copy ends.
      - P(hwcloud.sms.wave_plan#filter) sets V(true) on every plan line that does not say
        otherwise, so a migration project's C(syncing) does not apply to plan lines.
    type: bool
  start_target_server:
    description: Start the target server after the migration (SMS default V(true)).
    type: bool
  use_public_ip:
    description: Migrate over the target's public IP (SMS default V(true)).
    type: bool
  use_ipv6:
    description: Migrate over IPv6.
    type: bool
  priority:
    description: Priority of the task, V(low), V(standard) or V(high) (sent as 0, 1, 2).
    type: str
    choices: [low, standard, high]
  speed_limit:
    description: Speed limit in Mbit/s (0 to 10000, 0 means none).
    type: int
  over_speed_threshold:
    description: Percentage over O(speed_limit) at which SMS pauses the task.
    type: float
  is_need_consistency_check:
    description: Check the consistency of the data after the migration.
    type: bool
  need_migration_test:
    description: Allow a migration drill.
    type: bool
  start_network_check:
    description: Check the network quality before migrating.
    type: bool
  clonevm_template_id:
    description: Server template of the clone server used by a clone test.
    type: str
  start:
    description:
      - Start the task. A new task is created with C(auto_start); an existing task is started
        when it is ready, stopped or failed (it is left alone when it already runs or ran).
    type: bool
    default: false
  target_disks:
    description:
      - Changes to the target disks copied from the source, by disk name (C(/dev/vda), C(Disk 0) ...).
        Each item needs C(name) and may set C(size) (bytes) or C(size_gb), C(device_use),
        C(disk_id) (the EVS disk of an existing target) and C(physical_volumes).
    type: list
    elements: dict
  migproject:
    description:
      - ID or name of a migration project whose settings fill the options not set for a task that is
        created (O(type), O(syncing), O(use_public_ip), O(start_target_server), O(speed_limit),
        O(start_network_check)); SMS's create-task request has no project field.
      - Existing tasks are not compared with the project. An option set in the row (as
        P(hwcloud.sms.wave_plan#filter) always sets O(syncing)) wins over the project's setting.
    type: str
  speed_windows:
    description:
      - Time windows with their own speed limit (C(POST /v3/tasks/{id}/speed-limit)), compared with
        the task's windows (C(GET)) and replaced as a whole when they differ; V([]) removes them.
      - Each item needs C(start) and C(end) (V(HH:MM), start before end, windows must not overlap)
        and C(speed) (Mbit/s, 0 to 1000); C(over_speed_threshold) (percent) is optional.
    type: list
    elements: dict
  configurations:
    description:
      - Advanced settings of the task (C(POST /v3/tasks/{id}/configuration-setting)) by key, for
        example C(MIGRATE_EXCLUDE_DIR), C(SYNC_EXCLUDE_DIR), C(ONLY_SYNC_DIR), C(LINUX_CPU_LIMIT),
        C(LINUX_MEM_LIMIT), C(LINUX_IO_LIMIT), C(NUM_PROCESS_MIGRATE), C(NUM_PROCESS_SYNC). A list
        value is sent comma-separated, a number as text.
      - Only the keys given are compared with the task's settings (C(GET)) and sent when they differ.
    type: dict
  require_connected:
    description:
      - Refuse to create a task for a source server whose agent is not connected or whose
        environment checks failed (state V(unavailable) or a check with result V(ERROR)).
    type: bool
    default: true
  workers:
    description: How many requests are sent at the same time for O(tasks) (1 to 32).
    type: int
    default: 4
  stop_timeout:
    description: Seconds to wait for a task to stop with O(force=true).
    type: float
    default: 600
"""

EXAMPLES = r"""
- name: A task migrating app-01 onto a server created from a template, started at once
  hwcloud.sms.sms_task:
    source_name: app-01
    template_id: 0f3b5e1c-8c4a-4f55-9d7a-6a1c2b3d4e5f
    syncing: true
    start: true
  register: app01

- name: Its phase
  ansible.builtin.debug:
    msg: "{{ app01.task.id }} is {{ app01.phase }}"

- name: Onto an existing ECS, with a bigger data disk
  hwcloud.sms.sms_task:
    source_id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    target_server_id: 5a6b7c8d-1111-2222-3333-444455556666
    target_server_name: db-01-new
    migration_ip: 192.168.0.12
    target_disks:
      - name: /dev/vdb
        size_gb: 200

- name: Tasks of a whole wave in one call (every row is checked before anything is sent)
  hwcloud.sms.sms_task:
    syncing: true
    tasks:
      - {source_name: web-01, template_id: "{{ web_template }}"}
      - {source_name: web-02, template_id: "{{ web_template }}", priority: high}
      - {source_ip: 10.0.3.7, target_server_id: "{{ ecs_id }}", target_server_name: db-01, migration_ip: 192.168.0.9}

- name: Check a wave without sending anything; every problem of every row in one run
  hwcloud.sms.sms_task:
    tasks: "{{ wave_rows | map(attribute='task') | list }}"
  check_mode: true
  register: checked
  ignore_errors: true

- name: The problems by row and option (for example to map them to the lines of a plan)
  ansible.builtin.debug:
    msg: "{{ checked.row_problems | default([]) }}"

- name: Slow it down in office hours and skip scratch directories
  hwcloud.sms.sms_task:
    source_name: app-01
    template_id: 0f3b5e1c-8c4a-4f55-9d7a-6a1c2b3d4e5f
    speed_windows:
      - {start: "08:00", end: "18:00", speed: 100}
    configurations:
      MIGRATE_EXCLUDE_DIR: [/tmp, /var/cache]
      LINUX_CPU_LIMIT: 50

- name: Remove a task, stopping it first if it runs
  hwcloud.sms.sms_task:
    source_name: app-01
    state: absent
    force: true
"""

RETURN = r"""
task:
  description:
    - The task as SMS returns it (C(GET /v3/tasks/{id})) with its phase and progress fields as
      M(hwcloud.sms.sms_task_info) adds them; in check mode before creation, the request body with
      C(id=null) and C(state=READY).
    - V(null) after deletion or when no task exists with O(state=absent).
  returned: when O(tasks) is not used
  type: dict
  sample: {"id": "2c06d8f2-6f1b-4b7e-9a55-0d4c3c0e1a11", "name": "app-01", "type": "MIGRATE_FILE", "state": "READY",
           "phase": "ready", "progress_percent": 0.0, "source_server": {"id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f"}}
  contains:
    id:
      description: ID of the task; V(null) in check mode before creation.
      type: str
    name:
      description: Name of the task.
      type: str
    type:
      description: Migration type, V(MIGRATE_FILE) or V(MIGRATE_BLOCK).
      type: str
    state:
      description: The task's state as SMS reports it (V(READY), V(RUNNING), V(SYNCING), V(MIGRATE_SUCCESS) ...).
      type: str
    phase:
      description: The phase derived from the state (see M(hwcloud.sms.sms_task_info)).
      type: str
    source_server:
      description:
        - The source server of the task (the SDK's C(SourceServerAssociatedWithTask) of C(TasksResponseBody)).
        - A task read with C(GET /v3/tasks/{id}) also gives its C(migration_cycle). In check mode before
          creation, only C(id) (from the request body).
      type: dict
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
    target_server:
      description:
        - The target server (the SDK's C(TargetServerAssociatedWithTask) of C(TasksResponseBody)).
        - A task read with C(GET /v3/tasks/{id}) also gives C(system_dir), C(disks), C(volume_groups),
          C(btrfs_list), C(image_disk_id) and C(cutovered_snapshot_ids) (its C(TaskTargetServer)). In check
          mode before creation, the C(target_server) of the request body (C(name), C(vm_id), C(disks), ...).
      type: dict
      contains:
        id:
          description: ID of the target server's record in SMS.
          type: str
        vm_id:
          description: ID of the target server (ECS).
          type: str
        name:
          description: Name of the target server.
          type: str
        ip:
          description: IP address of the target server.
          type: str
        os_type:
          description: V(WINDOWS) or V(LINUX).
          type: str
        os_version:
          description: OS version.
          type: str
    progress_percent:
      description: Share of the data copied, in percent, or V(null) when it is not known (see M(hwcloud.sms.sms_task_info)).
      type: float
phase:
  description: The task's phase (see M(hwcloud.sms.sms_task_info)); V(null) when there is no task.
  returned: when O(tasks) is not used
  type: str
  sample: ready
outcome:
  description:
    - V(created), V(started), V(updated) (only O(speed_windows) or O(configurations) changed),
      V(unchanged), V(deleted) or V(absent) (nothing to delete).
    - V(exists) when SMS refused to create the task but the source server has one now (another
      job created it first, or a gateway failed after SMS created it); the task is that one. It
      is compared with the options like any existing task, and a difference makes the outcome
      V(failed) (C(attempted=exists)), so that a task another job created with O(syncing=false)
      is not taken for the planned one.
    - V(failed) when a request failed; C(attempted) then says which outcome it was going for.
  returned: when O(tasks) is not used
  type: str
  sample: created
attempted:
  description: With C(outcome=failed), the outcome the failed request was for (V(created), V(started), V(updated), V(deleted)).
  returned: when a request failed
  type: str
  sample: created
settings_requests:
  description:
    - The speed-limit and configuration requests (method, path, body) sent or, in check mode, that
      would be sent, because O(speed_windows) or O(configurations) differ from the task's.
  returned: when O(tasks) is not used
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/v3/tasks/2c06/speed-limit", "body": {"speed_limit": [{"start": "08:00", "end": "18:00", "speed": 100}]}}]
  contains:
    method:
      description: HTTP method.
      type: str
    path:
      description: Path of the request; for a task not created yet, the words V(new task) in parentheses stand in for its ID.
      type: str
    body:
      description:
        - The JSON body of the request, free-form as the operation in RV(settings_requests[].path) takes it
          (C(speed_limit) windows for C(.../speed-limit), C(migrate_type) and C(configurations) for
          C(.../configuration-setting)).
      type: dict
request:
  description: The request (method, path, body) that creates or starts the task, sent or, in check mode, that would be sent.
  returned: when a task is or would be created or started
  type: dict
  sample: {"method": "POST", "path": "/v3/tasks", "body": {"name": "app-01", "type": "MIGRATE_FILE"}}
  contains:
    method:
      description: HTTP method.
      type: str
    path:
      description: Path of the request.
      type: str
    body:
      description: The request body, free-form as the operation takes it (the SDK's C(PostTask) to create, C(UpdateTaskStatusReq) to start).
      type: dict
results:
  description: With O(tasks), one entry per row, in the order of the rows.
  returned: when O(tasks) is used
  type: list
  elements: dict
  sample: [{"index": 0, "source_id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "source_name": "app-01", "outcome": "created",
            "changed": true, "phase": "ready", "task": {"id": "2c06d8f2-6f1b-4b7e-9a55-0d4c3c0e1a11", "state": "READY"}}]
  contains:
    index:
      description: Index of the row in O(tasks), from 0.
      type: int
    source_id:
      description: ID of the row's source server; V(null) when it could not be resolved.
      type: str
    source_name:
      description: Name of the row's source server.
      type: str
    task:
      description:
        - The task as in RV(task), with every field described there (C(type), C(source_server),
          C(target_server), C(progress_percent), ...); those read most are below. When SMS did not
          create the task of the row (C(outcome=failed)), a dict whose C(id), C(state) and C(phase)
          are V(null), never V(null) itself.
        - V(null) after deletion or when there is nothing to delete.
      type: dict
      contains:
        id:
          description: ID of the task; V(null) in check mode before creation and when SMS did not create it.
          type: str
        name:
          description: Name of the task.
          type: str
        state:
          description: The task's state as SMS reports it.
          type: str
        phase:
          description: The phase derived from the state (see M(hwcloud.sms.sms_task_info)).
          type: str
        progress_percent:
          description: Share of the data copied, in percent, or V(null) when it is not known.
          type: float
    phase:
      description: The task's phase, V(null) when there is no task.
      type: str
    outcome:
      description: As RV(outcome), for the row.
      type: str
    attempted:
      description: With C(outcome=failed), the outcome the failed request was for.
      type: str
    changed:
      description: Whether the row changed something in SMS (a task SMS created stays a change when a settings request after it failed).
      type: bool
    request:
      description: As RV(request), for the row.
      type: dict
      contains:
        method:
          description: HTTP method.
          type: str
        path:
          description: Path of the request.
          type: str
        body:
          description: The request body, free-form as the operation takes it (the SDK's C(PostTask) to create, C(UpdateTaskStatusReq) to start).
          type: dict
    settings_requests:
      description: As RV(settings_requests), for the row.
      type: list
      elements: dict
      contains:
        method:
          description: HTTP method.
          type: str
        path:
          description: Path of the request; for a task not created yet, the words V(new task) in parentheses stand in for its ID.
          type: str
        body:
          description: The JSON body of the request, free-form as the operation in its C(path) takes it.
          type: dict
    error:
      description: With C(outcome=failed), what went wrong.
      type: dict
      contains:
        msg:
          description: The error as a text.
          type: str
        status:
          description: HTTP status of SMS's answer (API errors only).
          type: int
        error_code:
          description: SMS's error code, for example V(SMS.0515) (API errors only).
          type: str
        error_msg:
          description: SMS's error message (API errors only).
          type: str
        request_id:
          description: The request ID of SMS's answer, for support cases (API errors only).
          type: str
        method:
          description: HTTP method of the failed request (API errors only).
          type: str
          sample: POST
        url:
          description: URL of the failed request (API errors only).
          type: str
          sample: https://sms.ap-southeast-3.myhuaweicloud.com/v3/tasks
        body:
          description: SMS's error answer, parsed when it is small JSON, else its text cut short (API errors only).
          type: raw
          sample: {"error_code": "SMS.0515", "error_msg": "..."}
        encoded_authorization_message:
          description: The encoded authorization message of a refusal by IAM, else V(null) (API errors only).
          type: str
          sample: null
    create_error:
      description: With C(outcome=exists), SMS's refusal of the creation request (fields as in C(error)).
      type: dict
      contains:
        msg:
          description: The error as a text.
          type: str
        status:
          description: HTTP status of SMS's answer (API errors only).
          type: int
        error_code:
          description: SMS's error code, for example V(SMS.0515) (API errors only).
          type: str
        error_msg:
          description: SMS's error message (API errors only).
          type: str
        request_id:
          description: The request ID of SMS's answer, for support cases (API errors only).
          type: str
        method:
          description: HTTP method of the failed request (API errors only).
          type: str
          sample: POST
        url:
          description: URL of the failed request (API errors only).
          type: str
          sample: https://sms.ap-southeast-3.myhuaweicloud.com/v3/tasks
        body:
          description: SMS's error answer, parsed when it is small JSON, else its text cut short (API errors only).
          type: raw
          sample: {"error_code": "SMS.0515", "error_msg": "..."}
        encoded_authorization_message:
          description: The encoded authorization message of a refusal by IAM, else V(null) (API errors only).
          type: str
          sample: null
    msg:
      description: With C(outcome=failed), the row label and the error as a text.
      type: str
summary:
  description: With O(tasks), the number of rows per outcome; the counts add up to the number of rows.
  returned: when O(tasks) is used
  type: dict
  sample: {"created": 10, "unchanged": 2, "failed": 1}
  contains:
    created:
      description: Rows whose task SMS created in answer to this run's request.
      type: int
    started:
      description: Rows whose existing task was started.
      type: int
    updated:
      description: Rows whose existing task got new O(speed_windows) or O(configurations).
      type: int
    unchanged:
      description: Rows whose task was already as asked.
      type: int
    exists:
      description: Rows whose task SMS refused to create because the source server had one by then (see RV(outcome)).
      type: int
    deleted:
      description: Rows whose task was deleted (O(state=absent)).
      type: int
    absent:
      description: Rows without a task to delete (O(state=absent)).
      type: int
    failed:
      description: Rows whose request failed (see C(error) in RV(results)).
      type: int
problems:
  description: Every problem found before anything was sent, as texts that start with the row's label (see the sample).
  returned: when the checks fail
  type: list
  elements: str
  sample: ["row 3 (source_name web-03): no source server has name 'web-03'"]
row_problems:
  description:
    - The same problems as RV(problems), by row, for a playbook that maps them back to its own
      lines (as P(hwcloud.sms.wave_problems#filter) does for a wave plan).
  returned: when the checks fail
  type: list
  elements: dict
  sample: [{"row": 3, "option": "source_name", "msg": "no source server has name 'web-03'", "kind": "sms"}]
  contains:
    row:
      description: The row in O(tasks), from 1; V(null) without O(tasks).
      type: int
    option:
      description: The option the problem is about (a row key such as V(priority) or V(source_ip)), or V(null).
      type: str
    msg:
      description: The problem, without the row label. Other rows are named C(row N).
      type: str
    kind:
      description:
        - V(value) for a problem of the row's values alone (a bad value, a missing target), V(sms) for
          one found in what SMS holds (unknown or ambiguous source, duplicate, agent, OS, an existing
          task that differs).
      type: str
"""

import difflib
import math
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.validation import check_type_bool, check_type_float, check_type_int

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule, check_seconds
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, error_entry
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import MOVING_PHASES, MOVING_SOURCE_STATES
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import NAME_BAD_CHARS, NAME_RE
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import resolve_sources
from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import (
    check_settings,
    fill_from_project,
    plan_settings,
    send_settings,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import action_body, guard, send_action
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import TaskReader, tasks_of_sources

PRIORITIES = {"low": 0, "standard": 1, "high": 2}

# Per-task options (also the keys of a row of ``tasks``). ``tasks`` gets no ``options=`` sub-spec on
# purpose: Ansible fails the whole call at the first bad sub-option and names it without its row, so
# the rows are typed against this same spec by _check_row_values, which reports every bad value of
# every row and goes on to the checks against SMS (unknown and duplicate sources, OS and type).
TASK_OPTIONS = dict(
    source_id=dict(type="str"),
    source_name=dict(type="str"),
    source_ip=dict(type="str"),
    name=dict(type="str"),
    template_id=dict(type="str"),
    target_server_id=dict(type="str"),
    target_server_name=dict(type="str"),
    migration_ip=dict(type="str"),
    type=dict(type="str", choices=["MIGRATE_FILE", "MIGRATE_BLOCK"]),
    syncing=dict(type="bool"),
    start_target_server=dict(type="bool"),
    use_public_ip=dict(type="bool"),
    use_ipv6=dict(type="bool"),
    priority=dict(type="str", choices=sorted(PRIORITIES)),
    speed_limit=dict(type="int"),
    over_speed_threshold=dict(type="float"),
    is_need_consistency_check=dict(type="bool"),
    need_migration_test=dict(type="bool"),
    start_network_check=dict(type="bool"),
    clonevm_template_id=dict(type="str"),
    start=dict(type="bool"),
    target_disks=dict(type="list", elements="dict"),
    migproject=dict(type="str"),
    speed_windows=dict(type="list", elements="dict"),
    configurations=dict(type="dict"),
)
_SOURCE_KEYS = ("source_id", "source_name", "source_ip")
_CONVERTERS = {"bool": check_type_bool, "int": check_type_int, "float": check_type_float}
_CONTAINERS = {"list": list, "dict": dict}
_KIND_WORDS = {"bool": "boolean (true/false, yes/no)", "int": "whole number", "float": "number"}
# Option -> where the existing task's record shows it. The record is an item of GET /v3/tasks (the
# SDK's TasksResponseBody, TargetServerAssociatedWithTask); vm_template_id is not in it, so it is
# read from GET /v3/tasks/{id} (ShowTaskResponse) - one GET per existing task whose row sets
# template_id, and none otherwise. None of these can change after creation. use_public_ip,
# use_ipv6, over_speed_threshold, is_need_consistency_check, start_network_check and
# clonevm_template_id are in neither answer, so they cannot be compared.
IMMUTABLE = (
    ("name", ("name",)),
    ("type", ("type",)),
    ("target_server_id", ("target_server", "vm_id")),
    ("target_server_name", ("target_server", "name")),
    ("migration_ip", ("migration_ip",)),
    ("syncing", ("syncing",)),
    ("start_target_server", ("start_target_server",)),
    ("priority", ("priority",)),
    ("speed_limit", ("speed_limit",)),
    ("need_migration_test", ("need_migration_test",)),
)
# Option -> field of GET /v3/tasks/{id} (ShowTaskResponse) that the listing lacks.
IMMUTABLE_SHOWN = (
    ("template_id", ("vm_template_id",)),
)


def default_task_name(source_name):
    return NAME_BAD_CHARS.sub("-", source_name or "")[:255] or "MigrationTask"


class Row(object):
    """One task to make sure of: its options, the resolved source, the existing task."""

    def __init__(self, index, options):
        self.index = index
        self.options = options
        self.source = None
        self.task = None
        self.result = dict(changed=False)

    @property
    def label(self):
        key = next((k for k in _SOURCE_KEYS if self.options.get(k)), None)
        where = "row %d " % (self.index + 1) if self.index is not None else ""
        return "%s(%s %s)" % (where, key, self.options.get(key)) if key else "%s" % (where.strip() or "task")


class Problems(object):
    """Every problem of the call, each of a row (or of none), about one option (or none). ``value``
    problems are those of a row's values alone, ``sms`` ones come from what SMS holds."""

    def __init__(self):
        self.items = []

    def add(self, row, msg, option=None, kind="sms"):
        self.items.append((row, option, msg, kind))

    def __bool__(self):
        return bool(self.items)

    __nonzero__ = __bool__

    def texts(self):
        return ["%s: %s" % (row.label, msg) if row is not None else msg for row, _option, msg, _kind in self.items]

    def by_row(self):
        return [dict(row=row.index + 1 if row is not None and row.index is not None else None, option=option,
                     msg=msg, kind=kind) for row, option, msg, kind in self.items]

    def fail(self, module, **extra):
        texts = self.texts()
        module.fail_json(msg="%d problem(s), nothing was sent:\n- %s" % (len(texts), "\n- ".join(texts)),
                         problems=texts, row_problems=self.by_row(), **extra)


def _merge_rows(params):
    defaults = dict((key, params.get(key)) for key in TASK_OPTIONS)
    if params["tasks"] is None:
        return [Row(None, defaults)]
    rows = []
    for index, item in enumerate(params["tasks"]):
        options = dict(defaults)
        for key in _SOURCE_KEYS:
            options[key] = None  # a row names its own source
        if isinstance(item, dict):
            options.update(dict((key, value) for key, value in item.items() if value is not None and value != ""))
        rows.append(Row(index, options))
    return rows


def _typed(key, value):
    """(value as TASK_OPTIONS types it, problem)."""
    spec = TASK_OPTIONS[key]
    kind = spec["type"]
    if kind in _CONVERTERS:
        try:
            value = _CONVERTERS[kind](value)
        except (TypeError, ValueError):
            return None, "%s must be a %s, got %r" % (key, _KIND_WORDS[kind], value)
        if kind == "float" and math.isnan(value):
            return None, "%s must be a number, got %r" % (key, value)
    elif kind in _CONTAINERS:
        if not isinstance(value, _CONTAINERS[kind]):
            return None, "%s must be a %s, got %r" % (key, kind, value)
    elif not isinstance(value, str) or value != value.strip() or not value or len(value) > 255:
        return None, "%s must be a string of 1 to 255 characters without surrounding white space, got %r" % (key, value)
    if spec.get("choices") and value not in spec["choices"]:
        return None, "%s must be one of %s, got %r" % (key, ", ".join(spec["choices"]), value)
    return value, None


def _check_row_values(row, state, problems):
    """Problems a row has on its own (before any request). A bad value is reported and dropped, so
    that the checks against SMS still run for the rest of the row."""
    options = row.options
    for key in sorted(set(options) - set(TASK_OPTIONS)):
        close = difflib.get_close_matches(key, TASK_OPTIONS, n=1)
        problems.add(row, "unknown key %s%s (allowed: %s)" % (
            key, "; did you mean %s?" % close[0] if close else "", ", ".join(sorted(TASK_OPTIONS))), key, "value")
        del options[key]
    for key in sorted(TASK_OPTIONS):
        if options.get(key) is not None:
            options[key], problem = _typed(key, options[key])
            if problem:
                problems.add(row, problem, key, "value")
    if not any(options.get(key) for key in _SOURCE_KEYS):
        problems.add(row, "one of source_id, source_name or source_ip is required", None, "value")
    if state == "absent":
        return
    if options.get("template_id") and options.get("target_server_id"):
        problems.add(row, "template_id and target_server_id are mutually exclusive", "target_server_id", "value")
    if options.get("target_server_id") and not options.get("target_server_name"):
        problems.add(row, "target_server_name is required with target_server_id", "target_server_name", "value")
    if options.get("name") is not None and not NAME_RE.match(options["name"]):
        problems.add(row, "name %r may only hold letters, digits, Chinese characters, _ and - (1 to 255)"
                     % options["name"], "name", "value")
        options["name"] = None
    if options.get("speed_limit") is not None and not 0 <= options["speed_limit"] <= 10000:
        problems.add(row, "speed_limit must be 0 to 10000 Mbit/s, got %r" % options["speed_limit"], "speed_limit", "value")
        options["speed_limit"] = None
    for key in ("speed_windows", "configurations"):
        for problem in check_settings({key: options.get(key)}):
            problems.add(row, problem, key, "value")
            options[key] = None
    disk_keys = set(("name", "size", "size_gb", "device_use", "disk_id", "physical_volumes"))
    unusable = False
    for disk in options.get("target_disks") or ():
        if not isinstance(disk, dict) or not disk.get("name"):
            problems.add(row, "every target_disks item needs a name", "target_disks", "value")
        elif set(disk) - disk_keys:
            problems.add(row, "target_disks item %s has unknown keys %s" % (
                disk["name"], ", ".join(sorted(set(disk) - disk_keys))), "target_disks", "value")
        else:
            continue
        unusable = True
    if unusable:
        options["target_disks"] = None  # no request is built from half of them


def _resolve_sources(client, rows, module, problems):
    """Attach each row's source record; problems for unknown and ambiguous ones, and for a row whose
    source options name different servers."""
    wanted = []
    for row in rows:
        for option in _SOURCE_KEYS:
            if row.options.get(option):
                wanted.append((row, option, (option.replace("source_", ""), row.options[option])))
    found = module.call("Looking up the source servers failed", resolve_sources, client, [key for _r, _o, key in wanted])
    for row, option, key in wanted:
        result = found[key]
        if result.get("problem") == "unknown":
            problems.add(row, "no source server has %s %r" % key, option)
        elif result.get("problem") == "ambiguous":
            problems.add(row, "%s %r is ambiguous, it matches %d source servers (%s); use source_id" % (
                key[0], key[1], len(result["ids"]), ", ".join(result["ids"])), option)
        elif row.source is not None and row.source["id"] != result["source"]["id"]:
            problems.add(row, "%s %r is source server %s (%s), but the row also names source server %s (%s)" % (
                key[0], key[1], result["source"].get("name"), result["source"]["id"], row.source.get("name"),
                row.source["id"]), option)
            row.source = False  # named two servers: no source to go on with
        elif row.source is not False:
            row.source = result["source"]
    for row in rows:
        if row.source is False:
            row.source = None


def _check_plan(rows, problems):
    """Problems between rows and with the sources of rows that would create a task."""
    seen_sources, seen_targets, seen_names = {}, {}, {}
    for row in rows:
        if row.source is None:
            continue
        source_id = row.source["id"]
        option = next((k for k in _SOURCE_KEYS if row.options.get(k)), None)
        if source_id in seen_sources:
            problems.add(row, "source server %s (%s) is already planned in %s" % (
                row.source.get("name"), source_id, seen_sources[source_id]), option)
        seen_sources.setdefault(source_id, row.label)
        target_id = row.options.get("target_server_id")
        if target_id:
            if target_id in seen_targets:
                problems.add(row, "target server %s is also the target of %s" % (target_id, seen_targets[target_id]),
                             "target_server_id")
            seen_targets.setdefault(target_id, row.label)
        target_name = row.options.get("target_server_name")
        if target_name:
            if target_name in seen_names:
                problems.add(row, "target server name %s is also used by %s" % (target_name, seen_names[target_name]),
                             "target_server_name")
            seen_names.setdefault(target_name, row.label)


def _check_creation(row, require_connected, problems):
    source = row.source
    options = row.options
    if not (options.get("template_id") or options.get("target_server_id")):
        problems.add(row, "a new task needs a target: template_id, or target_server_id and target_server_name",
                     "template_id", "value")
    if options.get("type") == "MIGRATE_FILE" and source.get("os_type") == "WINDOWS":
        problems.add(row, "Windows source server %s supports only MIGRATE_BLOCK" % source.get("name"), "type")
    if require_connected:
        if source.get("connected") is False:
            problems.add(row, "the agent of source server %s is not connected" % source.get("name"))
        failed_checks = [check.get("name") for check in source.get("checks") or () if check.get("result") == "ERROR"]
        if failed_checks or source.get("state") == "unavailable":
            problems.add(row, "source server %s failed its environment checks (%s)" % (
                source.get("name"), ", ".join(failed_checks) or "state unavailable"))
    disks = (source.get("init_target_server") or {}).get("disks")
    names = [disk.get("name") for disk in disks or ()]
    for disk in options.get("target_disks") or ():
        if isinstance(disk, dict) and disk.get("name") and disks is not None and disk["name"] not in names:
            problems.add(row, "target_disks names disk %s, but source server %s has %s" % (
                disk["name"], source.get("name"), ", ".join(names) or "no disks"), "target_disks")


# Fields of the SDK's PhysicalVolumes and VolumeGroups models: source records carry more.
_VOLUME_KEYS = ("device_use", "file_system", "index", "inode_size", "mount_point", "name", "size", "used_size", "uuid")
_VOLUME_GROUP_KEYS = ("components", "free_size", "logical_volumes", "name", "size")


def _only(keys, items):
    return [dict((key, item[key]) for key in keys if key in item) for item in items or () if isinstance(item, dict)]


def _target_disks(source, overrides, existing_target):
    disks = []
    by_name = dict((disk["name"], disk) for disk in overrides or ())
    for disk in (source.get("init_target_server") or {}).get("disks") or ():
        target = dict((key, disk[key]) for key in ("name", "size", "device_use", "physical_volumes")
                      if disk.get(key) is not None)
        override = by_name.get(disk.get("name"), {})
        if override.get("size_gb") is not None:
            target["size"] = int(float(override["size_gb"]) * 1024 ** 3)
        for key in ("size", "device_use", "disk_id", "physical_volumes"):
            if override.get(key) is not None:
                target[key] = int(override[key]) if key == "size" else override[key]
        if "physical_volumes" in target:
            target["physical_volumes"] = _only(_VOLUME_KEYS, target["physical_volumes"])
        if not existing_target:
            target.pop("disk_id", None)
        disks.append(target)
    return disks


def creation_body(row, region, project_id):
    """PostTask for a row; only fields of the SDK's PostTask, TargetServerByTask and TargetDisks."""
    options, source = row.options, row.source
    os_type = source.get("os_type")
    existing_target = bool(options.get("target_server_id"))
    target = {
        "name": options.get("target_server_name") or source.get("name"),
        "vm_id": options.get("target_server_id") or "",
        "disks": _target_disks(source, options.get("target_disks"), existing_target),
    }
    volume_groups = (source.get("init_target_server") or {}).get("volume_groups")
    if volume_groups:
        target["volume_groups"] = _only(_VOLUME_GROUP_KEYS, volume_groups)
    body = {
        "name": options.get("name") or default_task_name(source.get("name")),
        "type": options.get("type") or ("MIGRATE_BLOCK" if os_type == "WINDOWS" else "MIGRATE_FILE"),
        "os_type": os_type,
        "source_server": {"id": source["id"]},
        "target_server": target,
        "region_name": region,
        "region_id": region,
        "project_name": region,
        "project_id": project_id,
        "exist_server": existing_target,
        "syncing": bool(options.get("syncing")),
        "priority": PRIORITIES[options.get("priority") or "standard"],
    }
    if options.get("template_id"):
        body["vm_template_id"] = options["template_id"]
    for key in ("migration_ip", "clonevm_template_id", "start_target_server", "use_public_ip", "use_ipv6",
                "speed_limit", "over_speed_threshold", "is_need_consistency_check", "need_migration_test",
                "start_network_check"):
        if options.get(key) is not None:
            body[key] = options[key]
    if options.get("start"):
        body["auto_start"] = True
    return dict((key, value) for key, value in body.items() if value is not None)


def _immutable_diff(row, shown=None):
    """(before, after) of the immutable options the row sets that differ from the existing task:
    the listing's record, and for IMMUTABLE_SHOWN the task as GET /v3/tasks/{id} shows it."""
    before, after = {}, {}
    fields = [(key, path, row.task) for key, path in IMMUTABLE]
    fields += [(key, path, shown) for key, path in IMMUTABLE_SHOWN if shown is not None]
    for key, path, record in fields:
        wanted = row.options.get(key)
        if wanted is None:
            continue
        if key == "priority":
            wanted = PRIORITIES[wanted]
        have = record
        for field in path:
            have = have.get(field) if isinstance(have, dict) else None
        if have is None and key not in ("name", "type"):
            continue  # the record does not show it: nothing to compare
        if have != wanted:
            before[key], after[key] = have, wanted
    return before, after


def _difference_text(row, before, after):
    return "task %s of source server %s differs in fields that cannot change after creation: %s (delete it with " \
           "state=absent and create it again)" % (row.task["id"], row.source.get("name"), ", ".join(
               "%s %r -> %r" % (key, before[key], after[key]) for key in sorted(before)))


def _shown_tasks(client, rows, workers):
    """{task_id: GET /v3/tasks/{id}} of the existing tasks whose rows set an IMMUTABLE_SHOWN option."""
    ids = list(dict.fromkeys(row.task["id"] for row in rows if row.task is not None and any(
        row.options.get(key) is not None for key, _path in IMMUTABLE_SHOWN)))
    if not ids:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(ids))) as pool:
        answers = list(pool.map(lambda task_id: client.request("GET", client.path("/v3/tasks/{0}", task_id)), ids))
    return dict(zip(ids, answers))


def main():
    spec = dict(TASK_OPTIONS)
    spec.update(
        tasks=dict(type="list", elements="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        force=dict(type="bool", default=False),
        start=dict(type="bool", default=False),
        require_connected=dict(type="bool", default=True),
        workers=dict(type="int", default=4),
        stop_timeout=dict(type="float", default=600),
    )
    module = SmsModule(argument_spec=spec, mutually_exclusive=[("tasks", "source_id", "source_name", "source_ip")],
                       required_one_of=[("tasks", "source_id", "source_name", "source_ip")],
                       supports_check_mode=True)
    params = module.params
    state = params["state"]
    if not 1 <= params["workers"] <= 32:
        module.fail_json(msg="workers must be between 1 and 32, got %d" % params["workers"])
    check_seconds(module, "stop_timeout")
    if params["tasks"] is not None and not params["tasks"]:
        module.fail_json(msg="tasks must list at least one row")
    rows = _merge_rows(params)
    problems = Problems()
    for row in rows:
        _check_row_values(row, state, problems)
    # One pass: rows with bad values are still looked up, so that unknown and duplicate sources,
    # shared IPs and OS/type mismatches are reported with them. Only reads are sent before it passes.
    client = module.client
    _resolve_sources(client, rows, module, problems)
    _check_plan(rows, problems)
    found = module.call("Reading the tasks of the source servers failed", tasks_of_sources, client,
                        [row.source["id"] for row in rows if row.source is not None])
    for row in rows:
        if row.source is not None:
            row.task = found.get(row.source["id"])
    shown = module.call("Reading the existing tasks failed", _shown_tasks, client, rows,
                        params["workers"]) if state == "present" else {}
    for row in rows:
        if row.source is None:
            continue
        if state == "present" and row.task is None:
            if row.options.get("migproject"):
                problem = fill_from_project(module, client, row.options)
                if problem:
                    problems.add(row, problem, "migproject")
            _check_creation(row, params["require_connected"], problems)
        elif state == "present":
            before, after = _immutable_diff(row, shown.get(row.task["id"]))
            if before or after:
                row.result["diff"] = dict(before=before, after=after)
                problems.add(row, _difference_text(row, before, after), sorted(before)[0] if len(before) == 1 else None)
    if problems:
        problems.fail(module, diff=_combined_diff(rows))

    if state == "present":
        region = client.region
        if not region:
            module.fail_json(msg="the task's region_name and region_id come from the region option "
                                 "(or HUAWEICLOUD_REGION), which is not set")
        for row in rows:
            _plan_present(row, region, client.project_id, module.check_mode)
            module.call("Reading the speed limits and configurations of %s failed" % row.label, plan_settings, client, row)
    else:
        for row in rows:
            _plan_absent(row, params["force"])
        for row in rows:
            if row.result.get("refused"):
                problems.add(row, row.result["refused"])
        if problems:
            problems.fail(module)

    if not module.check_mode:
        with ThreadPoolExecutor(max_workers=min(params["workers"], len(rows))) as pool:
            list(pool.map(lambda row: _apply(client, row, params["stop_timeout"]), rows))
        if state == "present":
            changed_ids = [row.result["task_id"] for row in rows if row.result.get("task_id") and row.result["changed"]]
            fresh = module.call("Reading the tasks failed", TaskReader(client).read, changed_ids) if changed_ids else {}
            for row in rows:
                if row.result.get("task_id") in fresh and fresh[row.result["task_id"]] is not None:
                    row.task = fresh[row.result["task_id"]]
    outcome = [_row_result(row, module.check_mode) for row in rows]
    errors = [item for item in outcome if item.get("error")]
    changed = any(item["changed"] for item in outcome)
    if params["tasks"] is None:
        result = dict(outcome[0])
        result.pop("index", None)
        diff = result.pop("diff", None)
        if errors:
            error = result.pop("error")
            error.pop("msg", None)
            # status, error_code, error_msg and request_id at the top level, as fail_json_sms does
            module.fail_json(**dict(result, **error))  # result holds msg
        module.exit_json(diff=diff or {}, **result)
    summary = {}
    for item in outcome:
        summary[item["outcome"]] = summary.get(item["outcome"], 0) + 1
    if errors:
        module.fail_json(msg="%d of %d row(s) failed: %s" % (len(errors), len(outcome), "; ".join(e["msg"] for e in errors[:10])),
                         changed=changed, results=outcome, summary=summary)
    module.exit_json(changed=changed, results=outcome, summary=summary, diff=_combined_diff(rows))


def _combined_diff(rows):
    diffs = [row.result.get("diff") for row in rows if row.result.get("diff")]
    if len(rows) == 1:
        return diffs[0] if diffs else {}
    return dict(before=[d["before"] for d in diffs], after=[d["after"] for d in diffs]) if diffs else {}


def _plan_present(row, region, project_id, check_mode):
    if row.task is None:
        body = creation_body(row, region, project_id)
        row.result.update(outcome="created", changed=True, request=dict(method="POST", path="/v3/tasks", body=body),
                          diff=dict(before={}, after=body))
        return
    row.result["task_id"] = row.task["id"]
    described = describe(row.task)
    if row.options.get("start") and guard("start", described)[0] == "send":
        row.result.update(outcome="started", changed=True,
                          request=dict(method="POST", path="/v3/tasks/%s/action" % row.task["id"], body=action_body("start")),
                          diff=dict(before=dict(state=row.task.get("state")), after=dict(state="RUNNING")))
    else:
        row.result.update(outcome="unchanged")


def _plan_absent(row, force):
    if row.task is None:
        row.result.update(outcome="absent")
        return
    row.result.update(outcome="deleted", changed=True, task_id=row.task["id"],
                      diff=dict(before=dict(id=row.task["id"], state=row.task.get("state")), after={}))
    described = describe(row.task)
    source_state = (row.task.get("source_server") or {}).get("state")
    running = described["phase"] in MOVING_PHASES or source_state in MOVING_SOURCE_STATES
    if running and not force:
        row.result["refused"] = ("task %s is %s (state %s, source %s); stop it first or set force=true" % (
            row.task["id"], described["phase"], row.task.get("state"), source_state))
    row.result["stop_first"] = running and described["phase"] in ("replicating", "syncing", "cutting_over")


def _apply(client, row, stop_timeout):
    result = row.result
    try:
        if result.get("outcome") == "created":
            try:
                answer = client.request("POST", "/v3/tasks", body=result["request"]["body"])
            except (SmsApiError, SmsClientError) as exc:
                if not _found_existing(client, row, exc):
                    raise
                return
            result["task_id"] = answer.get("id") if isinstance(answer, dict) else None
        elif result.get("outcome") == "started":
            send_action(client, row.task["id"], result["request"]["body"])
        if result.get("settings_plan") and result.get("task_id"):
            send_settings(client, result["task_id"], result["settings_plan"])
        if result.get("outcome") == "deleted":
            if result.get("stop_first"):
                _stop_and_wait(client, row.task, stop_timeout)
            client.request("DELETE", client.path("/v3/tasks/{0}", row.task["id"]))
    except (SmsApiError, SmsClientError) as exc:
        result.update(error=error_entry(exc), msg="%s: %s" % (row.label, exc))


def _found_existing(client, row, exc):
    """Whether the source has a task after SMS refused to create one (another job created it
    first, or a gateway failed after SMS created it): then the row's outcome is ``exists``."""
    try:
        task = tasks_of_sources(client, [row.source["id"]]).get(row.source["id"])
    except (SmsApiError, SmsClientError):
        return False
    if task is None:
        return False
    row.task = task
    row.result.update(outcome="exists", changed=False, task_id=task.get("id"), create_error=error_entry(exc))
    # Found, but not necessarily the task the row asks for (another job may have made it with
    # syncing false, which SMS launches without the cut-over): then the row fails.
    shown = _shown_tasks(client, [row], 1)
    before, after = _immutable_diff(row, shown.get(task.get("id")))
    if before:
        row.result["diff"] = dict(before=before, after=after)
        raise SmsClientError(_difference_text(row, before, after))
    return True


def _stop_and_wait(client, task, stop_timeout):
    described = describe(task)
    if guard("stop", described)[0] == "send":
        send_action(client, task["id"], action_body("stop"))
    deadline = time.monotonic() + stop_timeout
    while True:
        current = describe(client.request("GET", client.path("/v3/tasks/{0}", task["id"])))
        source_state = (current.get("source_server") or {}).get("state")
        if current["phase"] in ("stopped", "failed", "ready", "replicated", "finished") and \
                source_state not in MOVING_SOURCE_STATES:
            return
        if time.monotonic() > deadline:
            raise SmsClientError("task %s did not stop within %.0f seconds (phase %s, state %s)"
                                 % (task["id"], stop_timeout, current["phase"], current.get("state")))
        time.sleep(min(5.0, max(0.2, stop_timeout / 100.0)))


def _row_result(row, check_mode):
    result = row.result
    task = row.task
    outcome = result.get("outcome")
    if outcome in ("deleted", "absent") and not check_mode and not result.get("error"):
        task = None
    elif outcome == "created" and check_mode:
        task = dict(result["request"]["body"], id=None, state="READY")
    elif outcome == "created" and not result.get("task_id"):
        task = None  # SMS did not create it (in check mode the body stands in, above)
    described = describe(task) if task is not None else None
    item = dict(
        source_id=row.source.get("id") if row.source else None,
        source_name=row.source.get("name") if row.source else None,
        task=described,
        phase=described["phase"] if described else None,
        outcome=outcome,
        # A task SMS created stays a change even when a settings request after it failed.
        changed=bool(result.get("changed")) and (not result.get("error") or bool(outcome == "created" and result.get("task_id"))),
        request=result.get("request"),
        settings_requests=result.get("settings_requests") or [],
        diff=result.get("diff"),
    )
    if result.get("error"):
        # What was attempted stays readable; the outcome says the row failed, so that the summary
        # counts only what SMS did. A task that failed to be created has no record: an empty one
        # keeps templates such as results | map(attribute='task') | map(attribute='id') working.
        item.update(error=result["error"], msg=result["msg"], outcome="failed", attempted=outcome)
        if task is None and row.index is not None:
            item["task"] = dict(id=None, state=None, phase=None)
    if result.get("create_error"):
        item["create_error"] = result["create_error"]
    if row.index is not None:
        item["index"] = row.index
    return item


if __name__ == "__main__":
    main()
