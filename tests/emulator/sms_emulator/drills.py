"""Migration drills: the ``migration_test`` action (task_actions.py queues the agent's PREMIGRATE
and puts the source in ``premigready``) and what follows on the emulator's clock.

The agent's ``success`` for PREMIGRATE starts the drill: source ``premiging``; ``DRILL_SECONDS``
later ``premiged`` (``premigfailed`` with the ``drill_fails`` rehearsal fault).  An agent's
``fail`` is ``premigfailed`` at once (commands.py).  INFERENCE: SMS documents the source states
premigready, premiging, premiged and premigfailed, not how long a drill takes; the task's own
state does not change.
"""

from .database import set_state

DRILL_SECONDS = 300


class Drills:
    """Drills under way (event ``drill_done``)."""

    def __init__(self, db, engine, faults):
        self.db = db
        self.engine = engine
        self.faults = faults
        engine.handlers["drill_done"] = self._done

    def started(self, conn, task, at):
        """The agent acknowledged PREMIGRATE at clock time ``at``: the drill runs (source premiging)."""
        self.engine.drop_events(conn, task["id"], ("drill_done",))
        self.engine.at(conn, at + DRILL_SECONDS, "drill_done", task["id"])

    def _done(self, conn, task_id, _data, when):
        task = self.db.load_task(task_id, conn)
        source = self.db.load_source(task["source_server"]["id"], conn) if task else None
        if source is None or source.record["state"] != "premiging":
            return
        failed = self.faults.take(conn, task, "drill_fails")
        set_state(source.record, "premigfailed" if failed else "premiged", when=int(when * 1000))
        self.db.save_source(conn, source)
