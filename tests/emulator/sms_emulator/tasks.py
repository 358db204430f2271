"""Migration tasks: POST/GET /v3/tasks, GET/DELETE /v3/tasks/{id}, the task actions
(POST /v3/tasks/{id}/action) with the agent command each one queues, and the lifecycle that
moves a started task with time (``replication.py``), the auto-answering agent and per-task faults.

State is derived on read: every entry point first calls ``tick()``, which applies what is due on
the clock (sub-task boundaries, completions, faults, auto-agent answers) and stores it; reads
overlay the live progress of running tasks.  No background thread.
"""

import hashlib
import json

from . import replication
from .database import dumps, now_ms, set_state
from .errors import ApiError, invalid_parameter, not_found
from .records import OS_TYPES, RUNNING_SOURCE_STATES, TASK_TYPES, task_record, task_summary
from .sources import int_param

TASK_RUNNING_STATES = ("RUNNING", "SYNCING", "ABORTING", "SKIPPING", "DELETING", "RESETING")
TASK_STATES = ("READY", "RUNNING", "SYNCING", "MIGRATE_SUCCESS", "SYNC_SUCCESS", "MIGRATE_FAIL", "SYNC_FAIL",
               "ABORTING", "ABORT", "SKIPPING", "DELETING", "RESETING", "SYNC_F_ROLLBACKING",
               "SYNC_F_ROLLBACK_SUCCESS")
# Request fields as the official SDK's models define them (huaweicloudsdksms 3.1.x attribute_map;
# tests/unit/emulator/test_tasks.py compares them with the installed SDK).
POST_TASK_FIELDS = ("name", "type", "start_target_server", "auto_start", "os_type", "source_server", "target_server",
                    "migration_ip", "region_name", "region_id", "project_name", "project_id", "priority",
                    "vm_template_id", "clonevm_template_id", "use_public_ip", "use_ipv6", "syncing", "exist_server",
                    "start_network_check", "speed_limit", "over_speed_threshold", "is_need_consistency_check",
                    "need_migration_test")
SOURCE_SERVER_BY_TASK_FIELDS = ("id",)
TARGET_SERVER_BY_TASK_FIELDS = ("btrfs_list", "disks", "name", "vm_id", "volume_groups")
TARGET_DISK_FIELDS = ("device_use", "disk_id", "name", "physical_volumes", "size", "used_size")
PHYSICAL_VOLUME_FIELDS = ("device_use", "file_system", "index", "mount_point", "name", "size", "inode_size",
                          "used_size", "uuid")
# UpdateTaskStatusReq, plus ``param`` of the older documents (collect_log's bucket).
ACTION_FIELDS = ("operation", "template_id", "switch_hce", "is_need_consistency_check", "param")
DEVICE_USES = ("BOOT", "OS", "NORMAL", "VOLUME_GROUP", "BTRFS")
REQUIRED_STRINGS = ("region_name", "region_id", "project_name", "project_id")
LAUNCHED_SOURCE_STATES = ("finished",)
# operation -> (task states it is allowed in, error when not, new task state, new source state,
#               new migration_cycle, command to the agent, purpose)
ACTIONS = {
    "start": (("READY", "ABORT", "MIGRATE_FAIL"), ("SMS.1039", "Only paused tasks can be resumed"),
              "RUNNING", "initialize", "replicating", "START", "start"),
    "stop": (("RUNNING", "SYNCING", "SKIPPING"), ("SMS.1038", "Only tasks that are created or being monitored can be paused"),
             "ABORTING", "stopping", None, "STOP", "stop"),
    "restart": (("MIGRATE_FAIL", "SYNC_FAIL"), ("SMS.1040", "Only tasks that failed to be created or migrated can be restarted"),
                "RUNNING", "initialize", "replicating", "START", "start"),
    "skip": (("RUNNING",), ("SMS.1041", "Only running tasks can skip the consistency check"),
             "SKIPPING", "skipping", None, "SKIP", "skip"),
    "migration_test": (("RUNNING", "SYNCING", "MIGRATE_SUCCESS"), ("SMS.1042", "The task cannot start a migration drill now"),
                       None, "premigready", None, "PREMIGRATE", "premigrate"),
    "collect_log": (None, None, None, None, None, "UPLOAD_LOG", "log"),
    "sync": (("MIGRATE_SUCCESS", "SYNC_SUCCESS", "SYNC_FAIL"), ("SMS.1043", "Only finished migrations can be synchronized"),
             "SYNCING", "syncing", "syncing", "SYNC", "sync"),
    "cutover": (("SYNCING", "MIGRATE_SUCCESS"), ("SMS.1044", "Only tasks in continuous sync or replicated can launch the target"),
                None, "cutovering", "cutovering", None, None),
}
ACTIONS["test"] = ACTIONS["cutover"]
NO_OP_ACTIONS = ("clone_test", "network_check", "clear", "error_for_overspeed", "sync_failed_rollback")
# Injected failures: default messages per error code (codes of the SMS API reference's error code table).
FAULT_MESSAGES = {"SMS.1901": "Failed to connect to the target server: check ports 22, 8899 and 8900",
                  "SMS.1106": "The target disk is smaller than the source disk",
                  "SMS.0515": "Missing or invalid disk information",
                  "SMS.1414": "The migration module stopped abnormally"}
TASK_FAULT_KEYS = ("fail_at", "error_code", "error_msg", "disconnect_at", "raw_state", "at")


def target_ip(vm_id):
    """A private IP for the target ECS ``vm_id``, the same on every read."""
    digest = hashlib.sha256(vm_id.encode("utf-8")).digest()
    return "10.%d.%d.%d" % (digest[0], digest[1], digest[2] % 254 + 1)


def validate_list_query(query):
    """GET /v3/tasks query -> keyword arguments of Tasks.list_tasks."""
    for name, low, high in (("name", 0, 255), ("id", 1, 36), ("source_server_id", 1, 36),
                            ("enterprise_project_id", 0, 255)):
        if name in query and not low <= len(query[name]) <= high:
            raise invalid_parameter(name, "must be %d to %d characters" % (low, high))
    if query.get("state") and query["state"] not in TASK_STATES:
        raise invalid_parameter("state", "must be one of " + ", ".join(TASK_STATES))
    return {"state": query.get("state"), "name": query.get("name"), "task_id": query.get("id"),
            "source_server_id": query.get("source_server_id"),
            "enterprise_project_id": query.get("enterprise_project_id"),
            "limit": int_param(query, "limit", 100, 0, 200) or 100,
            "offset": int_param(query, "offset", 0, 0, 65535)}


def _only_fields(value, fields, where):
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise invalid_parameter(where + unknown[0], "is not a field of the request model")


def validate_task_body(body):
    """PostTask as SMS checks it: SDK fields only, required fields, disks (SMS.0515)."""
    if not isinstance(body, dict):
        raise invalid_parameter("body", "must be a JSON object")
    _only_fields(body, POST_TASK_FIELDS, "")
    name = body.get("name")
    if not isinstance(name, str) or not name or len(name) > 255:
        raise invalid_parameter("name", "required string of 1 to 255 characters")
    if body.get("type") not in TASK_TYPES:
        raise invalid_parameter("type", "must be MIGRATE_FILE or MIGRATE_BLOCK")
    if body.get("os_type") not in (None,) + OS_TYPES:
        raise invalid_parameter("os_type", "must be WINDOWS or LINUX")
    source_ref = body.get("source_server")
    if not isinstance(source_ref, dict) or not isinstance(source_ref.get("id"), str) or not source_ref["id"]:
        raise invalid_parameter("source_server.id", "required string")
    _only_fields(source_ref, SOURCE_SERVER_BY_TASK_FIELDS, "source_server.")
    for field in REQUIRED_STRINGS:
        if not isinstance(body.get(field), str) or not body[field]:
            raise invalid_parameter(field, "required string")
    for field in ("priority", "speed_limit"):
        if field in body and (not isinstance(body[field], int) or isinstance(body[field], bool) or body[field] < 0):
            raise invalid_parameter(field, "must be a non-negative integer")
    target = body.get("target_server")
    if not isinstance(target, dict):
        raise invalid_parameter("target_server", "required object")
    _only_fields(target, TARGET_SERVER_BY_TASK_FIELDS, "target_server.")
    for field in ("name", "vm_id"):
        if not isinstance(target.get(field), str):
            raise invalid_parameter("target_server." + field, "required string")
    if body.get("exist_server") and not target["vm_id"]:
        raise invalid_parameter("target_server.vm_id", "required for an existing server (exist_server)")
    disks = target.get("disks")
    if not isinstance(disks, list) or not disks:
        raise ApiError(400, "SMS.0515", "Missing or invalid disk information: target_server.disks is empty")
    for index, disk in enumerate(disks):
        where = "target_server.disks[%d]." % index
        if not isinstance(disk, dict):
            raise ApiError(400, "SMS.0515", "Missing or invalid disk information: %s is not an object" % where[:-1])
        _only_fields(disk, TARGET_DISK_FIELDS, where)
        if not isinstance(disk.get("name"), str) or not disk["name"]:
            raise ApiError(400, "SMS.0515", "Missing or invalid disk information: %sname" % where)
        if not isinstance(disk.get("size"), int) or disk["size"] <= 0:
            raise ApiError(400, "SMS.0515", "Missing or invalid disk information: %ssize (bytes)" % where)
        if disk.get("device_use") not in (None,) + DEVICE_USES:
            raise invalid_parameter(where + "device_use", "must be one of " + ", ".join(DEVICE_USES))
        for volume_index, volume in enumerate(disk.get("physical_volumes") or []):
            if not isinstance(volume, dict):
                raise invalid_parameter("%sphysical_volumes[%d]" % (where, volume_index), "must be an object")
            _only_fields(volume, PHYSICAL_VOLUME_FIELDS, "%sphysical_volumes[%d]." % (where, volume_index))


def validate_action_body(body):
    _only_fields(body, ACTION_FIELDS, "")
    if not isinstance(body.get("operation"), str):
        raise invalid_parameter("operation", "required string")


def fault_spec(spec):
    """Check a per-task fault: fail_at (+error_code, error_msg), disconnect_at, or raw_state (+at)."""
    unknown = set(spec) - set(TASK_FAULT_KEYS)
    if unknown:
        raise ValueError("unknown task fault options: %s" % ", ".join(sorted(unknown)))
    kinds = [key for key in ("fail_at", "disconnect_at", "raw_state") if spec.get(key)]
    if len(kinds) != 1:
        raise ValueError("a task fault needs exactly one of fail_at, disconnect_at, raw_state")
    for key in ("fail_at", "disconnect_at", "at"):
        if spec.get(key) and spec[key] not in replication.SUBTASK_NAMES:
            raise ValueError("%s must be a sub-task name: %s" % (key, ", ".join(replication.SUBTASK_NAMES)))
    spec = {key: value for key, value in spec.items() if value is not None}
    if spec.get("fail_at"):
        spec.setdefault("error_code", "SMS.1901")
        spec.setdefault("error_msg", FAULT_MESSAGES.get(spec["error_code"], "Injected failure"))
    return spec


class Tasks:
    """Task part of the Store (mixed into store.Store with database.Database)."""

    command_generation = "new"
    clock = None
    auto_agent = False
    agent_delay = 5.0
    replication_mbps = replication.DEFAULT_SPEED_MBPS
    _next_due = 0.0

    # ----------------------------------------------------------------- reading
    def _serve_task(self, task, run=None, now=None):
        loaded = self._load_source(task["source_server"]["id"])
        source = loaded[0] if loaded else None
        if run is not None:
            self._overlay(task, source, run, now if now is not None else self.clock.now())
        if source is not None:
            task["source_server"] = {key: source[key] for key in (
                "id", "ip", "name", "os_type", "os_version", "oem_system", "state", "migration_cycle")}
        target = task["target_server"]
        vm_id = target.get("vm_id") or None
        # INFERENCE: the target's record id is its ECS id; its IP is known once the ECS exists
        task["target_server"] = dict(target, id=vm_id, ip=target.get("ip") or (target_ip(vm_id) if vm_id else None),
                                     os_type=task.get("os_type"),
                                     os_version=source["os_version"] if source is not None else None)
        for private in [key for key in task if key.startswith("_")] + ["log_bucket"]:
            task.pop(private, None)
        return task

    def get_task(self, task_id):
        self.tick()
        task = self._load_task(task_id)
        if task is None:
            return None
        return self._serve_task(task, self._load_run(task_id))

    def list_tasks(self, state=None, name=None, task_id=None, source_server_id=None, enterprise_project_id=None,
                   limit=100, offset=0):
        self.tick()
        clauses, args = [], []
        for column, value in (("state", state), ("id", task_id), ("source_id", source_server_id),
                              ("enterprise_project_id", enterprise_project_id)):
            if value:
                clauses.append(column + " = ?")
                args.append(value)
        if name:
            clauses.append("instr(name, ?) > 0")
            args.append(name)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        conn = self._conn()
        count = conn.execute("SELECT COUNT(*) FROM tasks" + where, args).fetchone()[0]
        rows = conn.execute("SELECT t.record, r.run FROM (SELECT id, record, create_date FROM tasks" + where +
                            " ORDER BY create_date DESC, id LIMIT ? OFFSET ?) AS t LEFT JOIN runs AS r ON r.task_id = t.id"
                            " ORDER BY t.create_date DESC, t.id", args + [limit, offset]).fetchall()
        now = self.clock.now()
        return count, [self._serve_task(json.loads(record), json.loads(run) if run else None, now)
                       for record, run in rows]

    def _overlay(self, task, source, run, now):
        """Put the live progress of ``run`` into a task (and its source) record being served."""
        snap = replication.snapshot(run, now)
        self._progress_into(task, source, run, snap)

    @staticmethod
    def _progress_into(task, source, run, snap):
        task["sub_tasks"] = run.get("history", []) + [
            dict(item, id=len(run.get("history", [])) + position + 1) for position, item in enumerate(snap["sub_tasks"])]
        task["subtask_info"] = snap["current"] or ""
        if run.get("paused") is None and not snap["fired"]:
            task["migrate_speed"] = snap["migrate_speed"]
            task["remain_seconds"] = snap["remain_seconds"]
            task["estimate_complete_time"] = snap["estimate_complete_time"]
        if source is not None and run["kind"] == "full":
            source["totalsize"] = run["total_bytes"]
            source["replicatesize"] = snap["copied_bytes"]
        if source is not None and source.get("current_task") and source["current_task"]["id"] == task["id"]:
            for key in ("migrate_speed", "remain_seconds", "estimate_complete_time", "subtask_info"):
                source["current_task"][key] = task.get(key)

    def _load_run(self, task_id, conn=None):
        row = (conn or self._conn()).execute("SELECT run FROM runs WHERE task_id = ?", (task_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def _live_source_records(self, records):
        """Overlay running tasks' progress on source records (ListServers / ShowServer)."""
        ids = [record["id"] for record in records if record.get("current_task")]
        if not ids:
            return records
        rows = self._conn().execute("SELECT source_id, task_id, run FROM runs WHERE source_id IN (%s)"
                                    % ",".join("?" * len(ids)), ids).fetchall()
        if not rows:
            return records
        now = self.clock.now()
        by_source = {source_id: (task_id, json.loads(run)) for source_id, task_id, run in rows}
        for record in records:
            if record["id"] in by_source:
                task_id, run = by_source[record["id"]]
                task = self._load_task(task_id)
                if task is not None:
                    self._overlay(task, record, run, now)
        return records

    # ----------------------------------------------------------------- creating and deleting
    def _fill_task_defaults(self, body, record):
        """What a Python caller may leave out, taken from the source (as sms_task does)."""
        body = dict(body)
        target = dict(body.get("target_server") or {})
        target.setdefault("name", record["name"])
        target.setdefault("vm_id", "")
        if not target.get("disks"):
            target["disks"] = [{key: disk[key] for key in TARGET_DISK_FIELDS if key in disk}
                               for disk in record["init_target_server"].get("disks", [])]
        body["target_server"] = target
        for field in ("region_name", "region_id", "project_name"):
            body.setdefault(field, self.region)
        body.setdefault("project_id", self.project_id or "0" * 32)
        return body

    def create_task(self, body, fill_defaults=True):
        """POST /v3/tasks (PostTask); returns the new task id.

        ``fill_defaults`` (the Python API) completes target_server (name, disks from the source's
        init_target_server), region and project before the checks; the HTTP route checks the body as sent.
        """
        if fill_defaults and isinstance(body, dict) and isinstance(body.get("source_server"), dict):
            record = self.get_source_record(body["source_server"].get("id"))
            if record is not None:
                body = self._fill_task_defaults(body, record)
        validate_task_body(body)
        target = body["target_server"]
        self.tick()
        with self._write() as conn:
            loaded = self._load_source(body["source_server"]["id"], conn)
            if loaded is None:
                raise ApiError(400, "SMS.2216", "Failed to create the task: the specified source server does not exist")
            record, extra, migproject, mac = loaded
            current = record.get("current_task")
            if current:
                raise ApiError(400, "SMS.2217", "The source server already has a migration task: %s" % current["id"])
            when = now_ms()
            task = task_record(
                id=self._new_id(), name=body["name"], type=body["type"], os_type=body.get("os_type") or record["os_type"],
                priority=body.get("priority", 1), speed_limit=body.get("speed_limit", 0),
                region_id=body.get("region_id"), region_name=body.get("region_name"),
                project_name=body.get("project_name"), project_id=body.get("project_id"),
                start_target_server=body.get("start_target_server", True),
                enterprise_project_id=record["enterprise_project_id"], migration_ip=body.get("migration_ip"),
                vm_template_id=body.get("vm_template_id"), source_server={"id": record["id"]},
                target_server={"vm_id": target.get("vm_id"), "name": target.get("name"), "disks": target["disks"],
                               "volume_groups": target.get("volume_groups") or [],
                               "btrfs_list": target.get("btrfs_list") or []},
                state="READY", create_date=when, connected=record["connected"],
                syncing=bool(body.get("syncing")), use_public_ip=body.get("use_public_ip", True),
                exist_server=bool(body.get("exist_server")), need_migration_test=bool(body.get("need_migration_test")))
            self._save_task(conn, task)
            record["current_task"] = task_summary(task)
            set_state(record, cycle="setting", when=when)
            self._save_source(conn, record, migproject, mac, extra)
        if body.get("auto_start"):
            self.task_action(task["id"], "start")
        return task["id"]

    def delete_task(self, task_id):
        self.tick()
        with self._write() as conn:
            task = self._load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            loaded = self._load_source(task["source_server"]["id"], conn)
            if loaded is not None:
                record, extra, migproject, mac = loaded
                if record["connected"] and record["state"] in RUNNING_SOURCE_STATES:
                    raise ApiError(400, "SMS.2015", "Running or stopping tasks cannot be deleted")
                if record["current_task"] and record["current_task"]["id"] == task_id:
                    record["current_task"] = None
                    if record["state"] != "unavailable":
                        set_state(record, "waiting", "checking")
                if self.command_generation == "old":
                    self._enqueue(conn, record["id"], "DELETE", {"task_id": task_id}, "delete")
                self._save_source(conn, record, migproject, mac, extra)
            self._drop_run(conn, task_id)
            conn.execute("DELETE FROM task_faults WHERE key = ?", (task_id,))
            if self.command_generation == "new" or loaded is None:
                conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            else:
                task["state"] = "DELETING"
                self._save_task(conn, task)

    def remove_task(self, task_id):
        """The task is gone, whatever its state, as after a deletion by someone else (the console,
        another job): its run, pending agent command and faults go too; its source has no current
        task and is back to waiting/checking (as after DELETE /v3/tasks/{id}). 404 for an unknown task."""
        self.tick()
        with self._write() as conn:
            task = self._load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            loaded = self._load_source(task["source_server"]["id"], conn)
            if loaded is not None:
                record, extra, migproject, mac = loaded
                if record["current_task"] and record["current_task"]["id"] == task_id:
                    record["current_task"] = None
                    if record["state"] != "unavailable":
                        set_state(record, "waiting", "checking")
                conn.execute("DELETE FROM commands WHERE source_id = ?", (record["id"],))
                self._save_source(conn, record, migproject, mac, extra)
            self._drop_run(conn, task_id)
            conn.execute("DELETE FROM task_faults WHERE key = ?", (task_id,))
            conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))

    # ----------------------------------------------------------------- actions
    def task_action(self, task_id, operation, body=None):
        """POST /v3/tasks/{id}/action: move the task and queue the agent command (G.2)."""
        body = body or {}
        self.tick()
        if operation in NO_OP_ACTIONS:
            if self._load_task(task_id) is None:
                raise not_found("task", task_id)
            return None
        if operation not in ACTIONS:
            raise invalid_parameter("operation", "must be one of " + ", ".join(sorted(list(ACTIONS) + list(NO_OP_ACTIONS))))
        with self._write() as conn:
            task = self._load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            loaded = self._load_source(task["source_server"]["id"], conn)
            if loaded is None:
                raise ApiError(400, "SMS.2216", "The source server of the task does not exist")
            record, extra, migproject, mac = loaded
            launched = record["state"] in LAUNCHED_SOURCE_STATES or record["migration_cycle"] == "cutovered"
            if operation == "start" and task["state"] in ("MIGRATE_SUCCESS", "SYNC_SUCCESS", "SYNC_FAIL") and launched:
                # INFERENCE: the SMS API reference has no sync operation value; start on a finished task syncs
                operation = "sync"
            allowed, error, task_state, source_state, cycle, command, purpose = ACTIONS[operation]
            refused = allowed is not None and task["state"] not in allowed
            if operation == "sync" and not launched:
                refused = True
            if operation in ("cutover", "test") and (launched or record["state"] == "cutovering"):
                refused = True
            if refused:
                raise ApiError(400, error[0], error[1])
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
                self._pause_run(conn, task_id)
            if operation == "restart":
                task["error_json"] = ""
            if operation in ("cutover", "test"):
                self._start_run(conn, task, record, "cutover" if task["state"] == "SYNCING" else "launch")
            if task_state:
                task["state"] = task_state
                if task_state == "RUNNING" and not task.get("start_date"):
                    task["start_date"] = self.clock.now_ms()
            set_state(record, source_state, cycle)
            if command:
                self._enqueue(conn, record["id"], command, param, purpose)
            self._save_task(conn, task)
            record["current_task"] = task_summary(task)
            self._save_source(conn, record, migproject, mac, extra)
        return command

    # ----------------------------------------------------------------- the lifecycle
    def _command_queued(self, issued_ms):
        if self.auto_agent:
            self._next_due = min(self._next_due, issued_ms / 1000.0 + self.agent_delay)

    def _schedule(self, conn, task_id, source_id, run, next_event):
        conn.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?)", (task_id, source_id, next_event, dumps(run)))
        if next_event is not None:
            self._next_due = min(self._next_due, next_event)

    def _drop_run(self, conn, task_id):
        conn.execute("DELETE FROM runs WHERE task_id = ?", (task_id,))

    def _task_fault(self, conn, task_id, source_id):
        for key in (task_id, source_id):
            row = conn.execute("SELECT spec FROM task_faults WHERE key = ?", (key,)).fetchone()
            if row:
                return json.loads(row[0])
        return {}

    def _start_run(self, conn, task, record, kind, at=None):
        """Begin (or, for a full copy after a stop or failure, resume) a run of ``kind`` now or ``at``."""
        now = self.clock.now() if at is None else at
        previous = self._load_run(task["id"], conn)
        fault = self._task_fault(conn, task["id"], record["id"])
        if kind == "full" and previous is not None and previous["kind"] == "full":
            run = dict(previous, t0=now - previous["paused"] if previous["paused"] is not None else previous["t0"],
                       paused=None, fault=fault)
        else:
            speed = float(task.get("speed_limit") or 0) or self.replication_mbps
            total = replication.copy_bytes(task, record)
            run = replication.new_run(kind, task, total, speed, now, fault)
            run["history"] = [] if kind == "full" else list(task.get("sub_tasks") or [])
        snap = replication.snapshot(run, now)
        self._schedule(conn, task["id"], record["id"], run, snap["next_event"])
        if kind == "full":
            record["totalsize"] = run["total_bytes"]
            if not task["target_server"].get("vm_id"):
                task["target_server"]["vm_id"] = self._new_id()  # the ECS CREATE_CLOUD_SERVER makes
        return run

    def _pause_run(self, conn, task_id):
        row = conn.execute("SELECT source_id, run FROM runs WHERE task_id = ?", (task_id,)).fetchone()
        if row is not None:
            run = json.loads(row[1])
            if run["paused"] is None:
                run["paused"] = replication.elapsed(run, self.clock.now())
                self._schedule(conn, task_id, row[0], run, None)

    def _result_moves_run(self, conn, record, task, name, purpose, success, at=None):
        """An agent result starts a run: START -> the full copy (resumed after a stop or a failure),
        the sync purpose -> an incremental sync."""
        if not success:
            return
        if purpose == "sync" or name == "SYNC":
            self._start_run(conn, task, record, "sync", at)
        elif name == "START":
            self._start_run(conn, task, record, "full", at)

    def _agent_seen(self, conn, record):
        """The agent polled: a run stalled by a disconnect goes on."""
        row = conn.execute("SELECT task_id, run FROM runs WHERE source_id = ?", (record["id"],)).fetchone()
        if row is None:
            return
        run = json.loads(row[1])
        if run.get("stalled"):
            run["stalled"] = False
            run["t0"] = self.clock.now() - run["paused"]
            run["paused"] = None
            self._schedule(conn, row[0], record["id"], run, replication.snapshot(run, self.clock.now())["next_event"])
            task = self._load_task(row[0], conn)
            if task is not None:
                task["connected"] = True
                self._save_task(conn, task)
                record["current_task"] = task_summary(task)

    def tick(self):
        """Apply everything due on the clock: auto-agent answers, sub-task boundaries, completions, faults."""
        now = self.clock.now()
        if now < self._next_due or self._writing():
            return
        done = False
        try:
            with self._write() as conn:
                self._next_due = float("inf")
                for _round in range(100):  # a jump of the clock may pass several events of one task
                    if self.auto_agent:
                        self._answer_commands(conn, now)
                    due = conn.execute("SELECT task_id FROM runs WHERE next_event <= ?", (now,)).fetchall()
                    if not due:
                        break
                    for (task_id,) in due:
                        self._advance(conn, task_id, now)
                self._next_due = min(self._next_due, self._earliest_event(conn))
            done = True
        finally:
            if not done:
                self._next_due = 0.0

    def _earliest_event(self, conn):
        row = conn.execute("SELECT MIN(next_event) FROM runs").fetchone()
        due = [row[0]] if row[0] is not None else []
        if self.auto_agent:
            row = conn.execute("SELECT MIN(c.issued_at) FROM commands AS c JOIN sources AS s ON s.id = c.source_id "
                               "WHERE s.connected = 1").fetchone()
            if row[0] is not None:
                due.append(row[0] / 1000.0 + self.agent_delay)
        return min(due) if due else float("inf")

    def _answer_commands(self, conn, now):
        """The auto agent: connected sources answer their pending command with success."""
        rows = conn.execute("SELECT c.source_id, c.command_name, c.issued_at FROM commands AS c JOIN sources AS s "
                            "ON s.id = c.source_id WHERE s.connected = 1 AND c.issued_at <= ?",
                            ((now - self.agent_delay) * 1000,)).fetchall()
        for source_id, name, issued in rows:
            self._apply_command_result(conn, source_id, name, "success", {"auto_agent": True},
                                       at=issued / 1000.0 + self.agent_delay)

    def _advance(self, conn, task_id, now):
        run = self._load_run(task_id, conn)
        task = self._load_task(task_id, conn)
        loaded = self._load_source(task["source_server"]["id"], conn) if task else None
        if run is None or loaded is None:
            self._drop_run(conn, task_id)
            return
        record, extra, migproject, mac = loaded
        snap = replication.snapshot(run, now)
        self._progress_into(task, record, run, snap)
        if snap["fired"]:
            self._fire_fault(conn, task, record, run, snap)
        elif snap["done"]:
            self._complete(conn, task, record, run)
        else:
            self._schedule(conn, task_id, record["id"], run, snap["next_event"])
        self._save_task(conn, task)
        if record.get("current_task") and record["current_task"]["id"] == task_id:
            record["current_task"] = task_summary(task)
        self._save_source(conn, record, migproject, mac, extra)

    def _complete(self, conn, task, record, run):
        """The run reached its end: launched, continuous sync, cut over or synced (as tests/emulator/README.md describes)."""
        end = run["t0"] + sum(step[1] for step in run["plan"])
        when = int(end * 1000)
        kind = run["kind"]
        self._drop_run(conn, task["id"])
        task["migrate_speed"] = 0.0
        task["remain_seconds"] = 0
        if kind == "full" and task.get("syncing"):
            task["state"] = "SYNCING"  # continuous sync until a cutover
            set_state(record, "syncing", "syncing", when)
            return
        if kind == "full":
            task["state"] = "MIGRATE_SUCCESS"
            task["finish_date"] = when
            if task.get("start_target_server", True):
                set_state(record, "cutovering", "cutovering", when)
                self._start_run(conn, task, record, "launch", at=end)
            return
        if kind in ("launch", "cutover"):
            task["state"] = "MIGRATE_SUCCESS"
            task["finish_date"] = task.get("finish_date") or when
            set_state(record, "finished", "cutovered", when)
            return
        if kind == "sync":
            task["state"] = "SYNC_SUCCESS"
            set_state(record, "finished", "cutovered", when)

    def _fire_fault(self, conn, task, record, run, snap):
        fault = run["fault"]
        run = dict(run, paused=snap["elapsed"], fault={})
        conn.execute("DELETE FROM task_faults WHERE key IN (?, ?)", (task["id"], record["id"]))
        task["migrate_speed"] = 0.0
        task["remain_seconds"] = None
        task["estimate_complete_time"] = None
        if fault.get("fail_at"):
            task["state"] = "SYNC_FAIL" if run["kind"] == "sync" else "MIGRATE_FAIL"
            task["error_json"] = dumps({"error_code": fault["error_code"], "error_msg": fault["error_msg"],
                                        "error_params": [fault["fail_at"]]})
            set_state(record, "error")
        elif fault.get("disconnect_at"):
            run["stalled"] = True
            task["connected"] = False
            record["connected"] = False
        else:
            run["raw_state_of"] = task["state"]
            task["state"] = fault["raw_state"]
        self._schedule(conn, task["id"], record["id"], run, None)

    # ----------------------------------------------------------------- faults per task
    def set_task_fault(self, key, **spec):
        """Fault for one task (key: task id, or a source id for its future task): see README."""
        spec = fault_spec(spec)
        self.tick()
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO task_faults VALUES (?,?)", (key, dumps(spec)))
            row = conn.execute("SELECT task_id, source_id, run FROM runs WHERE task_id = ? OR source_id = ?",
                               (key, key)).fetchone()
            if row is not None:
                run = json.loads(row[2])
                if run["paused"] is None:
                    run["fault"] = spec
                    self._schedule(conn, row[0], row[1], run, replication.snapshot(run, self.clock.now())["next_event"])
                    self._next_due = 0.0
            elif spec.get("raw_state") and not spec.get("at"):
                self._raw_state_now(conn, key, spec["raw_state"])

    def _raw_state_now(self, conn, key, raw_state):
        task = self._load_task(key, conn)
        if task is None:
            row = conn.execute("SELECT id FROM tasks WHERE source_id = ?", (key,)).fetchone()
            task = self._load_task(row[0], conn) if row else None
        if task is None:
            return
        conn.execute("DELETE FROM task_faults WHERE key = ?", (key,))
        task["_raw_state_of"] = task["state"]
        task["state"] = raw_state
        self._save_task(conn, task)

    def clear_task_fault(self, key):
        """Remove a pending fault; a task shown in an injected raw state gets its state back."""
        self.tick()
        with self._write() as conn:
            conn.execute("DELETE FROM task_faults WHERE key = ?", (key,))
            row = conn.execute("SELECT id FROM tasks WHERE id = ? OR source_id = ?", (key, key)).fetchone()
            if row is None:
                return
            task = self._load_task(row[0], conn)
            run = self._load_run(row[0], conn)
            if "_raw_state_of" in task:
                task["state"] = task.pop("_raw_state_of")
            if run is not None and run.get("raw_state_of"):
                task["state"] = run.pop("raw_state_of")
                run["t0"] = self.clock.now() - run["paused"]
                run["paused"] = None
                self._schedule(conn, row[0], task["source_server"]["id"], run,
                               replication.snapshot(run, self.clock.now())["next_event"])
            elif run is not None and run["paused"] is None:
                run["fault"] = {}
                self._schedule(conn, row[0], task["source_server"]["id"], run,
                               replication.snapshot(run, self.clock.now())["next_event"])
            self._save_task(conn, task)
