"""Task actions, POST /v3/tasks/{id}/action: the state machine of operations (``ACTIONS``: the
task states each is allowed in, the task and source states it moves to, the agent command it
queues).  The runs the actions start, pause or launch belong to the engine (engine.py)."""

import collections

from .database import set_state
from .errors import ApiError, invalid_parameter, not_found
from .inferences import CONCURRENCY_LIMIT
from .records import task_summary
from .task_validation import validate_action_body

LAUNCHED_SOURCE_STATES = ("finished",)
# What an operation does: the task states it is allowed in (None: any), the (code, message) when
# not, the new task state, source state and migration_cycle (None: unchanged), the command queued
# for the agent (None: none) and its purpose.
Action = collections.namedtuple("Action", "allowed refusal task_state source_state cycle command purpose")
ACTIONS = {
    "start": Action(("READY", "ABORT", "MIGRATE_FAIL"), ("SMS.1039", "Only paused tasks can be resumed"),
                    "RUNNING", "initialize", "replicating", "START", "start"),
    "stop": Action(("RUNNING", "SYNCING", "SKIPPING"), ("SMS.1038", "Only tasks that are created or being monitored can be paused"),
                   "ABORTING", "stopping", None, "STOP", "stop"),
    "restart": Action(("MIGRATE_FAIL", "SYNC_FAIL"), ("SMS.1040", "Only tasks that failed to be created or migrated can be restarted"),
                      "RUNNING", "initialize", "replicating", "START", "start"),
    "skip": Action(("RUNNING",), ("SMS.1041", "Only running tasks can skip the consistency check"),
                   "SKIPPING", "skipping", None, "SKIP", "skip"),
    "migration_test": Action(("RUNNING", "SYNCING", "MIGRATE_SUCCESS"), ("SMS.1042", "The task cannot start a migration drill now"),
                             None, "premigready", None, "PREMIGRATE", "premigrate"),
    "collect_log": Action(None, None, None, None, None, "UPLOAD_LOG", "log"),
    "sync": Action(("MIGRATE_SUCCESS", "SYNC_SUCCESS", "SYNC_FAIL"), ("SMS.1043", "Only finished migrations can be synchronized"),
                   "SYNCING", "syncing", "syncing", "SYNC", "sync"),
    "cutover": Action(("SYNCING", "MIGRATE_SUCCESS"), ("SMS.1044", "Only tasks in continuous sync or replicated can launch the target"),
                      None, "cutovering", "cutovering", None, None),
}
ACTIONS["test"] = ACTIONS["cutover"]
# INFERENCE (the API reference lists the value, not its rules): a failed incremental sync is rolled back
# (SYNC_F_ROLLBACKING, ROLLBACK_SECONDS on the clock, then SYNC_F_ROLLBACK_SUCCESS, source finished/cutovered).
ACTIONS["sync_failed_rollback"] = Action(("SYNC_FAIL",), ("SMS.1047", "Only tasks whose synchronization failed can be rolled back"),
                                         "SYNC_F_ROLLBACKING", None, None, None, None)
ROLLBACK_SECONDS = 60
# clone_test: clones.py (the Store wires ``TaskActions.clones``)
DELEGATED_ACTIONS = ("clone_test",)
NO_OP_ACTIONS = ("network_check", "clear", "error_for_overspeed")
# Operations refused while the source's clone test is under way (INFERENCE; the clone is taken from the target).
REFUSED_WHILE_CLONING = ("cutover", "test", "migration_test", "sync")
# The concurrency limit ("at most 100 source servers migrated at the same time", product
# description): the task states that take one of the account's slots, as the collection's
# _phases.SLOT_TABLE says why (tests/unit/emulator/test_concurrency_limit.py keeps them equal).
SLOT_STATES = ("RUNNING", "SKIPPING", "RESETING", "ABORTING")
DEFAULT_MAX_RUNNING = 100
# INFERENCE (inferences.CONCURRENCY_LIMIT): Huawei documents the limit, not the answer to a start beyond it.
LIMIT_STATUS, LIMIT_CODE = CONCURRENCY_LIMIT.status, CONCURRENCY_LIMIT.error_code
LIMIT_MESSAGE = "The number of source servers being migrated at the same time has reached the upper limit (%d)"


class TaskActions:
    """Runs the actions on the ``tasks`` table, queueing agent commands through ``commands``."""

    def __init__(self, db, clock, engine, commands, command_generation="new"):
        self.db = db
        self.clock = clock
        self.engine = engine
        self.commands = commands
        self.command_generation = command_generation
        self.max_running = DEFAULT_MAX_RUNNING
        self.peak_running = 0  # the most tasks in SLOT_STATES right after an admitted start or restart
        self.clones = None  # clones.CloneTests, wired by the Store: the clone_test action
        engine.handlers["rollback_done"] = self._rollback_done

    def set_max_running(self, max_running):
        """How many tasks may be in SLOT_STATES at once (starts and restarts beyond it are refused)."""
        if isinstance(max_running, bool) or not isinstance(max_running, int) or max_running < 1:
            raise ValueError("max_running must be a positive integer, got %r" % (max_running,))
        self.max_running = max_running

    def running_count(self, conn=None):
        """Tasks of the account in SLOT_STATES now."""
        return (conn or self.db.conn()).execute("SELECT COUNT(*) FROM tasks WHERE state IN (%s)" % ",".join(
            "?" * len(SLOT_STATES)), SLOT_STATES).fetchone()[0]

    def task_action(self, task_id, operation, body=None):
        """POST /v3/tasks/{id}/action: move the task and queue the agent command (G.2); returns the command.

        Every action passes here, also the start of a task created with ``auto_start``: the one
        place that admits or refuses a start or restart (``ACTIONS`` holds the state rules, ``_admit``
        the concurrency limit)."""
        body = body or {}
        self.engine.tick()
        if operation == "clone_test":
            self.clones.clone_test(task_id, body.get("template_id"))
            return None
        if operation in NO_OP_ACTIONS:
            if self.db.load_task(task_id) is None:
                raise not_found("task", task_id)
            return None
        if operation not in ACTIONS:
            raise invalid_parameter("operation", "must be one of " + ", ".join(
                sorted(list(ACTIONS) + list(NO_OP_ACTIONS) + list(DELEGATED_ACTIONS))))
        with self.db.write() as conn:
            task, source = load_task_and_source(self.db, conn, task_id)
            record = source.record
            launched = record["state"] in LAUNCHED_SOURCE_STATES or record["migration_cycle"] == "cutovered"
            if operation == "start" and task["state"] in ("MIGRATE_SUCCESS", "SYNC_SUCCESS", "SYNC_FAIL") and launched:
                # INFERENCE: the SMS API reference has no sync operation value; start on a finished task syncs
                operation = "sync"
            _check_allowed(operation, task, record, launched)
            task_state, source_state, cycle, command, purpose = ACTIONS[operation][2:]
            if task_state in SLOT_STATES and task["state"] not in SLOT_STATES:
                self._admit(conn)
            param = {"task_id": task_id}
            if operation == "collect_log":
                bucket = (body.get("param") or {}).get("bucket") or body.get("bucket") or "sms-agent-logs"
                param["bucket"] = bucket
                task["log_bucket"] = bucket
                task["log_collect_status"] = "UPLOADING"
            if command == "SYNC" and self.command_generation == "new":
                # INFERENCE: the newer command list has no SYNC; an incremental sync re-runs START
                command = "START"
            if operation == "stop":
                self.engine.pause_run(conn, task_id)
            if operation == "restart":
                task["error_json"] = ""
            if operation in ("cutover", "test"):
                self.engine.start_run(conn, task, record, "cutover" if task["state"] == "SYNCING" else "launch")
            if operation == "sync_failed_rollback":
                self.engine.at(conn, self.clock.now() + ROLLBACK_SECONDS, "rollback_done", task_id)
            if task_state:
                task["state"] = task_state
                if task_state == "RUNNING" and not task.get("start_date"):
                    task["start_date"] = self.clock.now_ms()
            set_state(record, source_state, cycle)
            if command:
                self.commands.enqueue(conn, record["id"], command, param, purpose)
            self.db.save_task(conn, task)
            record["current_task"] = task_summary(task)
            self.db.save_source(conn, source)
        return command

    def _rollback_done(self, conn, task_id, _data, when):
        task = self.db.load_task(task_id, conn)
        if task is None or task["state"] != "SYNC_F_ROLLBACKING":
            return
        task["state"] = "SYNC_F_ROLLBACK_SUCCESS"
        self.db.save_task(conn, task)
        source = self.db.load_source(task["source_server"]["id"], conn)
        if source is not None:
            set_state(source.record, "finished", "cutovered", int(when * 1000))
            if source.record.get("current_task") and source.record["current_task"]["id"] == task_id:
                source.record["current_task"] = task_summary(task)
            self.db.save_source(conn, source)

    def _admit(self, conn):
        """Refuse a start or restart that would put more than max_running tasks in SLOT_STATES
        (checked inside the write transaction: two starts cannot both take the last slot)."""
        running = self.running_count(conn)
        if running >= self.max_running:
            raise ApiError(LIMIT_STATUS, LIMIT_CODE, LIMIT_MESSAGE % self.max_running)
        self.peak_running = max(self.peak_running, running + 1)


def load_task_and_source(db, conn, task_id):
    """(task, its StoredSource) read in ``conn``: 404 for an unknown task, SMS.2216 when its source
    server is gone (the actions on a task need both)."""
    task = db.load_task(task_id, conn)
    if task is None:
        raise not_found("task", task_id)
    source = db.load_source(task["source_server"]["id"], conn)
    if source is None:
        raise ApiError(400, "SMS.2216", "The source server of the task does not exist")
    return task, source


def _check_allowed(operation, task, record, launched):
    """400 with the operation's refusal when the task (or its source) is in no state for it."""
    action = ACTIONS[operation]
    refused = action.allowed is not None and task["state"] not in action.allowed
    if operation == "sync" and not launched:
        refused = True
    if operation in ("cutover", "test") and (launched or record["state"] == "cutovering"):
        refused = True
    if operation in REFUSED_WHILE_CLONING and record["state"] == "cloning":
        refused = True
    if refused:
        raise ApiError(400, action.refusal[0], action.refusal[1])


# ----------------------------------------------------------------- handlers (see routes.py)
def task_action(call):
    request = call.json()
    validate_action_body(request)
    call.store.task_action(call.params["task_id"], request["operation"], request)
    return 200, {}


ROUTES = (
    ("POST", "/v3/tasks/{task_id}/action", "sms:task:updateStatus", "task_id", task_action),
)
