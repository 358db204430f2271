"""Per-task faults (``Emulator.set_task_fault``, ``POST /_emulator/task_faults``): a task fails,
loses its agent or shows a raw state halfway through a named sub-task, once.  Stored in the
``task_faults`` table by task id or source id; a run takes its fault when it starts and the
engine (engine.py) fires it."""

import json

from . import replication
from .database import dumps

# Injected failures: default messages per error code (codes of the SMS API reference's error code table).
FAULT_MESSAGES = {"SMS.1901": "Failed to connect to the target server: check ports 22, 8899 and 8900",
                  "SMS.1106": "The target disk is smaller than the source disk",
                  "SMS.0515": "Missing or invalid disk information",
                  "SMS.1414": "The migration module stopped abnormally"}
TASK_FAULT_KEYS = ("fail_at", "error_code", "error_msg", "disconnect_at", "raw_state", "at")


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


class TaskFaults:
    """Sets and clears the faults of the ``task_faults`` table (and of a run already going)."""

    def __init__(self, db, clock, engine):
        self.db = db
        self.clock = clock
        self.engine = engine

    def set_task_fault(self, key, **spec):
        """Fault for one task (key: task id, or a source id for its future task): see README."""
        spec = fault_spec(spec)
        self.engine.tick()
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO task_faults VALUES (?,?)", (key, dumps(spec)))
            row = conn.execute("SELECT task_id, source_id, run FROM runs WHERE task_id = ? OR source_id = ?",
                               (key, key)).fetchone()
            if row is not None:
                run = json.loads(row[2])
                if run["paused"] is None:
                    run["fault"] = spec
                    self.engine.reschedule(conn, row[0], row[1], run)
                    self.engine.wake()
            elif spec.get("raw_state") and not spec.get("at"):
                self._raw_state_now(conn, key, spec["raw_state"])

    def _raw_state_now(self, conn, key, raw_state):
        task = self.db.load_task(key, conn)
        if task is None:
            row = conn.execute("SELECT id FROM tasks WHERE source_id = ?", (key,)).fetchone()
            task = self.db.load_task(row[0], conn) if row else None
        if task is None:
            return
        conn.execute("DELETE FROM task_faults WHERE key = ?", (key,))
        task["_raw_state_of"] = task["state"]
        task["state"] = raw_state
        self.db.save_task(conn, task)

    def clear_task_fault(self, key):
        """Remove a pending fault; a task shown in an injected raw state gets its state back."""
        self.engine.tick()
        with self.db.write() as conn:
            conn.execute("DELETE FROM task_faults WHERE key = ?", (key,))
            row = conn.execute("SELECT id FROM tasks WHERE id = ? OR source_id = ?", (key, key)).fetchone()
            if row is None:
                return
            task = self.db.load_task(row[0], conn)
            run = self.engine.load_run(row[0], conn)
            if "_raw_state_of" in task:
                task["state"] = task.pop("_raw_state_of")
            if run is not None and run.get("raw_state_of"):
                task["state"] = run.pop("raw_state_of")
                run["t0"] = self.clock.now() - run["paused"]
                run["paused"] = None
                self.engine.reschedule(conn, row[0], task["source_server"]["id"], run)
            elif run is not None and run["paused"] is None:
                run["fault"] = {}
                self.engine.reschedule(conn, row[0], task["source_server"]["id"], run)
            self.db.save_task(conn, task)
