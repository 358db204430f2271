"""SQLite plumbing shared by the emulator's parts: schema, one connection per thread, write
transactions, and loading/saving the stored source (``StoredSource``) and task records.

Each source is stored as its ListServers JSON text next to indexed filter columns, so a page of
GET /v3/sources is built by joining stored strings without re-parsing them.  The filter columns
live in ``sources`` and the JSON texts in ``source_docs`` (same ``seq``), so filter scans read
small rows.  Writes are serialised by one lock; every thread has its own connection (WAL mode).
"""

import collections
import json
import os
import sqlite3
import tempfile
import threading
import time
import uuid

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    seq INTEGER PRIMARY KEY, id TEXT UNIQUE, name TEXT, ip TEXT, state TEXT, migration_cycle TEXT,
    connected INTEGER, enterprise_project_id TEXT, is_consistency_result_exist INTEGER, migproject TEXT,
    add_date INTEGER, mac TEXT);
CREATE TABLE IF NOT EXISTS source_docs (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, extra TEXT);
CREATE INDEX IF NOT EXISTS ix_sources_order ON sources(add_date DESC, id);
CREATE INDEX IF NOT EXISTS ix_sources_state ON sources(state, add_date DESC, id);
CREATE INDEX IF NOT EXISTS ix_sources_eps ON sources(enterprise_project_id, add_date DESC, id);
CREATE INDEX IF NOT EXISTS ix_sources_connected ON sources(connected, add_date DESC, id);
CREATE INDEX IF NOT EXISTS ix_sources_ip ON sources(ip);
CREATE INDEX IF NOT EXISTS ix_sources_mac ON sources(mac);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, source_id TEXT, state TEXT, name TEXT, enterprise_project_id TEXT,
    create_date INTEGER, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_tasks_source ON tasks(source_id);
CREATE TABLE IF NOT EXISTS commands (
    source_id TEXT PRIMARY KEY, command_name TEXT, command_param TEXT, purpose TEXT, issued_at INTEGER);
CREATE TABLE IF NOT EXISTS command_results (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, source_id TEXT, command_name TEXT, result TEXT,
    result_detail TEXT, received_at INTEGER);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    task_id TEXT PRIMARY KEY, source_id TEXT, next_event REAL, run TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_runs_source ON runs(source_id);
CREATE INDEX IF NOT EXISTS ix_runs_next ON runs(next_event);
CREATE TABLE IF NOT EXISTS task_faults (key TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, kind TEXT NOT NULL, key TEXT, data TEXT);
CREATE INDEX IF NOT EXISTS ix_events_at ON events(at);
CREATE TABLE IF NOT EXISTS rehearsal_faults (key TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ecs_servers (id TEXT PRIMARY KEY, task_id TEXT, kind TEXT, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ecs_jobs (id TEXT PRIMARY KEY, record TEXT NOT NULL);
"""


# A stored source: its ListServers record, the ShowServer-only fields (``extra``, or None), the id
# of its migration project and the MAC of its first NIC (registration de-duplicates by it).
StoredSource = collections.namedtuple("StoredSource", "record extra migproject mac")


def now_ms():
    return int(time.time() * 1000)


def dumps(value):
    return json.dumps(value)


def source_row(record, migproject, mac, extra=None):
    """Column values in fleet.generate's source_row order."""
    return (record["id"], record["name"], record["ip"], record["state"], record["migration_cycle"],
            1 if record["connected"] else 0, str(record["enterprise_project_id"]),
            1 if record["is_consistency_result_exist"] else 0, migproject, record["add_date"], mac,
            dumps(record), None if extra is None else dumps(extra))


def set_state(record, state=None, cycle=None, when=None):
    """Move a source record's state / migration_cycle, stamping the action times on change."""
    when = when or now_ms()
    if state is not None and state != record["state"]:
        record["state"] = state
        record["state_action_time"] = when
    if cycle is not None and cycle != record["migration_cycle"]:
        record["migration_cycle"] = cycle
        record["stage_action_time"] = when


class Database:
    """The SQLite file and its connections.  Methods are safe to call from any thread.

    Every part of the Store gets this object: ``conn()`` reads, ``with write() as conn`` writes."""

    def __init__(self, db_path=None):
        self._owns_file = db_path is None
        if db_path is None:
            handle, db_path = tempfile.mkstemp(prefix="sms-emulator-", suffix=".sqlite3")
            os.close(handle)
        self.db_path = db_path
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._connections = []
        self._connections_lock = threading.Lock()
        self.conn().executescript(SCHEMA)

    def conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def enter_bulk_mode(self):
        """Before the server runs (one connection), load without a journal: WAL would write every
        byte twice.  Returns True when switched (the caller switches back to WAL)."""
        with self._connections_lock:
            alone = len(self._connections) == 1 and self._connections[0] is self.conn()
        if not alone:
            return False
        try:
            self.conn().execute("PRAGMA journal_mode=OFF")
        except sqlite3.OperationalError:
            return False
        return True

    def write(self):
        return _WriteTransaction(self)

    def writing(self):
        """Whether this thread is inside a write transaction."""
        return getattr(self._local, "writing", False)

    def close(self, remove=None):
        with self._connections_lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections = []
        self._local = threading.local()
        if remove if remove is not None else self._owns_file:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(self.db_path + suffix)
                except OSError:
                    pass

    @staticmethod
    def new_id():
        return str(uuid.uuid4())

    # ----------------------------------------------------------------- stored records
    def load_source(self, source_id, conn=None):
        """The ``StoredSource`` of a source id, or None."""
        row = (conn or self.conn()).execute(
            "SELECT d.record, d.extra, s.migproject, s.mac FROM sources AS s JOIN source_docs AS d ON d.seq = s.seq "
            "WHERE s.id = ?", (source_id,)).fetchone()
        if row is None:
            return None
        return StoredSource(json.loads(row[0]), json.loads(row[1]) if row[1] else None, row[2], row[3])

    def save_source(self, conn, source):
        """Insert or update a ``StoredSource``."""
        row = source_row(source.record, source.migproject, source.mac, source.extra)
        found = conn.execute("SELECT seq FROM sources WHERE id = ?", (source.record["id"],)).fetchone()
        if found is None:
            seq = conn.execute("INSERT INTO sources (id, name, ip, state, migration_cycle, connected, enterprise_project_id, "
                               "is_consistency_result_exist, migproject, add_date, mac) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                               row[:11]).lastrowid
            conn.execute("INSERT INTO source_docs VALUES (?,?,?)", (seq, row[11], row[12]))
        else:
            conn.execute("UPDATE sources SET name=?, ip=?, state=?, migration_cycle=?, connected=?, enterprise_project_id=?, "
                         "is_consistency_result_exist=?, migproject=?, add_date=?, mac=? WHERE seq=?", row[1:11] + found)
            conn.execute("UPDATE source_docs SET record=?, extra=? WHERE seq=?", row[11:13] + found)

    def load_task(self, task_id, conn=None):
        row = (conn or self.conn()).execute("SELECT record FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_task(self, conn, task):
        conn.execute("INSERT OR REPLACE INTO tasks VALUES (?,?,?,?,?,?,?)",
                     (task["id"], task["source_server"]["id"], task["state"], task["name"],
                      str(task.get("enterprise_project_id") or "0"), task["create_date"], dumps(task)))


class _WriteTransaction:
    """``with db.write() as conn``: one immediate transaction under the write lock."""

    def __init__(self, database):
        self.database = database
        self.conn = None

    def __enter__(self):
        self.database._write_lock.acquire()  # pylint: disable=protected-access
        self.conn = self.database.conn()  # pylint: disable=protected-access
        self.conn.execute("BEGIN IMMEDIATE")
        self.database._local.writing = True  # pylint: disable=protected-access
        return self.conn

    def __exit__(self, exc_type, exc, traceback):
        self.database._local.writing = False  # pylint: disable=protected-access
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.database._write_lock.release()  # pylint: disable=protected-access
        return False
