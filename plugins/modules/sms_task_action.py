#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_task_action
short_description: Start, stop, test, cut over or sync Huawei Cloud SMS migration tasks, one or a whole wave
version_added: 1.0.0
description:
  - Sends one lifecycle operation (C(POST /v3/tasks/{id}/action)) to one migration task or to
    every task of a wave, and optionally waits for its result.
  - Guarded. A task already in or past the operation's result is left alone and reported as
    unchanged. When the state of any task does not allow the operation, the module fails
    before sending anything, naming each such task, its state and the states the operation is
    allowed from; O(force=true) sends it anyway and lets SMS decide.
  - Rolling starts. V(start) and V(restart) never put more than O(max_running) tasks of the account in a
    migrating state at once (SMS migrates at most 100 source servers at the same time), the tasks
    outside this call included. Each poll lists every task of the account (C(GET /v3/tasks)), counts
    those that take a slot (C(RUNNING), C(SKIPPING), C(RESETING), C(ABORTING); a task in continuous sync,
    replicated, failed or stopped takes none), starts as many queued tasks as there are free slots, in
    the order given, and waits O(poll_interval) for more to free. It returns once every task is started
    (with O(wait), once every task reached the operation's result), within O(wait_timeout); at the
    timeout it fails with the tasks not started in RV(queued_tasks). O(progress_file), if set, is rewritten
    at every poll with the counts C(queued), C(migrating) and C(done) of the tasks of the call.
  - When SMS refuses a start for the limit anyway (another job took the slot meanwhile), the task is
    queued again for the next free slot; that is a refusal with SMS's code for it, or any HTTP 4xx while
    a listing right after shows the account at O(max_running). Another refusal fails that task.
  - "Allowed from / already done: V(start) READY, ABORT, MIGRATE_FAIL / replicating or beyond;
    V(stop) RUNNING, SYNCING, SKIPPING / stopping, stopped; V(restart) MIGRATE_FAIL, SYNC_FAIL /
    replicating or beyond; V(cutover) and V(test) syncing, replicated, cloned, drilled, drill_failed /
    cutting_over, finished; V(clone_test) syncing, cloned (task state SYNCING) / cloning, cloned while
    the clone server still exists; V(delete_clone) any phase but cloning / no clone server, or ECS no longer
    has it; V(migration_test) syncing, replicated, cloned, drill_failed / drilling, drilled;
    V(collect_log) any state / C(log_collect_status) UPLOADING; V(sync_failed_rollback) SYNC_FAIL /
    SYNC_F_ROLLBACKING, SYNC_F_ROLLBACK_SUCCESS; V(skip) RUNNING / SKIPPING; V(clear) MIGRATE_SUCCESS,
    SYNC_SUCCESS; V(network_check) any state; V(sync) finished / syncing."
  - Rehearsals before the cut-over. V(clone_test) makes a test clone of the target while the task is in
    continuous sync; with O(wait) the module waits until the clone's C(clone_state) is FINISHED (phase
    cloned) or ERROR and returns it in RV(results[].clone_server). V(migration_test) runs a migration
    drill (source states premigready, premiging, then premiged or premigfailed; phases drilling, drilled,
    drill_failed); with O(wait) it waits for the outcome, in RV(results[].drill). V(collect_log) has SMS
    upload the task's logs to the OBS bucket O(log_bucket) (C(POST /v3/tasks/{id}/log)); with O(wait) it
    waits until C(log_collect_status) is UPLOADED or UPLOAD_FAIL.
  - A wave's tests are waited for together; a clone in ERROR, a failed drill or a failed upload does not
    end the wait of the other tasks. Once every task settled, the module fails naming each task whose test
    failed with SMS's fields (C(clone_error) and C(error_msg), the source state, C(log_collect_status)),
    every result carrying its outcome. The first read of a task after the request that still shows the outcome
    it showed before (a failed clone made again, a failed drill run again, logs uploaded before) is not taken
    for the new outcome.
  - V(delete_clone) deletes the test clone of each task. SMS has no API to delete a clone (no operation value
    of C(POST /v3/tasks/{id}/action) and no other call does it), so the module removes the clone server the
    documented way, with the ECS API (DeleteServers, C(POST /v1/{project_id}/cloudservers/delete) with the
    clone's C(clone_server.vm_id), C(delete_publicip=true) and C(delete_volume=true)), after reading it with
    ShowServer (C(GET /v1/{project_id}/cloudservers/{id})); with O(wait) it waits for the ECS job
    (C(GET /v1/{project_id}/jobs/{job_id})). These ECS calls go to O(ecs_endpoint) (by default the ECS
    endpoint of O(region)) and need the ECS permissions C(ecs:cloudServers:get) and
    C(ecs:cloudServers:delete). SMS keeps the task's C(clone_server) record after the clone is deleted, so
    V(clone_test) also asks ECS whether a clone of phase cloned still exists and makes a new one if not.
  - Launching the target. Huawei's API reference for C(POST /v3/tasks/{id}/action) describes the value
    C(cutover) ("launch the target", also in the official SDK) while the enumeration on the same page lists
    C(test) and not C(cutover). O(launch_operation) chooses the value O(operation=cutover) sends. An account
    whose SMS does not know the value answers HTTP 400 with an invalid-operation error (the parameter
    C(operation) named in C(error_msg)) and changes nothing; to tell which one it accepts, launch one
    server first (O(task_id)) and read RV(results[].error), then launch the wave with the value that worked.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
  - hwcloud.sms.sms_task_wait
attributes:
  check_mode:
    support: full
    description:
      - Reads the tasks and reports what would be sent (RV(results)), without sending or waiting.
      - For V(start) and V(restart) it also lists the account's tasks once and reports in RV(queued_tasks)
        the tasks that would wait for a free slot.
  diff_mode:
    support: none
    description: The module reports per task what it did in RV(results) instead.
options:
  task_id:
    description: ID of one task.
    type: str
  task_ids:
    description: IDs of the tasks of a wave.
    type: list
    elements: str
  source_id:
    description: ID of a source server; its newest task is acted on.
    type: str
  source_ids:
    description: IDs of source servers; the newest task of each is acted on.
    type: list
    elements: str
  operation:
    description:
      - V(start) starts (or resumes) a task, V(stop) pauses it, V(restart) restarts a failed task.
      - V(cutover) launches the target server from continuous sync (the official SDK's name), sending
        O(launch_operation); V(test) sends C(test), the value the API reference's enumeration lists.
      - V(clone_test) clones the target for a test while syncing (with O(template_id), else the task's
        C(clonevm_template_id)), V(delete_clone) deletes that clone through ECS, V(migration_test)
        starts a migration drill, V(collect_log) uploads the task's logs to O(log_bucket),
        V(sync_failed_rollback) rolls back a failed incremental sync, V(skip) skips the consistency-check
        sub-task, V(clear) clears snapshot resources, V(network_check) checks network quality.
      - V(sync) synchronises the changes of a finished (launched) migration once more; the value
        sent is O(sync_operation).
    type: str
    required: true
    choices: [start, stop, restart, cutover, test, clone_test, delete_clone, migration_test, collect_log,
              sync_failed_rollback, skip, clear, network_check, sync]
  sync_operation:
    description:
      - The C(operation) value sent for O(operation=sync). Huawei documents the incremental
        sync as an action ("sync task", audit event C(task-sync)) but no C(operation) value for it;
        the documented values are C(start), C(stop), C(restart) and the test and cleanup ones.
      - V(start) (the default) starts the finished task again, which is how a value from the
        documented list can sync it once more. V(sync) sends the console's event name instead,
        for a service that accepts it.
    type: str
    choices: [start, sync]
    default: start
  launch_operation:
    description:
      - The C(operation) value O(operation=cutover) sends to launch the target. V(cutover) is what Huawei's
        API reference describes and the official SDK documents; V(test) is what the reference's enumeration
        of values lists.
      - SMS answers HTTP 400 with an invalid-operation error to the value it does not know, and nothing
        changes; see the description for how to find the one your account accepts.
    type: str
    choices: [cutover, test]
    default: cutover
    version_added: 1.1.0
  log_bucket:
    description:
      - The OBS bucket SMS uploads the task's logs to, for O(operation=collect_log) (required for it, refused for
        any other operation); sent as C(log_bucket) of C(POST /v3/tasks/{id}/log).
    type: str
    version_added: 1.1.0
  template_id:
    description:
      - Server template ID sent with the operation. For V(clone_test), the template of the clone server;
        without it SMS uses the task's C(clonevm_template_id) (set when the task was created).
    type: str
  switch_hce:
    description: Switch the target OS to Huawei Cloud EulerOS (Linux only), sent as C(switch_hce).
    type: bool
  is_need_consistency_check:
    description: Ask for a consistency check, sent as C(is_need_consistency_check) (with V(sync)).
    type: bool
  force:
    description:
      - Send the operation even when the task's state does not allow it; SMS then decides.
      - Tasks already in the operation's result are still left alone.
    type: bool
    default: false
  workers:
    description: How many operations are sent at the same time for a wave (1 to 32).
    type: int
    default: 4
  max_running:
    description:
      - For V(start) and V(restart), the most tasks of the account migrating at the same time (see the
        rolling starts above), from 1 to 1000. SMS's own limit is 100; a higher value only helps where SMS
        allows more. Ignored by the other operations.
      - Tasks this call does not name count too, so several jobs on one account share the limit.
    type: int
    default: 100
    version_added: 1.1.0
  wait:
    description:
      - Wait until every task reaches the operation's result (V(start), V(restart) replicating
        or beyond, V(stop) stopped, V(cutover) and V(test) finished, V(sync) task state
        SYNC_SUCCESS, V(sync_failed_rollback) task state SYNC_F_ROLLBACK_SUCCESS, V(clone_test) the clone
        FINISHED or ERROR, V(migration_test) drilled or drill_failed, V(collect_log) C(log_collect_status)
        UPLOADED or UPLOAD_FAIL, V(delete_clone) each ECS job SUCCESS or FAIL), with the waiting options
        below. Other operations do not wait.
      - While waiting for V(sync_failed_rollback), the phase V(failed) of O(fail_on) is left out (a rollback
        stays in it).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Start every task of the wave and wait until each replicates
  hwcloud.sms.sms_task_action:
    task_ids: "{{ wave_task_ids }}"
    operation: start
    wait: true
    wait_timeout: 1800
    poll_interval: 15

- name: Start a wave of 400 servers, never more than 80 migrating at once in the account
  hwcloud.sms.sms_task_action:
    task_ids: "{{ wave_task_ids }}"
    operation: start
    max_running: 80
    wait_timeout: 43200
    poll_interval: 60
    progress_file: /var/tmp/wave-start.txt
  register: wave_start

- name: Launch the targets of the approved servers (they are in continuous sync)
  hwcloud.sms.sms_task_action:
    source_ids: "{{ approved_source_ids }}"
    operation: cutover
    wait: true
    wait_timeout: 7200

- name: Pause one task
  hwcloud.sms.sms_task_action:
    task_id: 2c0689c860ad4728a497c91ec0844384
    operation: stop

- name: Clone the targets of the wave for a test and wait for the clones
  hwcloud.sms.sms_task_action:
    task_ids: "{{ wave_task_ids }}"
    operation: clone_test
    template_id: "{{ clone_template_id }}"
    wait: true
    wait_timeout: 3600
    poll_interval: 30
  register: wave_clones

- name: The address of each clone, to check it
  ansible.builtin.debug:
    msg: "{{ wave_clones.results | map(attribute='clone_server') | map(attribute='vm_id') | list }}"

- name: Delete the test clones (ECS DeleteServers; SMS has no call for it)
  hwcloud.sms.sms_task_action:
    task_ids: "{{ wave_task_ids }}"
    operation: delete_clone
    wait: true

- name: Run a migration drill and wait for its outcome
  hwcloud.sms.sms_task_action:
    task_id: "{{ task_id }}"
    operation: migration_test
    wait: true

- name: Upload the logs of the failed tasks to OBS
  hwcloud.sms.sms_task_action:
    task_ids: "{{ failed_task_ids }}"
    operation: collect_log
    log_bucket: sms-wave-logs
    wait: true
    wait_timeout: 1800

- name: Launch one server with the value the API reference enumerates, to see which one the account accepts
  hwcloud.sms.sms_task_action:
    task_id: "{{ first_task_id }}"
    operation: cutover
    launch_operation: test

- name: Incremental sync of launched servers (sent as operation start, the default sync_operation)
  hwcloud.sms.sms_task_action:
    task_ids: "{{ launched_task_ids }}"
    operation: sync
    wait: true
"""

RETURN = r"""
results:
  description: What happened to each task, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    task_id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    source_name:
      description: Name of the task's source server.
      type: str
      sample: app-01
    state:
      description: Task state before the operation.
      type: str
      sample: READY
    phase:
      description: Phase before the operation.
      type: str
      sample: ready
    outcome:
      description:
        - V(sent) (or V(would_send) in check mode), V(already) (the task already was where the
          operation leads, nothing sent), V(forced) (sent against the guard), V(error) (SMS refused it).
        - V(queued) (V(start) and V(restart) only) the task waited for a free slot until O(wait_timeout)
          and was not sent; it is in RV(queued_tasks).
        - A queued task that someone else starts meanwhile ends V(already); one that is deleted, or whose
          state no longer allows the operation, ends V(error).
      type: str
      sample: sent
    started_at:
      description:
        - When SMS accepted the V(start) or V(restart) of the task (ISO 8601 UTC, the controller's clock);
          V(null) when it was not started by this call (already started, refused, still queued, check mode,
          other operations).
      type: str
      returned: always
      sample: "2026-11-23T20:00:04Z"
      version_added: 1.1.0
    request:
      description:
        - The request body sent (or that would be sent), the SDK's C(UpdateTaskStatusReq); V(null) for V(already).
        - For V(collect_log) the body of C(POST /v3/tasks/{id}/log); for V(delete_clone) the body of the ECS
          DeleteServers request.
      type: dict
      sample: {"operation": "start"}
      contains:
        operation:
          description: The operation SMS is asked for, for example V(start), V(stop), V(restart), V(test), V(clone_test), V(sync).
          type: str
          returned: for the operations sent with C(POST /v3/tasks/{id}/action)
          sample: start
        log_bucket:
          description: O(log_bucket).
          type: str
          returned: for V(collect_log)
          sample: sms-wave-logs
        servers:
          description: The clone server to delete (its C(id)).
          type: list
          elements: dict
          returned: for V(delete_clone)
          sample: [{"id": "8d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"}]
          contains:
            id:
              description: The ECS ID of the clone (C(clone_server.vm_id)).
              type: str
        delete_publicip:
          description: V(true), the clone's EIP goes with it.
          type: bool
          returned: for V(delete_clone)
          sample: true
        delete_volume:
          description: V(true), the clone's disks go with it.
          type: bool
          returned: for V(delete_clone)
          sample: true
        template_id:
          description: O(template_id), when set.
          type: str
          returned: when O(template_id) is set
          sample: 7b0c3f1a-1a2b-4c3d-8e9f-0a1b2c3d4e5f
        switch_hce:
          description: O(switch_hce), when set.
          type: bool
          returned: when O(switch_hce) is set
          sample: false
        is_need_consistency_check:
          description: O(is_need_consistency_check), when set.
          type: bool
          returned: when O(is_need_consistency_check) is set
          sample: false
    error:
      description:
        - For V(error), why the request failed, with C(msg) and, for an API error, C(status), C(error_code), C(error_msg) and C(request_id).
      type: dict
      returned: for outcome V(error)
      sample: {"msg": "POST .../action failed: HTTP 400 SMS.1038: ...", "status": 400, "error_code": "SMS.1038",
               "error_msg": "Only tasks that are created or being monitored can be paused", "request_id": "0a1b2c3d"}
      contains:
        msg:
          description: What went wrong.
          type: str
          sample: "POST .../action failed: HTTP 400 SMS.1038: ..."
        status:
          description: HTTP status of SMS's answer (API errors only).
          type: int
          sample: 400
        error_code:
          description: SMS's error code (API errors only).
          type: str
          sample: SMS.1038
        error_msg:
          description: SMS's error message (API errors only).
          type: str
          sample: Only tasks that are created or being monitored can be paused
        request_id:
          description: The request ID of SMS's answer, for support cases (API errors only).
          type: str
          sample: 0a1b2c3d
        method:
          description: HTTP method of the failed request (API errors only).
          type: str
          sample: POST
        url:
          description: URL of the failed request (API errors only).
          type: str
          sample: https://sms.ap-southeast-3.myhuaweicloud.com/v3/tasks/2c0689c860ad4728a497c91ec0844384/action
        body:
          description: SMS's error answer, parsed when it is small JSON, else its text cut short (API errors only).
          type: raw
          sample: {"error_code": "SMS.1038", "error_msg": "Only tasks that are created or being monitored can be paused"}
        encoded_authorization_message:
          description: The encoded authorization message of a refusal by IAM, else V(null) (API errors only).
          type: str
          sample: null
    msg:
      description:
        - For V(error), the error as a text.
        - For a clone, drill, log upload or ECS deletion that failed, why, with SMS's fields.
      type: str
      returned: for outcome V(error), and for a test operation that failed
      sample: "the clone failed: clone_state ERROR, clone_error SMS.1702, error_msg Failed to create the clone server"
    clone_server:
      description:
        - The task's test clone as SMS gives it (C(clone_server) of C(GET /v3/tasks/{id})), as read last
          (after the wait with O(wait)); V(null) when the task has none.
        - SMS keeps the record after the clone is deleted (V(delete_clone) returns the clone it deleted).
      type: dict
      returned: for V(clone_test) and V(delete_clone)
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
          description: V(PREPARING), V(CREATING), V(FINISHED) or V(ERROR).
          type: str
        clone_error:
          description: SMS's error code of a failed clone.
          type: str
        error_msg:
          description: SMS's error message of a failed clone.
          type: str
    drill:
      description:
        - The outcome of the migration drill, as read last; V(passed) (source premiged), V(failed)
          (premigfailed), V(running) (premigready, premiging), V(null) when the task shows no drill.
      type: str
      returned: for V(migration_test)
      version_added: 1.1.0
      sample: passed
    log_collect_status:
      description: The task's C(log_collect_status) as read last (V(INIT), V(UPLOADING), V(UPLOADED), V(UPLOAD_FAIL)).
      type: str
      returned: for V(collect_log)
      version_added: 1.1.0
      sample: UPLOADED
    ecs_job:
      description:
        - The ECS job deleting the clone; its C(status) (V(RUNNING), V(SUCCESS), V(FAIL)) as read last,
          V(null) without O(wait); with C(error_code) and C(fail_reason) when ECS gives them.
      type: dict
      returned: for V(delete_clone) when the deletion was sent
      version_added: 1.1.0
      sample: {"job_id": "ff80808288d41e1b018a3c2b3d4e5f60", "status": "SUCCESS"}
      contains:
        job_id:
          description: ID of the ECS job.
          type: str
        status:
          description: Status of the ECS job.
          type: str
  sample: [{"task_id": "2c0689c860ad4728a497c91ec0844384", "source_name": "app-01", "state": "READY",
            "phase": "ready", "outcome": "sent", "request": {"operation": "start"}}]
tasks:
  description:
    - The tasks after the operation (after the wait with O(wait)), as M(hwcloud.sms.sms_task_info)
      returns them (every field SMS gave, plus the derived fields; its RV(hwcloud.sms.sms_task_info#module:tasks)
      says how each is derived).
    - In check mode, and when nothing was sent, the tasks as read before.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Task ID.
      type: str
      sample: 2c0689c860ad4728a497c91ec0844384
    state:
      description: Raw task state.
      type: str
      sample: RUNNING
    phase:
      description: The phase (see the notes).
      type: str
      sample: replicating
    progress_percent:
      description: Share of the data of the full copy that is copied, in percent; V(null) when SMS tells nothing.
      type: float
      sample: 0.0
    current_subtask:
      description: Name of the sub-task in progress.
      type: str
      sample: CREATE_CLOUD_SERVER
    remain_seconds:
      description: Seconds SMS expects the task still needs, while in progress; else V(null).
      type: int
      sample: 3600
    eta:
      description: When SMS expects the task to be done (ISO 8601 UTC), while in progress; else V(null).
      type: str
      sample: "2026-11-24T03:15:00Z"
    speed_mbps:
      description: Current migration speed in Mbit/s.
      type: float
      sample: 0.0
    start_time:
      description: When the task started (ISO 8601 UTC).
      type: str
      sample: "2026-11-23T20:00:00Z"
    finish_time:
      description: When the task finished (ISO 8601 UTC); V(null) until then.
      type: str
      sample: null
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
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "name": "MigrationTask_app-01", "state": "RUNNING", "phase": "replicating",
            "progress_percent": 0.0, "current_subtask": "CREATE_CLOUD_SERVER", "remain_seconds": null, "eta": null,
            "speed_mbps": 0.0, "start_time": "2026-11-23T20:00:00Z", "finish_time": null, "error": null,
            "source_server": {"id": "6f8a9b0c-1d2e-4f30-8a1b-2c3d4e5f6a7b", "name": "app-01", "state": "replicate"}}]
summary:
  description: Number of tasks per phase in RV(tasks); every phase is present.
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
      sample: 12
    syncing:
      description: Tasks in continuous or incremental sync.
      type: int
      sample: 0
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
      sample: 0
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
      sample: 0
    deleting:
      description: Tasks being deleted.
      type: int
      sample: 0
    unknown:
      description: Tasks in a state this module does not know, and tasks that no longer exist.
      type: int
      sample: 0
  sample: {"ready": 0, "replicating": 12, "syncing": 0, "replicated": 0, "cutting_over": 0, "finished": 0, "cloning": 0, "cloned": 0,
           "drilling": 0, "drilled": 0, "drill_failed": 0, "stopping": 0, "stopped": 0, "failed": 0, "deleting": 0, "unknown": 0}
gone_tasks:
  description:
    - Tasks that disappeared while waited for (C(GET /v3/tasks/{id}) answered 404); such a task ends
      the wait at once with a failure naming it. Empty when none did.
    - Each is what was last known of the task (C(id), C(name), C(source_server)) with C(gone) V(true),
      C(last_state), C(state) V(null), C(phase) V(unknown) and C(error).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "gone": true, "last_state": "ABORTING", "state": null,
            "phase": "unknown", "source_server": {"name": "app-01"},
            "error": {"error_msg": "the task no longer exists (HTTP 404 for GET /v3/tasks/2c0689c860ad4728a497c91ec0844384)"}}]
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
failed_tasks:
  description:
    - With O(wait), the tasks that reached a phase of O(fail_on) and ended the wait, each with every
      field of an item of RV(tasks); those read most are below.
  returned: when a wait fails
  type: list
  elements: dict
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "state": "MIGRATE_FAIL", "phase": "failed"}]
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
    - With O(wait), the tasks still waited for at the timeout or when polls failed past O(outage_timeout),
      each with every field of an item of RV(tasks); those read most are below.
  returned: when a wait fails
  type: list
  elements: dict
  sample: [{"id": "2c0689c860ad4728a497c91ec0844384", "state": "ABORTING", "phase": "stopping"}]
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
      sample: ABORTING
    phase:
      description: The phase.
      type: str
      sample: stopping
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
queued_tasks:
  description:
    - IDs of the tasks not started because no slot freed before O(wait_timeout) (the call fails then), in
      the order given; in check mode, the tasks that would wait for a free slot. Empty otherwise.
  returned: always
  type: list
  elements: str
  sample: ["2c0689c860ad4728a497c91ec0844384"]
  version_added: 1.1.0
rolling:
  description: How the rolling starts went (see O(max_running)).
  returned: for O(operation=start) and O(operation=restart)
  type: dict
  version_added: 1.1.0
  sample: {"max_running": 100, "peak_running": 100, "polls": 12, "refused_for_limit": 1, "waited_seconds": 330.2,
           "max_requests_per_poll": 2}
  contains:
    max_running:
      description: O(max_running).
      type: int
      sample: 100
    peak_running:
      description:
        - The most tasks of the account taking a slot seen at a poll, counting the starts SMS accepted at
          that poll; in check mode, how many take one now.
      type: int
      sample: 100
    polls:
      description: Listings of the account's tasks made to start the tasks (0 in check mode).
      type: int
      sample: 12
    refused_for_limit:
      description: Starts SMS refused for the concurrency limit; each such task was queued again.
      type: int
      sample: 1
    waited_seconds:
      description: Seconds spent starting the tasks, waits for free slots included.
      type: float
      sample: 330.2
    max_requests_per_poll:
      description: The most requests one poll made (the pages of the listing, the starts and any re-read).
      type: int
      sample: 2
sent:
  description: Number of operations sent.
  returned: always
  type: int
  sample: 12
polls:
  description: Polls while waiting with O(wait) (0 without it; the polls of rolling starts are in RV(rolling)).
  returned: always
  type: int
  sample: 40
failed_polls:
  description: Polls that failed while waiting and were ridden through (see O(outage_timeout)).
  returned: always
  type: int
  sample: 0
waited_seconds:
  description: Seconds spent waiting with O(wait) (rolling starts in RV(rolling)).
  returned: always
  type: float
  sample: 1200.5
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_id, check_optional_text, check_range, check_workers
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, SmsError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._rolling import (
    DEFAULT_MAX_RUNNING,
    MAX_MAX_RUNNING,
    ROLLING_OPERATIONS,
    RollingStart,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe, summary_of
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import (
    OPERATIONS,
    TEST_OPERATIONS,
    action_body,
    ecs_recheck,
    log_body,
    plan_operation,
    send_actions,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_outcomes import operation_outcome, outcome_after, outcome_fields
from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import (
    WaitFailed,
    check_wait_options,
    note_warnings,
    progress_writer,
    wait_argument_spec,
    wait_for_ecs_jobs,
    wait_for_tasks,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import WaitOutage, WaitTimedOut
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import TaskReader, tasks_of_sources


def argument_spec():
    spec = dict(
        task_id=dict(type="str"),
        task_ids=dict(type="list", elements="str"),
        source_id=dict(type="str"),
        source_ids=dict(type="list", elements="str"),
        operation=dict(type="str", required=True, choices=sorted(OPERATIONS)),
        sync_operation=dict(type="str", choices=["start", "sync"], default="start"),
        launch_operation=dict(type="str", choices=["cutover", "test"], default="cutover"),
        log_bucket=dict(type="str"),
        template_id=dict(type="str"),
        switch_hce=dict(type="bool"),
        is_need_consistency_check=dict(type="bool"),
        force=dict(type="bool", default=False),
        workers=dict(type="int", default=4),
        wait=dict(type="bool", default=False),
        max_running=dict(type="int", default=DEFAULT_MAX_RUNNING),
    )
    spec.update(wait_argument_spec())
    return spec


def check_options(params):
    """(IDs without repeats, whether they are source server IDs); SmsInputError for bad options."""
    check_wait_options(params)
    check_workers("workers", params["workers"])
    check_range("max_running", params["max_running"], 1, MAX_MAX_RUNNING)
    check_optional_text("template_id", params["template_id"])
    check_optional_text("log_bucket", params["log_bucket"])
    if params["operation"] == "collect_log" and not params["log_bucket"]:
        raise SmsInputError("operation collect_log needs log_bucket (the OBS bucket SMS uploads the logs to)")
    if params["log_bucket"] and params["operation"] != "collect_log":
        raise SmsInputError("log_bucket is only for operation collect_log")
    for option in ("task_id", "source_id"):
        if params[option] is not None:
            return [check_id(option, params[option])], option == "source_id"
    option = "source_ids" if params["source_ids"] is not None else "task_ids"
    if not params[option]:
        raise SmsInputError("%s must list at least one ID" % option)
    for index, value in enumerate(params[option]):
        check_id("%s[%d]" % (option, index), value)
    return list(dict.fromkeys(params[option])), option == "source_ids"


class TaskAction(object):
    """Reads the tasks, guards the operation, sends it to each task that takes it and, with wait,
    waits until every task is where the operation leads."""

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
        params, operation, check_mode = self.params, self.params["operation"], self.module.check_mode
        ids, by_source = check_options(params)
        client = self.module.client
        tasks = [describe(record, notes=self.notes) for record in self._read(client, ids, by_source)]
        body = self._body(operation)
        results, to_send = plan_operation(operation, tasks, body, params["force"], check_mode, ecs_recheck(client, operation))
        for result in results:
            result["started_at"] = None  # set when SMS accepts a start or restart
        rolling = None
        if operation in ROLLING_OPERATIONS:
            rolling = RollingStart(client, operation, body, params["max_running"], params["workers"], self.notes)
            self._roll(rolling.plan(tasks, results, to_send), to_send)
            tasks = rolling.tasks()
        elif not check_mode:
            send_actions(client, to_send, params["workers"], operation)
        common = _common(results, to_send, rolling, check_mode)
        errors = [result for result in results if result["outcome"] == "error"]
        stats = dict(polls=0, failed_polls=0, waited_seconds=0.0)
        if errors:
            raise SmsError("SMS refused operation %s for %d of %d task(s): %s" % (
                operation, len(errors), len(to_send), "; ".join(result["msg"] for result in errors[:10])),
                tasks=tasks, summary=summary_of(tasks), gone_tasks=[], **dict(common, **stats))
        wait_for = OPERATIONS[operation]["wait_for"]
        if operation == "delete_clone" and params["wait"] and not check_mode:
            stats = self._wait_for_deletions(client, tasks, common)
        if params["wait"] and wait_for and not check_mode and operation != "delete_clone":
            tasks, stats = self._wait(client, tasks, wait_for, common, rolling)
        elif common["sent"]:
            tasks = self._reread(client, tasks)
        _add_outcomes(operation, results, tasks)
        return dict(tasks=tasks, summary=summary_of(tasks), gone_tasks=[], polls=stats["polls"],
                    failed_polls=stats["failed_polls"], waited_seconds=stats["waited_seconds"], **common)

    def _body(self, operation):
        """The request body of the operation (delete_clone's, each task's own, plan_operation makes)."""
        params = self.params
        if operation == "collect_log":
            return log_body(params["log_bucket"])
        value = dict(sync=params["sync_operation"], cutover=params["launch_operation"]).get(operation, operation)
        return action_body(value, params["template_id"], params["switch_hce"], params["is_need_consistency_check"])

    def _reader(self, client):
        """The reader of the tasks: collect_log reads the listing, the only read with log_collect_status."""
        return TaskReader(client, listed=self.params["operation"] == "collect_log")

    def _reread(self, client, tasks):
        fresh = self.module.call("Reading the tasks after the operation failed", self._reader(client).read,
                                 [task["id"] for task in tasks])
        return [describe(fresh[task["id"]], notes=self.notes) if fresh[task["id"]] else task for task in tasks]

    def _wait_for_deletions(self, client, tasks, common):
        """wait=true for delete_clone: the ECS job of every deletion sent ends; a job that fails (or a
        wait that does) fails the module naming the task and ECS's fields."""
        params = self.params
        sent = [result for result in common["results"] if result.get("ecs_job")]
        try:
            stats = wait_for_ecs_jobs(client, [result["ecs_job"] for result in sent], params["wait_timeout"],
                                      params["poll_interval"], params["outage_timeout"])
        except (WaitTimedOut, WaitOutage, SmsApiError, SmsClientError) as exc:
            _add_outcomes("delete_clone", common["results"], tasks)
            keywords = exc.fail_json_keywords() if isinstance(exc, (WaitOutage, SmsApiError, SmsClientError)) else {}
            running = ["%s (task %s, job %s)" % (r["source_name"], r["task_id"], r["ecs_job"]["job_id"])
                       for r in sent if r["ecs_job"].get("status") not in ("SUCCESS", "FAIL")]
            raise SmsError("operation delete_clone was sent, then waiting for the ECS jobs failed: %s; still running: %s"
                           % (exc, ", ".join(running)), tasks=tasks, summary=summary_of(tasks), gone_tasks=[],
                           **dict(common, **keywords))
        failed = [result for result in sent if result["ecs_job"]["status"] == "FAIL"]
        for result in failed:
            job = result["ecs_job"]
            result["msg"] = "ECS job %s deleting the clone failed: error_code %s, fail_reason %s" % (
                job["job_id"], job.get("error_code"), job.get("fail_reason"))
        if failed:
            tasks = self._reread(client, tasks)
            _add_outcomes("delete_clone", common["results"], tasks)
            raise SmsError("operation delete_clone: the ECS deletion failed for %d of %d task(s): %s" % (
                len(failed), len(sent), "; ".join("%s (task %s): %s" % (r["source_name"], r["task_id"], r["msg"]) for r in failed)),
                tasks=tasks, summary=summary_of(tasks), gone_tasks=[], polls=stats["polls"],
                failed_polls=stats["failed_polls"], waited_seconds=stats["waited_seconds"], **common)
        return dict((key, stats[key]) for key in ("polls", "failed_polls", "waited_seconds"))

    def _roll(self, rolling, to_send):
        """Start (or, in check mode, preview) the tasks as slots free; a failure keeps what was
        started (results, sent) and what is still queued (queued_tasks)."""
        params = self.params
        if not to_send:
            return
        try:
            if self.module.check_mode:
                rolling.preview()
            else:
                rolling.run(params["wait_timeout"], params["poll_interval"], params["outage_timeout"],
                            progress=progress_writer(params["progress_file"], counts=rolling.counts))
        except SmsError as exc:
            tasks = rolling.tasks()
            common = _common(rolling.results, to_send, rolling, self.module.check_mode)
            keywords = dict(exc.fail_json_keywords(), tasks=tasks, summary=summary_of(tasks), gone_tasks=[],
                            polls=0, failed_polls=0, waited_seconds=0.0, **common)
            if isinstance(getattr(exc, "error", None), SmsApiError):
                keywords.update(exc.error.to_dict())
            raise SmsError("operation %s: %d of %d task(s) started, %d still queued, then: %s" % (
                params["operation"], common["sent"], len(to_send), len(common["queued_tasks"]), exc), **keywords)

    def _read(self, client, ids, by_source):
        if by_source:
            found = self.module.call("Finding the tasks of the source servers failed", tasks_of_sources, client, ids)
            missing = [source_id for source_id in ids if found[source_id] is None]
            if missing:
                raise SmsError("no migration task exists for source server(s) %s; create them with hwcloud.sms.sms_task"
                               % ", ".join(missing), missing_source_ids=missing)
        else:
            found = self.module.call("Reading the tasks failed", self._reader(client).read, ids)
            missing = [task_id for task_id in ids if found[task_id] is None]
            if missing:
                raise SmsError("task(s) not found: %s" % ", ".join(missing), missing_task_ids=missing)
        return [found[item] for item in ids]

    def _wait(self, client, tasks, wait_for, common, rolling=None):
        """Wait after sending: every failure keeps what was sent (changed, results, sent). The
        rolling starts took part of wait_timeout already."""
        params, operation = self.params, self.params["operation"]
        timeout = params["wait_timeout"] - (rolling.stats["waited_seconds"] if rolling else 0)
        counts = rolling.counts if rolling else None
        fail_on = params["fail_on"]
        if operation == "sync_failed_rollback":
            fail_on = [name for name in fail_on if name != "failed"]  # a rollback stays in phase failed
        outcome = None
        if operation in TEST_OPERATIONS:
            sent_ids = set(result["task_id"] for result in common["results"] if result["outcome"] in ("sent", "forced"))
            outcome = outcome_after(operation, [task for task in tasks if task["id"] in sent_ids])
        try:
            # The tasks read before the operation (or while rolling) stand in until the first poll after it succeeds.
            return wait_for_tasks(
                client, [task["id"] for task in tasks], wait_for, params["wait_mode"], fail_on,
                max(timeout, 0.001), params["poll_interval"], progress=progress_writer(params["progress_file"], counts, **common),
                outage_timeout=params["outage_timeout"], notes=self.notes,
                known=dict((task["id"], task) for task in (rolling.tasks() if rolling else tasks)), outcome=outcome,
                listed=operation == "collect_log")
        except WaitFailed as exc:
            _add_outcomes(operation, common["results"], exc.tasks)
            raise SmsError("operation %s was sent, then: %s" % (operation, exc), **dict(common, **exc.result))
        except (SmsApiError, SmsClientError) as exc:
            raise SmsError("operation %s was sent, then waiting failed: %s" % (operation, exc),
                           **dict(common, **exc.fail_json_keywords()))


def _add_outcomes(operation, results, tasks):
    """Add to each result what its task shows of a test operation (clone_server, drill,
    log_collect_status) and, for a test that failed, ``msg`` naming SMS's fields."""
    if operation not in TEST_OPERATIONS:
        return
    by_id = dict((task["id"], task) for task in tasks)
    for result in results:
        task = by_id.get(result["task_id"])
        if task is None:
            continue
        result.update(outcome_fields(operation, task))
        verdict = operation_outcome(operation, task) if operation != "delete_clone" and not task.get("gone") else None
        if verdict and verdict is not True and result["outcome"] != "error":
            result["msg"] = verdict


def _common(results, to_send, rolling, check_mode):
    """What every return of the module holds about the sending: changed, results, sent, and for
    start and restart queued_tasks and rolling."""
    sent = sum(1 for result in results if result["outcome"] in ("sent", "forced"))
    common = dict(changed=bool(to_send) if check_mode else sent > 0, results=results, sent=sent,
                  queued_tasks=rolling.queued_ids() if rolling else [])
    if rolling is not None:
        common["rolling"] = dict(rolling.stats)
    return common


def main():
    module = SmsModule(
        argument_spec=argument_spec(),
        required_one_of=[("task_id", "task_ids", "source_id", "source_ids")],
        required_if=[("operation", "collect_log", ("log_bucket",))],
        mutually_exclusive=[("task_id", "task_ids", "source_id", "source_ids")],
        supports_check_mode=True,
    )
    try:
        result = TaskAction(module).run()
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
