"""The auto agent (``--auto-agent``): connected sources answer their pending agent command with
``success`` ``delay`` clock seconds after it was queued, recorded like a real agent's result
(``result_detail {"auto_agent": true}``).  The engine's ``tick()`` lets it answer first."""


class AutoAgent:
    """Answers pending commands on the clock while ``enabled``; ``commands`` applies the results."""

    def __init__(self, commands, engine, enabled=False, delay=5.0):
        self.commands = commands
        self.engine = engine
        self.enabled = bool(enabled)
        self.delay = float(delay)
        # (conn, source_id, command name) -> "success" or "fail"; wired by the Store (task_logs.py:
        # the log_upload_fails rehearsal fault); None: always success
        self.decide = None

    def command_queued(self, issued_ms):
        """A command was queued at ``issued_ms`` (clock): wake the engine when it is to be answered."""
        if self.enabled:
            self.engine.wake(issued_ms / 1000.0 + self.delay)

    def answer_due(self, conn, now):
        """Answer every command of a connected source queued at least ``delay`` before ``now``."""
        if not self.enabled:
            return
        rows = conn.execute("SELECT c.source_id, c.command_name, c.issued_at FROM commands AS c JOIN sources AS s "
                            "ON s.id = c.source_id WHERE s.connected = 1 AND c.issued_at <= ?",
                            ((now - self.delay) * 1000,)).fetchall()
        for source_id, name, issued in rows:
            result = self.decide(conn, source_id, name) if self.decide else "success"
            self.commands.apply_result(conn, source_id, name, result, {"auto_agent": True},
                                       at=issued / 1000.0 + self.delay)

    def next_answer(self, conn):
        """Clock time of the next answer due, or None."""
        if not self.enabled:
            return None
        row = conn.execute("SELECT MIN(c.issued_at) FROM commands AS c JOIN sources AS s ON s.id = c.source_id "
                           "WHERE s.connected = 1").fetchone()
        return None if row[0] is None else row[0] / 1000.0 + self.delay
