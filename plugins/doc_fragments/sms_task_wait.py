# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Waiting options shared by sms_task_info and sms_task_action (their argument spec is
    # _task_wait.wait_argument_spec), and the phase table (_phases.py is the one definition).
    DOCUMENTATION = r"""
options:
  wait_mode:
    description:
      - V(all) waits until every task is in one of the wanted phases; V(any) until one is.
      - A task that reached a wanted phase is not read again.
    type: str
    choices: [all, any]
    default: all
  fail_on:
    description:
      - Phases (or task states in upper case, like V(SYNC_FAIL)) that end the wait at once
        with a failure naming each such task and its parsed C(error_json).
      - An empty list never fails early.
      - A task that no longer exists (deleted while waited for, so C(GET /v3/tasks/{id}) answers 404,
        which is asked when it is missing from the listing) always ends the wait at once, with a
        failure naming it and the task in RV(gone_tasks).
    type: list
    elements: str
    default: [failed]
  wait_timeout:
    description:
      - Seconds to wait in this one module call; migrations of large disks take hours to days.
      - The module fails when this passes first, naming the tasks still waited for.
      - For waits longer than the job timeout of AWX or a CI runner, raise that timeout too.
    type: float
    default: 86400
  poll_interval:
    description:
      - Seconds between two polls. Each poll costs the cheaper of one paged C(GET /v3/tasks)
        listing and one C(GET /v3/tasks/{id}) per task still waited for.
    type: float
    default: 30
  outage_timeout:
    description:
      - Seconds a wait rides through polls that fail, counted from the first of an unbroken run of
        failed polls; a poll that succeeds starts the count again.
      - A poll fails when its requests still fail after the client's own O(retries) with no connection,
        a broken answer, or HTTP 408, 429 or 5xx; the wait then keeps the tasks as last read, and polls
        again after O(poll_interval). Past this bound, the module fails with the last error's
        C(status), C(error_code), C(error_msg) and C(request_id). Any other error (HTTP 401, 403 ...)
        ends the wait at once.
      - V(0) fails at the first failed poll. O(wait_timeout) still ends the wait first when it passes.
    type: float
    default: 900
  progress_file:
    description:
      - File rewritten after every poll with the time, the count per phase, the error of a failed
        poll and a table of server, phase, progress, ETA and task state; follow a long wait with C(tail -f) or
        C(watch cat). The directory must exist.
    type: path
notes:
  - "Phases, derived from the task state and the source server's state and migration cycle:
    V(ready) (READY); V(replicating) (RUNNING, SKIPPING, RESETING); V(syncing) (SYNCING,
    continuous or incremental sync); V(replicated) (MIGRATE_SUCCESS, target not launched yet);
    V(cutting_over) (source C(cutovering)); V(finished) (MIGRATE_SUCCESS with the source
    C(finished) or cycle C(cutovered), or SYNC_SUCCESS); V(stopping) (ABORTING); V(stopped)
    (ABORT); V(failed) (MIGRATE_FAIL, SYNC_FAIL, SYNC_F_ROLLBACKING, SYNC_F_ROLLBACK_SUCCESS);
    V(deleting) (DELETING); V(unknown) (any other state, passed through in C(state))."
  - "Test phases, only for a task whose full copy ended (SYNCING or MIGRATE_SUCCESS) and whose target is
    not being launched or launched (those phases win): V(cloning) (source C(cloning), or the test clone's
    C(clone_state) PREPARING or CREATING); V(drilling) (source C(premigready) or C(premiging)); V(drilled)
    (source C(premiged)); V(drill_failed) (source C(premigfailed)); V(cloned) (C(clone_state) FINISHED, no
    drill state). A clone in ERROR leaves the phase syncing. A task in a test phase counts as started and
    copied; a cloned, drilled or drill_failed task can be launched."
  - The waiting happens inside the module; do not wrap it in C(until) loops (each retry would
    start the module and sign its requests again).
"""
