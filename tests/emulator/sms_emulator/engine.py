"""The replication engine: runs of started tasks driven by the emulator's clock.

A run (table ``runs``, one per task) is a ``replication.py`` plan started at a clock time: the
full copy, an incremental sync, a cutover or the launch.  No background thread: every entry
point of the Store first calls ``tick()``, which applies what is due on the clock (the auto
agent's answers, sub-task boundaries, completions, per-task faults) and stores it; reads overlay
the live progress of running tasks (``overlay``, ``live_source_records``).
"""

import json

from . import replication
from .database import dumps, set_state
from .records import task_summary


class Engine:
    """Runs, their schedule and what they do to the task and source records when due."""

    def __init__(self, db, clock, replication_mbps=replication.DEFAULT_SPEED_MBPS):
        self.db = db
        self.clock = clock
        self.replication_mbps = float(replication_mbps)
        self.agent = None  # the AutoAgent (auto_agent.py), wired by the Store: it answers first in tick()
        self.servers = None  # the ECS servers (ecs.py), wired by the Store: a full copy creates the target's ECS
        # kind -> handler(conn, key, data, at) of the timed events the parts schedule with at()
        # (clone tests, drills, rollbacks, ECS jobs; table ``events``)
        self.handlers = {}
        self._next_due = 0.0

    def wake(self, at=0.0):
        """Re-check what is due at the next read, or from clock time ``at`` on."""
        self._next_due = min(self._next_due, at)

    # ----------------------------------------------------------------- reading
    def load_run(self, task_id, conn=None):
        row = (conn or self.db.conn()).execute("SELECT run FROM runs WHERE task_id = ?", (task_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def overlay(self, task, source, run, now):
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

    def live_source_records(self, records):
        """Overlay running tasks' progress on source records (ListServers / ShowServer)."""
        ids = [record["id"] for record in records if record.get("current_task")]
        if not ids:
            return records
        rows = self.db.conn().execute("SELECT source_id, task_id, run FROM runs WHERE source_id IN (%s)"
                                      % ",".join("?" * len(ids)), ids).fetchall()
        if not rows:
            return records
        now = self.clock.now()
        by_source = {source_id: (task_id, json.loads(run)) for source_id, task_id, run in rows}
        for record in records:
            if record["id"] in by_source:
                task_id, run = by_source[record["id"]]
                task = self.db.load_task(task_id)
                if task is not None:
                    self.overlay(task, record, run, now)
        return records

    # ----------------------------------------------------------------- timed events of the other parts
    def at(self, conn, when, kind, key, data=None):
        """Call ``handlers[kind](conn, key, data, when)`` once the clock reaches ``when``."""
        conn.execute("INSERT INTO events (at, kind, key, data) VALUES (?,?,?,?)", (when, kind, key, dumps(data)))
        self._next_due = min(self._next_due, when)

    @staticmethod
    def drop_events(conn, key, kinds=None):
        """Forget the pending events of ``key`` (of ``kinds``, or all)."""
        if kinds is None:
            conn.execute("DELETE FROM events WHERE key = ?", (key,))
        else:
            conn.execute("DELETE FROM events WHERE key = ? AND kind IN (%s)" % ",".join("?" * len(kinds)),
                         (key,) + tuple(kinds))

    def _fire_events(self, conn, now):
        rows = conn.execute("SELECT seq, at, kind, key, data FROM events WHERE at <= ? ORDER BY at, seq",
                            (now,)).fetchall()
        for seq, when, kind, key, data in rows:
            conn.execute("DELETE FROM events WHERE seq = ?", (seq,))
            self.handlers[kind](conn, key, json.loads(data), when)
        return bool(rows)

    # ----------------------------------------------------------------- starting, pausing, dropping runs
    def schedule(self, conn, task_id, source_id, run, next_event):
        conn.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?)", (task_id, source_id, next_event, dumps(run)))
        if next_event is not None:
            self._next_due = min(self._next_due, next_event)

    def reschedule(self, conn, task_id, source_id, run):
        """Store ``run`` with its next event from now (after a change to it)."""
        self.schedule(conn, task_id, source_id, run, replication.snapshot(run, self.clock.now())["next_event"])

    @staticmethod
    def drop_run(conn, task_id):
        conn.execute("DELETE FROM runs WHERE task_id = ?", (task_id,))

    @staticmethod
    def _task_fault(conn, task_id, source_id):
        for key in (task_id, source_id):
            row = conn.execute("SELECT spec FROM task_faults WHERE key = ?", (key,)).fetchone()
            if row:
                return json.loads(row[0])
        return {}

    def start_run(self, conn, task, record, kind, at=None):
        """Begin (or, for a full copy after a stop or failure, resume) a run of ``kind`` now or ``at``."""
        now = self.clock.now() if at is None else at
        previous = self.load_run(task["id"], conn)
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
        self.schedule(conn, task["id"], record["id"], run, snap["next_event"])
        if kind == "full":
            record["totalsize"] = run["total_bytes"]
            if not task["target_server"].get("vm_id"):
                task["target_server"]["vm_id"] = self.db.new_id()  # the ECS CREATE_CLOUD_SERVER makes
            if self.servers is not None:
                self.servers.target_created(conn, task)
        return run

    def pause_run(self, conn, task_id):
        row = conn.execute("SELECT source_id, run FROM runs WHERE task_id = ?", (task_id,)).fetchone()
        if row is not None:
            run = json.loads(row[1])
            if run["paused"] is None:
                run["paused"] = replication.elapsed(run, self.clock.now())
                self.schedule(conn, task_id, row[0], run, None)

    def result_moves_run(self, conn, record, task, name, purpose, success, at=None):
        """An agent result starts a run: START -> the full copy (resumed after a stop or a failure),
        the sync purpose -> an incremental sync."""
        if not success:
            return
        if purpose == "sync" or name == "SYNC":
            self.start_run(conn, task, record, "sync", at)
        elif name == "START":
            self.start_run(conn, task, record, "full", at)

    def agent_seen(self, conn, record):
        """The agent polled: a run stalled by a disconnect goes on."""
        row = conn.execute("SELECT task_id, run FROM runs WHERE source_id = ?", (record["id"],)).fetchone()
        if row is None:
            return
        run = json.loads(row[1])
        if run.get("stalled"):
            run["stalled"] = False
            run["t0"] = self.clock.now() - run["paused"]
            run["paused"] = None
            self.reschedule(conn, row[0], record["id"], run)
            task = self.db.load_task(row[0], conn)
            if task is not None:
                task["connected"] = True
                self.db.save_task(conn, task)
                record["current_task"] = task_summary(task)

    # ----------------------------------------------------------------- what is due
    def tick(self):
        """Apply everything due on the clock: auto-agent answers, sub-task boundaries, completions, faults."""
        now = self.clock.now()
        if now < self._next_due or self.db.writing():
            return
        done = False
        try:
            with self.db.write() as conn:
                self._next_due = float("inf")
                for _round in range(100):  # a jump of the clock may pass several events of one task
                    self.agent.answer_due(conn, now)
                    due = conn.execute("SELECT task_id FROM runs WHERE next_event <= ?", (now,)).fetchall()
                    for (task_id,) in due:
                        self._advance(conn, task_id, now)
                    fired = self._fire_events(conn, now)
                    if not due and not fired:
                        break
                self._next_due = min(self._next_due, self._earliest_event(conn))
            done = True
        finally:
            if not done:
                self._next_due = 0.0

    def _earliest_event(self, conn):
        row = conn.execute("SELECT MIN(next_event) FROM runs").fetchone()
        due = [row[0]] if row[0] is not None else []
        answer = self.agent.next_answer(conn)
        if answer is not None:
            due.append(answer)
        event = conn.execute("SELECT MIN(at) FROM events").fetchone()[0]
        if event is not None:
            due.append(event)
        return min(due) if due else float("inf")

    def _advance(self, conn, task_id, now):
        run = self.load_run(task_id, conn)
        task = self.db.load_task(task_id, conn)
        source = self.db.load_source(task["source_server"]["id"], conn) if task else None
        if run is None or source is None:
            self.drop_run(conn, task_id)
            return
        record = source.record
        snap = replication.snapshot(run, now)
        self._progress_into(task, record, run, snap)
        if snap["fired"]:
            self._fire_fault(conn, task, record, run, snap)
        elif snap["done"]:
            self._complete(conn, task, record, run)
        else:
            self.schedule(conn, task_id, record["id"], run, snap["next_event"])
        self.db.save_task(conn, task)
        if record.get("current_task") and record["current_task"]["id"] == task_id:
            record["current_task"] = task_summary(task)
        self.db.save_source(conn, source)

    def _complete(self, conn, task, record, run):
        """The run reached its end: launched, continuous sync, cut over or synced (as tests/emulator/README.md describes)."""
        end = run["t0"] + sum(step[1] for step in run["plan"])
        when = int(end * 1000)
        kind = run["kind"]
        self.drop_run(conn, task["id"])
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
                self.start_run(conn, task, record, "launch", at=end)
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
        """A per-task fault (task_faults.py) fires: the task fails, disconnects or shows a raw state."""
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
        self.schedule(conn, task["id"], record["id"], run, None)
