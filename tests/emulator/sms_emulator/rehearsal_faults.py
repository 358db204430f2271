"""Faults of the rehearsal around a cut-over (``Emulator.set_rehearsal_fault``,
``POST /_emulator/rehearsal_faults``): a clone test that fails, a drill that fails, a log upload
that fails, a target or clone that never answers.  Stored in ``rehearsal_faults`` by task id or
source id (the source's task, also one created later), like the per-task faults of task_faults.py.

- ``clone_fails`` (+ ``clone_error``, ``error_msg``): the next clone of the task ends in clone_state
  ERROR (clones.py); once.
- ``drill_fails``: the next drill ends ``premigfailed`` (drills.py); once.
- ``log_upload_fails``: the auto agent answers the next UPLOAD_LOG of the task with ``fail``
  (log_collect_status UPLOAD_FAIL, task_logs.py); once.
- ``delete_fails``: the next ECS deletion job of the task's clone or target ends FAIL and the server
  stays (ecs.py); once.
- ``unreachable``: the task's target and clones get addresses nothing answers on (192.0.2.0/24,
  TEST-NET-1, RFC 5737), also the ones that exist already (ecs.py); until cleared.
"""

import json

from .database import dumps

# INFERENCE: the SMS error code table documents no clone failure; the emulator's default code and text.
CLONE_ERROR = "SMS.1702"
CLONE_ERROR_MSG = "Failed to create the clone server of the target server"
REHEARSAL_FAULT_KEYS = ("clone_fails", "clone_error", "error_msg", "drill_fails", "log_upload_fails", "delete_fails",
                        "unreachable")
ONE_SHOT = ("clone_fails", "drill_fails", "log_upload_fails", "delete_fails")


def rehearsal_spec(spec):
    """Check a rehearsal fault: at least one of clone_fails, drill_fails, log_upload_fails, unreachable."""
    unknown = set(spec) - set(REHEARSAL_FAULT_KEYS)
    if unknown:
        raise ValueError("unknown rehearsal fault options: %s" % ", ".join(sorted(unknown)))
    spec = {key: value for key, value in spec.items() if value is not None}
    for key in ONE_SHOT + ("unreachable",):
        if key in spec and not isinstance(spec[key], bool):
            raise ValueError("%s must be true or false" % key)
    for key in ("clone_error", "error_msg"):
        if key in spec and not isinstance(spec[key], str):
            raise ValueError("%s must be a string" % key)
    if not any(spec.get(key) for key in ONE_SHOT + ("unreachable",)):
        raise ValueError("a rehearsal fault needs one of clone_fails, drill_fails, log_upload_fails, delete_fails, "
                         "unreachable")
    if spec.get("clone_fails"):
        spec.setdefault("clone_error", CLONE_ERROR)
        spec.setdefault("error_msg", CLONE_ERROR_MSG)
    return spec


class RehearsalFaults:
    """The ``rehearsal_faults`` table: set, clear, and what applies to one task."""

    def __init__(self, db, engine):
        self.db = db
        self.engine = engine
        self.servers = None  # the ECS servers (ecs.py), wired by the Store: ``unreachable`` re-addresses them

    def set_rehearsal_fault(self, key, **spec):
        spec = rehearsal_spec(spec)
        self.engine.tick()
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO rehearsal_faults VALUES (?,?)", (key, dumps(spec)))
            if spec.get("unreachable"):
                row = conn.execute("SELECT id FROM tasks WHERE id = ? OR source_id = ?", (key, key)).fetchone()
                task = self.db.load_task(row[0], conn) if row else None
                if task is not None:
                    self.servers.readdress(conn, task)

    def clear_rehearsal_fault(self, key):
        """Remove the fault of ``key`` (addresses given already stay as they are)."""
        self.engine.tick()
        with self.db.write() as conn:
            conn.execute("DELETE FROM rehearsal_faults WHERE key = ?", (key,))

    def rehearsal_fault(self, key):
        """The stored fault of ``key`` (a task or source id), or None."""
        row = self.db.conn().execute("SELECT spec FROM rehearsal_faults WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _row(conn, task):
        for key in (task["id"], task["source_server"]["id"]):
            row = conn.execute("SELECT spec FROM rehearsal_faults WHERE key = ?", (key,)).fetchone()
            if row:
                return key, json.loads(row[0])
        return None, {}

    def active(self, conn, task, kind):
        """Whether the fault ``kind`` applies to ``task`` now."""
        return bool(self._row(conn, task)[1].get(kind))

    def take(self, conn, task, kind):
        """The fault's spec when ``kind`` applies to ``task`` (a one-shot kind is used up), else None."""
        key, spec = self._row(conn, task)
        if not spec.get(kind):
            return None
        if kind in ONE_SHOT:
            rest = {name: value for name, value in spec.items() if name != kind}
            if not any(rest.get(name) for name in ONE_SHOT + ("unreachable",)):
                conn.execute("DELETE FROM rehearsal_faults WHERE key = ?", (key,))
            else:
                conn.execute("UPDATE rehearsal_faults SET spec = ? WHERE key = ?", (dumps(rest), key))
        return spec
