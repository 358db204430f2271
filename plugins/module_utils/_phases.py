# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Migration phases: one word per task for where a migration stands, defined once here.

SMS splits the lifecycle across two records: the task (``state``) and its source server
(``state`` and ``migration_cycle``). A task stays MIGRATE_SUCCESS while the source shows the
target being launched and launched, so a phase is derived from both. Any state SMS may add
later maps to ``unknown`` and is passed through untouched, never an error.

The test phases come from the source state and the task's test clone (``clone_server.clone_state``
of GET /v3/tasks/{id}; the listing's clone_server has no clone_state, see _tasks.py). Only a
task whose full copy ended (base phase syncing or replicated) gets one, and a launch
(cutting_over, finished) always wins over them. A clone in ERROR leaves the base phase:
sms_task_action reports the failed clone (_task_outcomes.py).

| phase        | task state                                   | source state / migration_cycle            |
|--------------|----------------------------------------------|-------------------------------------------|
| ready        | READY                                        |                                           |
| replicating  | RUNNING, SKIPPING, RESETING                  | not cutovering                            |
| syncing      | SYNCING                                      | not cutovering, no test phase             |
| replicated   | MIGRATE_SUCCESS                              | not launching nor launched, no test phase |
| cutting_over | RUNNING, SYNCING, MIGRATE_SUCCESS            | cutovering (state or cycle)               |
| finished     | MIGRATE_SUCCESS, SYNC_SUCCESS                | finished or cutovered (any for SYNC_SUCCESS) |
| cloning      | SYNCING, MIGRATE_SUCCESS (not launching)     | cloning, or clone_state PREPARING/CREATING |
| cloned       | SYNCING, MIGRATE_SUCCESS (not launching)     | clone_state FINISHED, no drill state      |
| drilling     | SYNCING, MIGRATE_SUCCESS (not launching)     | premigready, premiging (not cloning)      |
| drilled      | SYNCING, MIGRATE_SUCCESS (not launching)     | premiged (not cloning)                    |
| drill_failed | SYNCING, MIGRATE_SUCCESS (not launching)     | premigfailed (not cloning)                |
| stopping     | ABORTING                                     |                                           |
| stopped      | ABORT                                        |                                           |
| failed       | MIGRATE_FAIL, SYNC_FAIL, SYNC_F_ROLLBACKING, SYNC_F_ROLLBACK_SUCCESS |                   |
| deleting     | DELETING                                     |                                           |
| unknown      | anything else (e.g. CUTOVER_READY), or none  |                                           |
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PHASES = ("ready", "replicating", "syncing", "replicated", "cutting_over", "finished",
          "cloning", "cloned", "drilling", "drilled", "drill_failed",
          "stopping", "stopped", "failed", "deleting", "unknown")
# The phases of a test before the cut-over: a test clone of the target (clone_test) and a
# migration drill (migration_test). Only a task whose full copy ended gets one.
TEST_PHASES = ("cloning", "cloned", "drilling", "drilled", "drill_failed")

# Task state -> phase when the source record does not change the picture.
TASK_STATE_PHASES = {
    "READY": "ready",
    "RUNNING": "replicating",
    "SKIPPING": "replicating",  # skipping the consistency-check sub-task, still replicating
    "RESETING": "replicating",  # SMS's spelling; a task being reset keeps its replication
    "SYNCING": "syncing",
    "MIGRATE_SUCCESS": "replicated",
    "SYNC_SUCCESS": "finished",
    "MIGRATE_FAIL": "failed",
    "SYNC_FAIL": "failed",
    "SYNC_F_ROLLBACKING": "failed",
    "SYNC_F_ROLLBACK_SUCCESS": "failed",
    "ABORTING": "stopping",
    "ABORT": "stopped",
    "DELETING": "deleting",
}
TASK_STATES = tuple(TASK_STATE_PHASES)

# The phase sets the task modules decide with, each defined once (tests/unit/module_utils/test_phases.py
# checks each against PHASES).

# A start or restart has taken effect: the task replicates, or is in a phase replication leads to
# (what start and restart wait for, and why a second start sends nothing). The test phases come
# only after the full copy, so they are past a start too.
STARTED_PHASES = ("replicating", "syncing", "replicated", "cutting_over", "finished") + TEST_PHASES
# The full copy ended, so all of the data is copied: a sync after it copies only changes, and a
# launch needs the copy done. A test phase is given only to a task whose full copy ended.
COPIED_PHASES = ("syncing", "replicated", "cutting_over", "finished") + TEST_PHASES
# SMS is working on the task, so its time estimates (remain_seconds, estimate_complete_time) mean
# something; a stopped, failed or finished task keeps a stale one. A clone is made only in
# continuous sync (cloning and cloned tasks still sync) and a drill runs; a drill that ended
# leaves no work of its own.
IN_PROGRESS_PHASES = ("replicating", "syncing", "cutting_over", "cloning", "cloned", "drilling")
# Every sub-task ended (the copy, and the launch if any): the task has a finish time. A drill that
# ended adds nothing to run (finish_time still needs every listed sub-task ended).
COMPLETED_PHASES = ("replicated", "finished", "drilled", "drill_failed")
# A launch (cutover) may be asked from these: SMS documents it from continuous sync, and a full
# copy with syncing=false and start_target_server=false ends replicated and is launched the same way.
# A test clone or a drill that ended leaves the task where it was (syncing or replicated), so the
# tested task is launched the same way; a clone or drill still running is not (wait for it).
LAUNCHABLE_PHASES = ("syncing", "replicated", "cloned", "drilled", "drill_failed")
# A launch has taken effect: the target is being launched or was launched.
LAUNCHED_PHASES = ("cutting_over", "finished")
# A stop has taken effect: SMS is stopping the task or has stopped it.
STOPPED_PHASES = ("stopping", "stopped")
# Nothing runs and SMS changes nothing by itself: a task stopped before deletion has stopped once
# it is in one of these (sms_task's stop-then-delete waits for them). Every phase but the moving
# ones below and unknown, which may be moving. A drill that ended (source premiged or
# premigfailed, which SMS does not count as running) settles too.
SETTLED_PHASES = ("ready", "replicated", "finished", "stopped", "failed", "drilled", "drill_failed")

# What makes SMS refuse to delete a task or its source server (SMS.2015): the task's phase, or the
# source server's own state. sms_task (delete) and sms_source (absent) refuse alike unless forced.
# A clone is made while the task syncs (source cloning, then syncing again) and a drill runs
# (source premiging): SMS refuses the delete then, as it does for any syncing task.
MOVING_PHASES = ("replicating", "syncing", "cutting_over", "stopping", "deleting", "cloning", "cloned", "drilling")
MOVING_SOURCE_STATES = ("initialize", "stopping", "deleting", "cloning", "replicate", "syncing",
                        "cutovering", "skipping", "clearing", "premiging")

# Task states (not phases) in which the full copy may not have begun: before its copy sub-task
# appears nothing is copied (the preparation sub-tasks come first in SMS's migration flow), so a
# task in one of them with sub-tasks but no copy sub-task has copied 0 %.
COPY_PENDING_STATES = ("RUNNING", "ABORTING", "ABORT", "MIGRATE_FAIL")

# The concurrency limit: SMS migrates "at most 100 source servers at the same time" (product
# description, Notes and Constraints; MgC FAQ). Huawei documents the limit, not which task states
# take one of those slots, so every "why" below except RUNNING's is an INFERENCE. The rule they
# follow: a task holds a slot while its full copy runs (or may still run), and frees it once the
# full copy is over, as issue 20 reads the limit ("starts more as tasks leave the full-copy phase").
# A task in a state not listed (one SMS added later, e.g. CUTOVER_READY) takes no slot: if SMS
# counts it after all, it refuses the start and sms_task_action queues the task again.
# state -> (takes a slot, why); sms_task_action's rolling starts (_rolling.py) count with it, and
# the emulator (tests/emulator/sms_emulator/task_actions.py) enforces the same table.
SLOT_TABLE = {
    "READY": (False, "created, never started: nothing is copied yet"),
    "RUNNING": (True, "the migration runs (preparation and full copy): what the limit counts, documented"),
    "SKIPPING": (True, "INFERENCE: still in the full copy, skipping only its consistency-check sub-task"),
    "RESETING": (True, "INFERENCE: a task being reset keeps (and resumes) its replication"),
    "ABORTING": (True, "INFERENCE: being stopped, the copy has not stopped yet; counting it errs on the safe side"),
    "SYNCING": (False, "INFERENCE: the full copy ended; continuous or incremental sync copies only changes"),
    "MIGRATE_SUCCESS": (False, "INFERENCE: the full copy ended (a launch of the target that may follow copies nothing)"),
    "SYNC_SUCCESS": (False, "an incremental sync ended"),
    "MIGRATE_FAIL": (False, "INFERENCE: failed, nothing runs until a restart, which takes a slot again"),
    "SYNC_FAIL": (False, "INFERENCE: a sync after the full copy failed, nothing runs"),
    "SYNC_F_ROLLBACKING": (False, "INFERENCE: rolling back a failed sync after the full copy, no copy runs"),
    "SYNC_F_ROLLBACK_SUCCESS": (False, "INFERENCE: rolled back, nothing runs"),
    "ABORT": (False, "stopped: nothing runs until a start, which takes a slot again"),
    "DELETING": (False, "INFERENCE: being deleted, no copy runs"),
}
# The task states that take a slot (derived from SLOT_TABLE).
SLOT_STATES = tuple(state for state, (takes, _why) in SLOT_TABLE.items() if takes)

_LAUNCHING = "cutovering"
_LAUNCHED_STATES = ("finished",)
_LAUNCHED_CYCLES = ("cutovered",)
# Base phases after the full copy, which a test (clone or drill) may follow.
_TESTABLE = ("syncing", "replicated")
# clone_server.clone_state (SDK CloneServer) of a clone being made and of a clone made.
CLONE_MAKING_STATES = ("PREPARING", "CREATING")
CLONE_MADE_STATE = "FINISHED"
CLONE_FAILED_STATE = "ERROR"
# Source states of a migration drill (SDK ServerSource states), in the order SMS goes through them.
_DRILL_SOURCE_STATES = {"premigready": "drilling", "premiging": "drilling", "premiged": "drilled", "premigfailed": "drill_failed"}


def phase(task_state, source_state=None, migration_cycle=None, clone_state=None):
    """The phase of a task from its state, its source server's state and migration cycle and the
    clone_state of its test clone (clone_server.clone_state)."""
    base = TASK_STATE_PHASES.get(task_state, "unknown") if isinstance(task_state, str) else "unknown"
    if base in ("replicating", "syncing", "replicated"):
        if _LAUNCHING in (source_state, migration_cycle):
            return "cutting_over"
    if base == "replicated":
        if source_state in _LAUNCHED_STATES or migration_cycle in _LAUNCHED_CYCLES:
            return "finished"
    if base in _TESTABLE:
        # A clone being made first (the source shows it), then a drill (the source's state is
        # newer news than a clone made earlier, whose record SMS keeps), then a clone made.
        if source_state == "cloning" or clone_state in CLONE_MAKING_STATES:
            return "cloning"
        if source_state in _DRILL_SOURCE_STATES:
            return _DRILL_SOURCE_STATES[source_state]
        if clone_state == CLONE_MADE_STATE:
            return "cloned"
    return base


def clone_state_of(task):
    """clone_server.clone_state of a task record, or None (no clone, or the listing's brief record)."""
    clone = task.get("clone_server") if isinstance(task, dict) else None
    state = clone.get("clone_state") if isinstance(clone, dict) else None
    return state if isinstance(state, str) else None


def task_phase(task):
    """phase() of a task record (GET /v3/tasks/{id} or one item of GET /v3/tasks), whose
    source_server carries the source's state and migration_cycle and whose clone_server (GET
    /v3/tasks/{id} only) the clone_state."""
    if not isinstance(task, dict):
        return "unknown"
    source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
    return phase(task.get("state"), source.get("state"), source.get("migration_cycle"), clone_state_of(task))


def phase_summary(phases):
    """Count per phase, every phase present (zeros included), in PHASES order."""
    summary = dict((name, 0) for name in PHASES)
    for name in phases:
        summary[name if name in summary else "unknown"] += 1
    return summary


def takes_slot(task):
    """Whether a task record (raw, from GET /v3/tasks) takes one of SMS's concurrent-migration
    slots (SLOT_TABLE)."""
    return isinstance(task, dict) and task.get("state") in SLOT_STATES


def matches(task_state, task_phase_name, names):
    """Whether a task is one of ``names``: phases are lower case, raw task states upper case."""
    return task_phase_name in names or (task_state is not None and task_state in names)
