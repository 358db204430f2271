"""Migration tasks: POST/GET /v3/tasks, GET/DELETE /v3/tasks/{id} and the task actions
(POST /v3/tasks/{id}/action) with the agent command each one queues (sms_api.md B.7-B.9, G.2)."""

import json

from .database import now_ms, set_state
from .errors import ApiError, invalid_parameter, not_found
from .records import OS_TYPES, RUNNING_SOURCE_STATES, TASK_TYPES, task_record, task_summary
from .sources import int_param

TASK_RUNNING_STATES = ("RUNNING", "SYNCING", "ABORTING", "SKIPPING", "DELETING", "RESETING")

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
    "cutover": (("RUNNING", "SYNCING"), ("SMS.1044", "Only replicating or syncing tasks can launch the target"),
                "MIGRATE_SUCCESS", "finished", "cutovered", None, None),
}
ACTIONS["test"] = ACTIONS["cutover"]
NO_OP_ACTIONS = ("clone_test", "network_check", "clear", "error_for_overspeed", "sync_failed_rollback")


def validate_list_query(query):
    """GET /v3/tasks query -> keyword arguments of Tasks.list_tasks."""
    return {"state": query.get("state"), "name": query.get("name"), "task_id": query.get("id"),
            "source_server_id": query.get("source_server_id"),
            "enterprise_project_id": query.get("enterprise_project_id"),
            "limit": int_param(query, "limit", 100, 0, 200) or 100,
            "offset": int_param(query, "offset", 0, 0, 65535)}


def validate_task_body(body):
    """PostTask checks made before anything is looked up."""
    if not isinstance(body, dict):
        raise invalid_parameter("body", "must be a JSON object")
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


class Tasks:
    """Task part of the Store (mixed into store.Store with database.Database)."""

    command_generation = "new"

    def _serve_task(self, task):
        source = self.get_source_record(task["source_server"]["id"])
        if source is not None:
            task["source_server"] = {key: source[key] for key in (
                "id", "ip", "name", "os_type", "os_version", "oem_system", "state", "migration_cycle")}
        task.pop("log_bucket", None)
        return task

    def get_task(self, task_id):
        task = self._load_task(task_id)
        return None if task is None else self._serve_task(task)

    def list_tasks(self, state=None, name=None, task_id=None, source_server_id=None, enterprise_project_id=None,
                   limit=100, offset=0):
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
        rows = conn.execute("SELECT record FROM tasks" + where + " ORDER BY create_date DESC, id LIMIT ? OFFSET ?",
                            args + [limit, offset]).fetchall()
        return count, [self._serve_task(json.loads(row[0])) for row in rows]

    def create_task(self, body):
        """POST /v3/tasks (PostTask); returns the new task id."""
        validate_task_body(body)
        source_ref = body["source_server"]
        target = body.get("target_server") if isinstance(body.get("target_server"), dict) else {}
        with self._write() as conn:
            loaded = self._load_source(source_ref["id"], conn)
            if loaded is None:
                raise ApiError(400, "SMS.2216", "Failed to create the task: the specified source server does not exist")
            record, extra, migproject, mac = loaded
            current = record.get("current_task")
            if current and current.get("state") in TASK_RUNNING_STATES:
                raise ApiError(400, "SMS.2217", "The source server already has a migration task in progress")
            when = now_ms()
            task = task_record(
                id=self._new_id(), name=body["name"], type=body["type"], os_type=body.get("os_type") or record["os_type"],
                priority=body.get("priority", 1), speed_limit=body.get("speed_limit", 0),
                region_id=body.get("region_id"), region_name=body.get("region_name"),
                project_name=body.get("project_name"), project_id=body.get("project_id"),
                start_target_server=body.get("start_target_server", True),
                enterprise_project_id=record["enterprise_project_id"], migration_ip=body.get("migration_ip"),
                vm_template_id=body.get("vm_template_id"), source_server={"id": record["id"]},
                target_server={"vm_id": target.get("vm_id"), "name": target.get("name"),
                               "disks": target.get("disks") or []},
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
            if self.command_generation == "new" or loaded is None:
                conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            else:
                task["state"] = "DELETING"
                self._save_task(conn, task)

    def task_action(self, task_id, operation, body=None):
        """POST /v3/tasks/{id}/action: move the task and queue the agent command (G.2)."""
        body = body or {}
        if operation in NO_OP_ACTIONS:
            if self._load_task(task_id) is None:
                raise not_found("task", task_id)
            return None
        if operation not in ACTIONS:
            raise invalid_parameter("operation", "must be one of " + ", ".join(sorted(list(ACTIONS) + list(NO_OP_ACTIONS))))
        allowed, error, task_state, source_state, cycle, command, purpose = ACTIONS[operation]
        with self._write() as conn:
            task = self._load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            if allowed is not None and task["state"] not in allowed:
                raise ApiError(400, error[0], error[1])
            loaded = self._load_source(task["source_server"]["id"], conn)
            if loaded is None:
                raise ApiError(400, "SMS.2216", "The source server of the task does not exist")
            record, extra, migproject, mac = loaded
            param = {"task_id": task_id}
            if operation == "collect_log":
                bucket = (body.get("param") or {}).get("bucket") or body.get("bucket") or "sms-agent-logs"
                param["bucket"] = bucket
                task["log_bucket"] = bucket
                task["log_collect_status"] = "UPLOADING"
            if command == "SYNC" and self.command_generation == "new":
                # INFERENCE: the newer command list has no SYNC; an incremental sync re-runs START
                command = "START"
            if task_state:
                task["state"] = task_state
                if task_state == "RUNNING" and not task.get("start_date"):
                    task["start_date"] = now_ms()
                if task_state == "MIGRATE_SUCCESS":
                    task["finish_date"] = now_ms()
            set_state(record, source_state, cycle)
            if command:
                self._enqueue(conn, record["id"], command, param, purpose)
            self._save_task(conn, task)
            record["current_task"] = task_summary(task)
            self._save_source(conn, record, migproject, mac, extra)
        return command
