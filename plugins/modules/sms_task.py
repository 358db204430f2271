#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_task
short_description: Create, change or delete Huawei Cloud SMS migration tasks, one per source server
version_added: 1.0.0
description:
  - Makes sure a source server has a migration task of Server Migration Service (SMS)
    (C(POST /v3/tasks)), or has none (C(DELETE /v3/tasks/{id})). The source server is the key, so
    running the module again never creates a second task for it. What SMS can change in an
    existing task is changed in place (C(PUT /v3/tasks/{id})).
  - The target is either created from a server template (O(template_id)) or an existing ECS
    (O(target_server_id) and O(target_server_name)).
  - The target disks are copied from the source's recommended layout (C(init_target_server.disks),
    that is name, size in bytes, device use, physical volumes), as Terraform does; SMS refuses a
    task without disks. O(target_disks) changes single disks by name.
  - The region and project of the task come from the connection options (O(region),
    O(project_id), or the project ID looked up in IAM); the project name is the region.
  - A task that exists already is compared with the options that were set. When every difference
    is one SMS changes in place, one C(PUT /v3/tasks/{id}) (the SDK's C(UpdateTaskRequest), body
    C(PutTaskReq)) sends just the changed fields (the rows of O(tasks) concurrently, O(workers));
    RV(updated) names them. Any other difference fails the row, and with it the call, before
    anything is sent, naming each differing field with V(updated in place) (SMS could change it),
    V(needs stop) (SMS could change it once the task is stopped) or V(needs recreate) (delete the
    task with O(state=absent) and create it again). RV(differences) and the diff (its
    C(after_header)) say the same.
  - 'Changes to an existing task, option by option (C(PutTaskReq) field: when it changes in place; why).
    Conservative: a field changes in place only where the change cannot touch data already copied
    or a target server already made.'
  - 'O(name) (C(name)): in any phase; the task''s label only, nothing copied or launched depends on it.'
  - 'O(speed_limit) (C(speed_limit)): in any phase; a cap on the transfer rate, changing it changes no data.'
  - 'O(migration_ip) (C(migration_ip)): while no data moves (phase V(ready), V(replicated), V(finished),
    V(stopped) or V(failed)), else V(needs stop); the address the source''s agent sends the data to,
    which a copy or sync in flight must not lose. O(use_public_ip) and O(use_ipv6) are sent with it
    when set (SMS checks the address against O(use_ipv6)); no answer of SMS shows them, so they are
    never compared or changed on their own.'
  - 'O(type) (C(type)): only while the task is V(ready) (never started, nothing copied), else
    V(needs recreate); C(PutTaskReq) takes it, but data copied file by file cannot turn into a block
    copy or back. A Windows source stays V(MIGRATE_BLOCK).'
  - 'O(template_id) (C(vm_template_id)): only while the task is V(ready), else V(needs recreate);
    SMS creates the target server from the template when the task starts, so once started the
    target exists.'
  - 'O(target_server_id), O(target_server_name): V(needs recreate); C(PutTaskReq) has C(target_server)
    and C(exist_server), but SMS documents no move of a task to another target, and its agent
    records the target''s disks and snapshots in the task.'
  - 'O(syncing), O(start_target_server), O(priority), O(need_migration_test): V(needs recreate); they
    are not fields of C(PutTaskReq); O(start_target_server) in particular cannot change in place,
    because the SDK''s C(UpdateTaskRequest) cannot carry it.'
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
  - A task that another job created while this one tried to (RV(outcome=exists)) is not changed;
    any difference fails the row.
  - O(tasks) handles a whole wave in one call. Every row is checked in one pass (bad values,
    unknown or ambiguous source servers, the same source or target in two rows, disconnected
    agents, failed environment checks, an OS that does not support the type) and every problem is
    reported at once, before anything is written; a bad value does not stop the checks against SMS
    of that row or the others. C(problems) lists them as text and C(row_problems) by row and option.
  - Request bodies carry only the fields of the official SDK's C(PostTask) and C(PutTaskReq) models.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: Reads the source servers and tasks, checks everything and returns the requests that would be sent (no C(PUT) either).
  diff_mode:
    support: full
    description:
      - Shows the task before and after (the request that would create it).
      - For an existing task, the differing fields before and after; C(after_header) says which are
        V(updated in place), which V(needs stop) and which V(needs recreate).
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
      - Changed in place in an existing task (C(PUT /v3/tasks/{id})).
    type: str
  template_id:
    description:
      - ID of the server template the target server is created from (sent as C(vm_template_id)).
      - Changed in place only while the task is V(ready) (never started); later it needs the task created again.
    type: str
  target_server_id:
    description: ID of an existing ECS to migrate onto (sent as C(target_server.vm_id) with C(exist_server=true)).
    type: str
  target_server_name:
    description:
      - Name of the target server. Required with O(target_server_id); default the source name with a template.
    type: str
  migration_ip:
    description:
      - IP address of the target used for the migration (needed with an existing target); IPv4, or
        IPv6 with O(use_ipv6=true), checked before any request.
      - Changed in place in an existing task while no data moves (see the description).
    type: str
  type:
    description:
      - Migration type. Default V(MIGRATE_BLOCK) for Windows (the only one it supports) and V(MIGRATE_FILE) for Linux.
      - Changed in place only while the task is V(ready) (never started); later it needs the task created again.
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
    description:
      - Start the target server after the migration (SMS default V(true)).
      - Cannot change in place (C(PutTaskReq) has no such field), so a difference needs the task created again.
    type: bool
  use_public_ip:
    description:
      - Migrate over the target's public IP (SMS default V(true)).
      - Sent with an in-place change of O(migration_ip); never compared (no answer of SMS shows it).
    type: bool
  use_ipv6:
    description:
      - Migrate over IPv6.
      - Sent with an in-place change of O(migration_ip); never compared (no answer of SMS shows it).
    type: bool
  priority:
    description: Priority of the task, V(low), V(standard) or V(high) (sent as 0, 1, 2).
    type: str
    choices: [low, standard, high]
  speed_limit:
    description:
      - Speed limit in Mbit/s (0 to 10000, 0 means none).
      - Changed in place in an existing task (C(PUT /v3/tasks/{id})), also while it runs.
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

- name: Rename a task and raise its speed limit in place (one PUT /v3/tasks/{id}, also while it runs)
  hwcloud.sms.sms_task:
    source_name: app-01
    name: app-01-wave2
    speed_limit: 300
  register: changed_task

- name: Which fields were changed in place
  ansible.builtin.debug:
    msg: "{{ changed_task.updated }}"

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
    - V(created), V(started), V(updated) (fields changed in place, see RV(updated), or new
      O(speed_windows) or O(configurations) only), V(unchanged), V(deleted) or V(absent) (nothing
      to delete). A task changed in place and started is V(started), with RV(updated) naming the fields.
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
updated:
  description:
    - The options of an existing task changed in place (C(PUT /v3/tasks/{id}), see RV(update_request)),
      or that would be in check mode; V([]) when none.
  returned: when O(tasks) is not used
  type: list
  elements: str
  version_added: 1.1.0
  sample: [name, speed_limit]
update_request:
  description:
    - The request that changes the existing task in place, sent or, in check mode, that would be
      sent; its body holds only the changed fields (the SDK's C(PutTaskReq)). V(null) when nothing changes in place.
  returned: when O(tasks) is not used
  type: dict
  version_added: 1.1.0
  sample: {"method": "PUT", "path": "/v3/tasks/2c06d8f2-6f1b-4b7e-9a55-0d4c3c0e1a11", "body": {"name": "app-01b", "speed_limit": 200}}
  contains:
    method:
      description: V(PUT).
      type: str
    path:
      description: Path of the request.
      type: str
    body:
      description: The changed fields, under their C(PutTaskReq) names (O(template_id) is C(vm_template_id)).
      type: dict
      contains:
        name:
          description: The new O(name), when it changed.
          type: str
        speed_limit:
          description: The new O(speed_limit), when it changed.
          type: int
        migration_ip:
          description: The new O(migration_ip), when it changed.
          type: str
        use_public_ip:
          description: Sent with a changed O(migration_ip) when the row sets O(use_public_ip).
          type: bool
        use_ipv6:
          description: Sent with a changed O(migration_ip) when the row sets O(use_ipv6).
          type: bool
        type:
          description: The new O(type), when it changed (only while the task is ready).
          type: str
        vm_template_id:
          description: The new O(template_id), when it changed (only while the task is ready).
          type: str
differences:
  description:
    - Every field in which the existing task differs from the options, each with whether SMS
      changes it in place now. Also returned when the module fails because of them; with O(tasks),
      the failure lists those of every row, each with its C(row) (from 1).
  returned: when O(tasks) is not used, and when a difference fails the module
  type: list
  elements: dict
  version_added: 1.1.0
  sample: [{"option": "speed_limit", "before": 0, "after": 200, "change": "updated in place", "why": "a cap on the transfer rate ..."},
           {"option": "priority", "before": 1, "after": 2, "change": "needs recreate", "why": "not a field of PutTaskReq"}]
  contains:
    option:
      description: The option, for example V(speed_limit) or V(template_id).
      type: str
    before:
      description: The task's value.
      type: raw
    after:
      description: The value asked for.
      type: raw
    change:
      description:
        - V(updated in place) (sent with C(PUT /v3/tasks/{id}), or would be if no other difference
          failed the row), V(needs stop) (SMS changes it in place once the task is stopped) or
          V(needs recreate) (the task must be deleted and created again).
      type: str
    why:
      description: Why the field changes in place or not, in the task's phase.
      type: str
    row:
      description: With O(tasks), when the module failed, the row (from 1).
      type: int
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
    updated:
      description: As RV(updated), for the row.
      type: list
      elements: str
      version_added: 1.1.0
    update_request:
      description: As RV(update_request), for the row.
      type: dict
      version_added: 1.1.0
      contains:
        method:
          description: V(PUT).
          type: str
        path:
          description: Path of the request.
          type: str
        body:
          description: The changed fields, under their C(PutTaskReq) names.
          type: dict
          contains:
            name:
              description: The new O(name), when it changed.
              type: str
            speed_limit:
              description: The new O(speed_limit), when it changed.
              type: int
            migration_ip:
              description: The new O(migration_ip), when it changed.
              type: str
            use_public_ip:
              description: Sent with a changed O(migration_ip) when the row sets O(use_public_ip).
              type: bool
            use_ipv6:
              description: Sent with a changed O(migration_ip) when the row sets O(use_ipv6).
              type: bool
            type:
              description: The new O(type), when it changed (only while the task is ready).
              type: str
            vm_template_id:
              description: The new O(template_id), when it changed (only while the task is ready).
              type: str
    differences:
      description: As RV(differences), for the row.
      type: list
      elements: dict
      version_added: 1.1.0
      contains:
        option:
          description: The option.
          type: str
        before:
          description: The task's value.
          type: raw
        after:
          description: The value asked for.
          type: raw
        change:
          description: V(updated in place), V(needs stop) or V(needs recreate).
          type: str
        why:
          description: Why, in the task's phase.
          type: str
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
      description: Rows whose existing task was changed in place (C(PUT /v3/tasks/{id})) or got new O(speed_windows) or O(configurations).
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


from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_seconds, check_workers
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import (
    SmsApiError,
    SmsClientError,
    SmsError,
    SmsInputError,
    error_entry,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import resolve_sources
from ansible_collections.hwcloud.sms.plugins.module_utils._task_body import (
    add_settings,
    combined_diff,
    immutable_diff,
    is_stopped,
    needs_shown,
    plan_absent,
    plan_present,
    row_result,
    stop_poll_interval,
    summary_of,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_rows import (
    SOURCE_KEYS,
    TASK_OPTIONS,
    Problems,
    check_creation,
    check_plan,
    check_row_values,
    merge_rows,
    source_problem,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import (
    ProjectLookup,
    fill_from_project,
    plan_settings,
    send_settings,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_update import IN_PLACE, diff_of, difference_text, differences, in_place
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import task_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import action_body, guard, send_action
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import TaskReader, tasks_of_sources
from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import WaitOutage, WaitTimedOut, wait_until

_ROW_SOURCES = ("tasks", "source_id", "source_name", "source_ip")


def _argument_spec():
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
    return spec


class TaskWave(object):
    """The tasks of one call - one, or one per row of ``tasks`` - checked as a whole (every problem
    of every row before any write), planned, sent, and read back: run() returns the result."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.present = module.params["state"] == "present"
        self.rows = []

    def run(self):
        check_workers("workers", self.params["workers"])
        check_seconds("stop_timeout", self.params["stop_timeout"])
        if self.params["tasks"] is not None and not self.params["tasks"]:
            raise SmsInputError("tasks must list at least one row")
        self.rows = merge_rows(self.params)
        self._check()
        self._plan()
        if not self.module.check_mode:
            self._apply()
        return self.get_result()

    def _check(self):
        problems = Problems()
        for row in self.rows:
            check_row_values(row, self.params["state"], problems)
        # One pass: rows with bad values are still looked up, so that unknown and duplicate sources,
        # shared IPs and OS/type mismatches are reported with them. Only reads are sent before it passes.
        self._resolve_sources(problems)
        check_plan(self.rows, problems)
        found = self.module.call("Reading the tasks of the source servers failed", tasks_of_sources, self.module.client,
                                 [row.source["id"] for row in self.rows if row.source is not None])
        for row in self.rows:
            if row.source is not None:
                row.task = found.get(row.source["id"])
        shown = self.module.call("Reading the existing tasks failed", _shown_tasks, self.module.client, self.rows,
                                 self.params["workers"]) if self.present else {}
        projects = ProjectLookup(self.module.client)
        for row in (row for row in self.rows if row.source is not None and self.present):
            if row.task is None:
                if row.options.get("migproject"):
                    problem = self.module.call("Listing migration projects failed", _project_problem, projects, row.options)
                    if problem:
                        problems.add(row, problem, "migproject")
                check_creation(row, self.params["require_connected"], problems)
                continue
            _compare(row, shown.get(row.task["id"]), problems)
        problems.raise_if_any(diff=combined_diff(self.rows), differences=_all_differences(self.rows, self.params["tasks"]))

    def _resolve_sources(self, problems):
        """Attach each row's source record; problems for unknown and ambiguous ones, and for a row
        whose source options name different servers."""
        wanted = [(row, option, (option.replace("source_", ""), row.options[option]))
                  for row in self.rows for option in SOURCE_KEYS if row.options.get(option)]
        found = self.module.call("Looking up the source servers failed", resolve_sources, self.module.client,
                                 [key for _row, _option, key in wanted])
        for row, option, key in wanted:
            problem = source_problem(key, found[key], row)
            if problem:
                problems.add(row, problem, option)
        for row in self.rows:
            if row.source is False:
                row.source = None

    def _plan(self):
        client = self.module.client
        if not self.present:
            problems = Problems()
            for row in self.rows:
                plan_absent(row, self.params["force"])
                if row.result.get("refused"):
                    problems.add(row, row.result["refused"])
            problems.raise_if_any()
            return
        if not client.region:
            raise SmsInputError("the task's region_name and region_id come from the region option "
                                "(or HUAWEICLOUD_REGION), which is not set")
        for row in self.rows:
            plan_present(row, client.region, client.project_id)
            add_settings(row.result, self.module.call(
                "Reading the speed limits and configurations of %s failed" % row.label, plan_settings, client,
                row.task["id"] if row.task is not None else None, row.options))

    def _apply(self):
        client = self.module.client
        # _apply keeps a row's failure in its result: nothing comes back but None.
        each_concurrently(lambda row: _apply(client, row, self.params["stop_timeout"]), self.rows, self.params["workers"])
        if not self.present:
            return
        changed_ids = [row.result["task_id"] for row in self.rows if row.result.get("task_id") and row.result["changed"]]
        fresh = self.module.call("Reading the tasks failed", TaskReader(client).read, changed_ids) if changed_ids else {}
        for row in self.rows:
            if fresh.get(row.result.get("task_id")) is not None:
                row.task = fresh[row.result["task_id"]]

    def get_result(self):
        """The module's result; raises SmsError (with the result) when a request failed."""
        outcome = [row_result(row, self.module.check_mode) for row in self.rows]
        errors = [item for item in outcome if item.get("error")]
        changed = any(item["changed"] for item in outcome)
        if self.params["tasks"] is None:
            result = dict(outcome[0])
            result.pop("index", None)
            diff = result.pop("diff", None)
            if errors:
                error = result.pop("error")
                error.pop("msg", None)
                # status, error_code, error_msg and request_id at the top level, as fail_json_sms puts them
                raise SmsError(result.pop("msg"), **dict(result, **error))
            return dict(result, diff=diff or {})
        summary = summary_of(outcome)
        if errors:
            raise SmsError("%d of %d row(s) failed: %s" % (len(errors), len(outcome), "; ".join(e["msg"] for e in errors[:10])),
                           changed=changed, results=outcome, summary=summary)
        return dict(changed=changed, results=outcome, summary=summary, diff=combined_diff(self.rows))


def _compare(row, shown, problems):
    """Compare a row with its existing task: the differences, each changed in place or not
    (_task_update), go into the row's result; a difference that is not changed in place, or a
    type the source's OS does not support, is a problem (nothing of the call is sent)."""
    before, after = immutable_diff(row.options, row.task, shown)
    if not (before or after):
        return
    found = differences(before, after, task_phase(row.task))
    row.result.update(differences=found, diff=diff_of(row.task["id"], found))
    if not in_place(found):
        blocking = [item["option"] for item in found if item["change"] != IN_PLACE]
        problems.add(row, difference_text(row.task["id"], row.source.get("name"), found),
                     blocking[0] if len(blocking) == 1 else None)
    elif after.get("type") == "MIGRATE_FILE" and row.source.get("os_type") == "WINDOWS":
        problems.add(row, "Windows source server %s supports only MIGRATE_BLOCK" % row.source.get("name"), "type")


def _all_differences(rows, tasks):
    """The differences of the call: the one row's, or those of every row with the row's number."""
    if tasks is None:
        return rows[0].result.get("differences") or []
    return [dict(item, row=row.index + 1) for row in rows for item in row.result.get("differences") or ()]


def _project_problem(projects, options):
    """fill_from_project; the text of a migproject that names no single project, else None."""
    try:
        fill_from_project(projects, options)
    except SmsInputError as exc:
        return "migproject: %s" % exc
    return None


def _shown_tasks(client, rows, workers):
    """{task_id: GET /v3/tasks/{id}} of the existing tasks whose rows set an IMMUTABLE_SHOWN option."""
    ids = list(dict.fromkeys(row.task["id"] for row in rows if row.task is not None and needs_shown(row.options)))
    if not ids:
        return {}
    answers = each_concurrently(lambda task_id: client.request("GET", client.path("/v3/tasks/{0}", task_id)), ids, workers)
    for answer in answers:
        if isinstance(answer, SmsError):
            raise answer
    return dict(zip(ids, answers))


def _apply(client, row, stop_timeout):
    """Send a row's planned requests; a failure is kept in the row's result."""
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
        if result.get("update_request"):
            client.request("PUT", client.path("/v3/tasks/{0}", row.task["id"]), body=result["update_request"]["body"])
            result["update_sent"] = True
        if result.get("outcome") == "started":
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
    # Any difference fails, even one SMS could change in place: the task is another job's.
    shown = _shown_tasks(client, [row], 1)
    before, after = immutable_diff(row.options, task, shown.get(task.get("id")))
    if before or after:
        found = differences(before, after, task_phase(task))
        row.result.update(differences=found, diff=diff_of(task["id"], found))
        raise SmsClientError(difference_text(task["id"], row.source.get("name"), found, not_ours=True))
    return True


def _stop_and_wait(client, task, stop_timeout):
    """Stop a running task and wait until it stopped (see _task_body.is_stopped)."""
    if guard("stop", describe(task))[0] == "send":
        send_action(client, task["id"], action_body("stop"))
    try:
        wait_until(lambda: describe(client.request("GET", client.path("/v3/tasks/{0}", task["id"]))), is_stopped,
                   stop_timeout, stop_poll_interval(stop_timeout))
    except WaitOutage as exc:
        raise exc.error  # a failed poll ends the wait with its own error
    except WaitTimedOut as exc:
        current = exc.value or {}
        raise SmsClientError("task %s did not stop within %.0f seconds (phase %s, state %s)"
                             % (task["id"], stop_timeout, current.get("phase"), current.get("state")))


def main():
    module = SmsModule(argument_spec=_argument_spec(), mutually_exclusive=[_ROW_SOURCES], required_one_of=[_ROW_SOURCES],
                       supports_check_mode=True)
    try:
        result = TaskWave(module).run()
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
