"""Migration tasks as stored and served: POST/GET /v3/tasks, GET/DELETE /v3/tasks/{id} and
``remove_task`` (a task deleted elsewhere).  Their checks are in ``task_validation.py``, the
actions in ``task_actions.py``, what time does to a started task in ``engine.py``."""

import json

from .database import now_ms, set_state
from .ecs import default_address
from .errors import ApiError, not_found
from .records import RUNNING_SOURCE_STATES, task_record, task_summary
from .shapes import shape
from .task_validation import TARGET_DISK_FIELDS, validate_list_query, validate_task_body


class Tasks:
    """The ``tasks`` table: reads (with the engine's live progress), creation and deletion."""

    def __init__(self, db, clock, engine, commands, sources, region=None, project_id=None, command_generation="new"):
        self.db = db
        self.clock = clock
        self.engine = engine
        self.commands = commands
        self.sources = sources
        self.region = region
        self.project_id = project_id
        self.command_generation = command_generation

    # ----------------------------------------------------------------- reading
    def _serve_task(self, task, run=None, now=None):
        stored = self.db.load_source(task["source_server"]["id"])
        source = stored.record if stored else None
        if run is not None:
            self.engine.overlay(task, source, run, now if now is not None else self.clock.now())
        if source is not None:
            task["source_server"] = {key: source[key] for key in (
                "id", "ip", "name", "os_type", "os_version", "oem_system", "state", "migration_cycle")}
        target = task["target_server"]
        vm_id = target.get("vm_id") or None
        # INFERENCE: the target's record id is its ECS id; its IP is known once the ECS exists (given
        # then by ecs.py; generated fleet tasks: a stable address in 192.168.0.0/16)
        task["target_server"] = dict(target, id=vm_id, ip=target.get("ip") or (default_address(vm_id) if vm_id else None),
                                     os_type=task.get("os_type"),
                                     os_version=source["os_version"] if source is not None else None)
        for private in [key for key in task if key.startswith("_")] + ["log_bucket"]:
            task.pop(private, None)
        return task

    def get_task(self, task_id):
        self.engine.tick()
        task = self.db.load_task(task_id)
        if task is None:
            return None
        return self._serve_task(task, self.engine.load_run(task_id))

    def list_tasks(self, state=None, name=None, task_id=None, source_server_id=None, enterprise_project_id=None,
                   limit=100, offset=0):
        self.engine.tick()
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
        conn = self.db.conn()
        count = conn.execute("SELECT COUNT(*) FROM tasks" + where, args).fetchone()[0]
        rows = conn.execute("SELECT t.record, r.run FROM (SELECT id, record, create_date FROM tasks" + where +
                            " ORDER BY create_date DESC, id LIMIT ? OFFSET ?) AS t LEFT JOIN runs AS r ON r.task_id = t.id"
                            " ORDER BY t.create_date DESC, t.id", args + [limit, offset]).fetchall()
        now = self.clock.now()
        return count, [self._serve_task(json.loads(record), json.loads(run) if run else None, now)
                       for record, run in rows]

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
        """POST /v3/tasks (PostTask) without its ``auto_start`` (the Store starts it); returns the new task id.

        ``fill_defaults`` (the Python API) completes target_server (name, disks from the source's
        init_target_server), region and project before the checks; the HTTP route checks the body as sent.
        """
        if fill_defaults and isinstance(body, dict) and isinstance(body.get("source_server"), dict):
            record = self.sources.get_source_record(body["source_server"].get("id"))
            if record is not None:
                body = self._fill_task_defaults(body, record)
        validate_task_body(body)
        target = body["target_server"]
        self.engine.tick()
        with self.db.write() as conn:
            source = self.db.load_source(body["source_server"]["id"], conn)
            if source is None:
                raise ApiError(400, "SMS.2216", "Failed to create the task: the specified source server does not exist")
            record = source.record
            current = record.get("current_task")
            if current:
                raise ApiError(400, "SMS.2217", "The source server already has a migration task: %s" % current["id"])
            when = now_ms()
            task = task_record(
                id=self.db.new_id(), name=body["name"], type=body["type"], os_type=body.get("os_type") or record["os_type"],
                priority=body.get("priority", 1), speed_limit=body.get("speed_limit", 0),
                region_id=body.get("region_id"), region_name=body.get("region_name"),
                project_name=body.get("project_name"), project_id=body.get("project_id"),
                start_target_server=body.get("start_target_server", True),
                enterprise_project_id=record["enterprise_project_id"], migration_ip=body.get("migration_ip"),
                vm_template_id=body.get("vm_template_id"), clonevm_template_id=body.get("clonevm_template_id"),
                use_ipv6=bool(body.get("use_ipv6")), source_server={"id": record["id"]},
                target_server={"vm_id": target.get("vm_id"), "name": target.get("name"), "disks": target["disks"],
                               "volume_groups": target.get("volume_groups") or [],
                               "btrfs_list": target.get("btrfs_list") or []},
                state="READY", create_date=when, connected=record["connected"],
                syncing=bool(body.get("syncing")), use_public_ip=body.get("use_public_ip", True),
                exist_server=bool(body.get("exist_server")), need_migration_test=bool(body.get("need_migration_test")))
            if task["exist_server"] and self.engine.servers is not None:
                self.engine.servers.target_created(conn, task)  # the existing server is the target
            self.db.save_task(conn, task)
            record["current_task"] = task_summary(task)
            set_state(record, cycle="setting", when=when)
            self.db.save_source(conn, source)
        return task["id"]

    def delete_task(self, task_id):
        self.engine.tick()
        with self.db.write() as conn:
            task = self.db.load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            source = self.db.load_source(task["source_server"]["id"], conn)
            if source is not None:
                record = source.record
                if record["connected"] and record["state"] in RUNNING_SOURCE_STATES:
                    raise ApiError(400, "SMS.2015", "Running or stopping tasks cannot be deleted")
                if record["current_task"] and record["current_task"]["id"] == task_id:
                    record["current_task"] = None
                    if record["state"] != "unavailable":
                        set_state(record, "waiting", "checking")
                if self.command_generation == "old":
                    self.commands.enqueue(conn, record["id"], "DELETE", {"task_id": task_id}, "delete")
                self.db.save_source(conn, source)
            self.engine.drop_run(conn, task_id)
            self.engine.drop_events(conn, task_id)
            conn.execute("DELETE FROM task_faults WHERE key = ?", (task_id,))
            if self.command_generation == "new" or source is None:
                conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            else:
                task["state"] = "DELETING"
                self.db.save_task(conn, task)

    def remove_task(self, task_id):
        """The task is gone, whatever its state, as after a deletion by someone else (the console,
        another job): its run, pending agent command and faults go too; its source has no current
        task and is back to waiting/checking (as after DELETE /v3/tasks/{id}). 404 for an unknown task."""
        self.engine.tick()
        with self.db.write() as conn:
            task = self.db.load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            source = self.db.load_source(task["source_server"]["id"], conn)
            if source is not None:
                record = source.record
                if record["current_task"] and record["current_task"]["id"] == task_id:
                    record["current_task"] = None
                    if record["state"] != "unavailable":
                        set_state(record, "waiting", "checking")
                conn.execute("DELETE FROM commands WHERE source_id = ?", (record["id"],))
                self.db.save_source(conn, source)
            self.engine.drop_run(conn, task_id)
            self.engine.drop_events(conn, task_id)
            conn.execute("DELETE FROM task_faults WHERE key = ?", (task_id,))
            conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))


# ----------------------------------------------------------------- handlers (see routes.py)
def create_task(call):
    return 200, {"id": call.store.create_task(call.json(), fill_defaults=False)}


def list_tasks(call):
    count, found = call.store.list_tasks(**validate_list_query(call.query))
    return 200, {"count": count, "tasks": shape(found, "TasksResponseBody")}


def show_task(call):
    task = call.store.get_task(call.params["task_id"])
    if task is None:
        raise not_found("task", call.params["task_id"])
    return 200, shape(task, "ShowTaskResponse")


def delete_task(call):
    call.store.delete_task(call.params["task_id"])
    return 200, {}


ROUTES = (
    ("POST", "/v3/tasks", "sms:task:create", None, create_task),
    ("GET", "/v3/tasks", "sms:task:list", None, list_tasks),
    ("GET", "/v3/tasks/{task_id}", "sms:task:get", "task_id", show_task),
    ("DELETE", "/v3/tasks/{task_id}", "sms:task:delete", "task_id", delete_task),
)
