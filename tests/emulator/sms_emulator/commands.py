"""Agent commands: the pending command per source (GET .../command), the agent's results
(POST .../command_result) and how a result moves the source and its task (INFERENCE from the SMS
API reference's ShowCommand/UpdateCommandResult and the user guide; summed up in tests/emulator/README.md)."""

import json

from .database import dumps, now_ms, set_state
from .errors import ApiError, not_found
from .records import task_summary


def move_for_result(record, task, name, purpose, success):
    """Move source ``record`` and ``task`` (may be None) for one command result."""
    task = task if task is not None else {}
    if name == "UPLOAD_LOG":
        if task:
            task["log_collect_status"] = "UPLOADED" if success else "UPLOAD_FAIL"
        return
    if name == "RSET_LOG_ACL":
        return
    if purpose == "sync" or name == "SYNC":
        if success:  # the agent syncs now; the sync run ends it with SYNC_SUCCESS (engine.py)
            set_state(record, "syncing", "syncing")
            task["state"] = "SYNCING"
        else:
            set_state(record, "error")
            task["state"] = "SYNC_FAIL"
        return
    if name == "PREMIGRATE":  # success: the drill runs (drills.py) until premiged / premigfailed
        set_state(record, "premiging" if success else "premigfailed")
        return
    if name == "DELETE":
        if success:
            set_state(record, "waiting", "checking")
        else:
            set_state(record, "error")
        return
    if not success:
        set_state(record, "error")
        task["state"] = "MIGRATE_FAIL"
        return
    if name in ("START", "SKIP"):
        set_state(record, "replicate", "replicating")
        task["state"] = "RUNNING"
        task["start_date"] = task.get("start_date") or now_ms()
    elif name == "STOP":
        set_state(record, "stopped")
        task["state"] = "ABORT"


class Commands:
    """The ``commands`` and ``command_results`` tables; a result moves the run through ``engine``."""

    def __init__(self, db, clock, engine):
        self.db = db
        self.clock = clock
        self.engine = engine
        self.agent = None  # the AutoAgent, wired by the Store: told of every queued command
        self.drills = None  # drills.Drills, wired by the Store: a PREMIGRATE success starts the drill

    def pending_command(self, source_id):
        row = self.db.conn().execute(
            "SELECT command_name, command_param, purpose FROM commands WHERE source_id = ?", (source_id,)).fetchone()
        if row is None:
            return None
        return {"command_name": row[0], "command_param": json.loads(row[1]), "purpose": row[2]}

    def command_results(self, source_id=None):
        sql = "SELECT source_id, command_name, result, result_detail, received_at FROM command_results"
        args = ()
        if source_id is not None:
            sql += " WHERE source_id = ?"
            args = (source_id,)
        return [{"source_id": row[0], "command_name": row[1], "result": row[2],
                 "result_detail": json.loads(row[3]), "received_at": row[4]}
                for row in self.db.conn().execute(sql + " ORDER BY seq", args)]

    def enqueue(self, conn, source_id, command_name, param, purpose):
        """Queue ``command_name`` for the source's agent (a newer command replaces a pending one)."""
        issued = self.clock.now_ms()
        conn.execute("INSERT OR REPLACE INTO commands VALUES (?,?,?,?,?)",
                     (source_id, command_name, dumps(param), purpose, issued))
        self.agent.command_queued(issued)

    def poll_command(self, source_id):
        """GET /v3/sources/{id}/command: the pending command or {}; marks the agent connected."""
        self.engine.tick()
        with self.db.write() as conn:
            source = self.db.load_source(source_id, conn)
            if source is None:
                raise not_found("source server", source_id)
            source.record["connected"] = True
            source.record["last_visit_time"] = now_ms()
            self.engine.agent_seen(conn, source.record)
            self.db.save_source(conn, source)
        pending = self.pending_command(source_id)
        if pending is None:
            return {}
        return {"command_name": pending["command_name"], "command_param": pending["command_param"]}

    def report_command_result(self, source_id, body):
        """POST /v3/sources/{id}/command_result: store the result and move the state machine (G.2)."""
        if not isinstance(body, dict):
            raise ApiError(400, "SMS.6022", "Incorrect result format")
        name, result, detail = body.get("command_name"), body.get("result"), body.get("result_detail")
        if result not in ("success", "fail") or not isinstance(detail, dict) or not isinstance(name, str):
            raise ApiError(400, "SMS.6022", "Incorrect result format")
        self.engine.tick()
        with self.db.write() as conn:
            self.apply_result(conn, source_id, name, result, detail)

    def apply_result(self, conn, source_id, name, result, detail, at=None):
        """Record a result and move source and task; ``at``: when it arrived on the clock (default now)."""
        source = self.db.load_source(source_id, conn)
        if source is None:
            raise not_found("source server", source_id)
        record = source.record
        pending = self.pending_command(source_id)
        if pending is None or pending["command_name"] != name:
            raise ApiError(400, "SMS.2009", "The command sent by the client is inconsistent with that on the SMS service")
        conn.execute("INSERT INTO command_results (source_id, command_name, result, result_detail, received_at) "
                     "VALUES (?,?,?,?,?)", (source_id, name, result, dumps(detail), now_ms()))
        conn.execute("DELETE FROM commands WHERE source_id = ?", (source_id,))
        task_id = pending["command_param"].get("task_id")
        task = self.db.load_task(task_id, conn) if task_id else None
        success = result == "success"
        move_for_result(record, task, name, pending["purpose"], success)
        record["connected"] = True
        record["last_visit_time"] = now_ms()
        if task is not None and name == "DELETE" and success:
            conn.execute("DELETE FROM tasks WHERE id = ?", (task["id"],))
            self.engine.drop_run(conn, task["id"])
            record["current_task"] = None
        elif task is not None:
            self.engine.result_moves_run(conn, record, task, name, pending["purpose"], success, at)
            if name == "PREMIGRATE" and success:
                self.drills.started(conn, task, self.clock.now() if at is None else at)
            self.db.save_task(conn, task)
            if record["current_task"] and record["current_task"]["id"] == task["id"]:
                record["current_task"] = task_summary(task)
        self.db.save_source(conn, source)


# ----------------------------------------------------------------- handlers (see routes.py)
def show_command(call):
    return 200, call.store.poll_command(call.params["source_id"])


def command_result(call):
    call.store.report_command_result(call.params["source_id"], call.json(code="SMS.6022"))
    return 200, {}


ROUTES = (
    ("GET", "/v3/sources/{source_id}/command", "sms:server:getCommand", "source_id", show_command),
    ("POST", "/v3/sources/{source_id}/command_result", "sms:server:updateCommandResult", "source_id", command_result),
)
