"""SQLite-backed state of the emulator: sources, tasks, pending commands, command results.

Each source is stored as its ListServers JSON text next to indexed filter columns, so a
page of GET /v3/sources is built by joining stored strings without re-parsing them.
The filter columns live in ``sources`` and the JSON texts in ``source_docs`` (same ``seq``), so
filter scans read small rows.  Writes are serialised by one lock; every thread has its own
connection (WAL mode).
"""

import gc
import ipaddress
import json
import os
import sqlite3
import tempfile
import threading
import time
import uuid

from . import fleet
from .errors import ApiError, invalid_parameter, not_found
from .records import (CHANGESTATE_CYCLES, CHANGESTATE_FROZEN, LINUX_CHECKS, OS_TYPES, OVERVIEW_KEYS,
                      RUNNING_SOURCE_STATES, SHOW_ONLY_FIELDS, SOURCE_STATES, TASK_TYPES, WINDOWS_CHECKS,
                      check, source_record, task_record, task_summary)

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
"""

SOURCE_FILTERS = ("state", "name", "id", "ip", "migproject", "migration_cycle", "connected",
                  "enterprise_project_id", "is_consistency_result_exist", "ipv6", "vm_id")
# Filters on values that live only inside the stored record (no column of their own).
_RECORD_PATH_FILTERS = {"ipv6": "$.ipv6", "vm_id": "$.current_task.clone_server.vm_id"}
TASK_RUNNING_STATES = ("RUNNING", "SYNCING", "ABORTING", "SKIPPING", "DELETING", "RESETING")


def now_ms():
    return int(time.time() * 1000)


def _dumps(value):
    return json.dumps(value)


def _source_row(record, migproject, mac, extra=None):
    """Column values in fleet.generate's source_row order."""
    return (record["id"], record["name"], record["ip"], record["state"], record["migration_cycle"],
            1 if record["connected"] else 0, str(record["enterprise_project_id"]),
            1 if record["is_consistency_result_exist"] else 0, migproject, record["add_date"], mac,
            _dumps(record), None if extra is None else _dumps(extra))


def _set_state(record, state=None, cycle=None, when=None):
    when = when or now_ms()
    if state is not None and state != record["state"]:
        record["state"] = state
        record["state_action_time"] = when
    if cycle is not None and cycle != record["migration_cycle"]:
        record["migration_cycle"] = cycle
        record["stage_action_time"] = when


class Store:
    """All emulator state.  Methods are safe to call from any thread."""

    def __init__(self, db_path=None, region="ap-southeast-3", project_id=None, command_generation="new"):
        if command_generation not in ("new", "old"):
            raise ValueError("command_generation must be 'new' or 'old'")
        self._owns_file = db_path is None
        if db_path is None:
            handle, db_path = tempfile.mkstemp(prefix="sms-emulator-", suffix=".sqlite3")
            os.close(handle)
        self.db_path = db_path
        self.region = region
        self.project_id = project_id
        self.command_generation = command_generation
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._connections = []
        self._connections_lock = threading.Lock()
        conn = self._conn()
        conn.executescript(SCHEMA)

    # ----------------------------------------------------------------- plumbing
    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _enter_bulk_mode(self):
        """Before the server runs (one connection), load without a journal: WAL would write every
        byte twice.  Returns True when switched (the caller switches back to WAL)."""
        with self._connections_lock:
            alone = len(self._connections) == 1 and self._connections[0] is self._conn()
        if not alone:
            return False
        try:
            self._conn().execute("PRAGMA journal_mode=OFF")
        except sqlite3.OperationalError:
            return False
        return True

    def _write(self):
        return _WriteTransaction(self)

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

    def _new_id(self):
        return str(uuid.uuid4())

    # ----------------------------------------------------------------- sources
    def add_sources(self, count, seed=0, os_mix=None, states=None, enterprise_projects=1, duplicate_names=0):
        """Generate ``count`` more sources (deterministic per seed and current size); return their ids."""
        conn = self._conn()
        start = conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
        seq = conn.execute("SELECT MAX(seq) FROM sources").fetchone()[0] or 0
        source_rows, doc_rows, task_rows = [], [], []
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of young objects and no cycles: collections would only cost time
        try:
            for source_row, task_row in fleet.generate(
                    count, seed=seed, start_index=start, os_mix=os_mix, states=states,
                    enterprise_projects=enterprise_projects, duplicate_names=duplicate_names,
                    region=self.region, project_id=self.project_id):
                seq += 1
                source_rows.append((seq,) + source_row[:11])
                doc_rows.append((seq, source_row[11]))
                if task_row is not None:
                    task_rows.append(task_row)
        finally:
            if gc_was_enabled:
                gc.enable()
        bulk = self._enter_bulk_mode()
        try:
            with self._write() as wconn:
                wconn.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", source_rows)
                wconn.executemany("INSERT INTO source_docs (seq, record) VALUES (?,?)", doc_rows)
                wconn.executemany("INSERT INTO tasks VALUES (?,?,?,?,?,?,?)", task_rows)
        finally:
            if bulk:
                self._conn().execute("PRAGMA journal_mode=WAL")
        return [row[1] for row in source_rows]

    @staticmethod
    def _where(filters):
        clauses, args = [], []
        for key in SOURCE_FILTERS:
            value = filters.get(key)
            if value is None or value == "":
                continue
            if key == "name":
                # substring match (what the console's search box does); an exact name matches too
                clauses.append("instr(name, ?) > 0")
                args.append(value)
            elif key in ("connected", "is_consistency_result_exist"):
                clauses.append(key + " = ?")
                args.append(1 if value in (True, "true") else 0)
            elif key in _RECORD_PATH_FILTERS:
                clauses.append("seq IN (SELECT seq FROM source_docs WHERE json_extract(record, ?) = ?)")
                args.extend([_RECORD_PATH_FILTERS[key], value])
            else:
                clauses.append(key + " = ?")
                args.append(value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    # page the small index rows first, then fetch only the JSON texts of that page
    _PAGE_SQL = ("SELECT d.record FROM (SELECT seq, add_date, id FROM sources%s ORDER BY add_date DESC, id "
                 "LIMIT ? OFFSET ?) AS page JOIN source_docs AS d ON d.seq = page.seq ORDER BY page.add_date DESC, page.id")

    def query_sources_json(self, filters, limit, offset):
        """(count, JSON text of the ListServers body) for validated filters."""
        where, args = self._where(filters)
        conn = self._conn()
        count = conn.execute("SELECT COUNT(*) FROM sources" + where, args).fetchone()[0]
        rows = conn.execute(self._PAGE_SQL % where, args + [limit, offset]).fetchall()
        return count, '{"count": %d, "source_servers": [%s]}' % (count, ", ".join(row[0] for row in rows))

    def list_sources(self, limit=-1, offset=0, **filters):
        """Every matching source record (ListServers shape), in API order."""
        where, args = self._where(filters)
        rows = self._conn().execute(self._PAGE_SQL % where, args + [limit, offset]).fetchall()
        return [json.loads(row[0]) for row in rows]

    def count_sources(self, **filters):
        where, args = self._where(filters)
        return self._conn().execute("SELECT COUNT(*) FROM sources" + where, args).fetchone()[0]

    def _load_source(self, source_id, conn=None):
        row = (conn or self._conn()).execute(
            "SELECT d.record, d.extra, s.migproject, s.mac FROM sources AS s JOIN source_docs AS d ON d.seq = s.seq "
            "WHERE s.id = ?", (source_id,)).fetchone()
        if row is None:
            return None
        return json.loads(row[0]), (json.loads(row[1]) if row[1] else None), row[2], row[3]

    def _save_source(self, conn, record, migproject, mac, extra=None):
        row = _source_row(record, migproject, mac, extra)
        found = conn.execute("SELECT seq FROM sources WHERE id = ?", (record["id"],)).fetchone()
        if found is None:
            seq = conn.execute("INSERT INTO sources (id, name, ip, state, migration_cycle, connected, enterprise_project_id, "
                               "is_consistency_result_exist, migproject, add_date, mac) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                               row[:11]).lastrowid
            conn.execute("INSERT INTO source_docs VALUES (?,?,?)", (seq, row[11], row[12]))
        else:
            conn.execute("UPDATE sources SET name=?, ip=?, state=?, migration_cycle=?, connected=?, enterprise_project_id=?, "
                         "is_consistency_result_exist=?, migproject=?, add_date=?, mac=? WHERE seq=?", row[1:11] + found)
            conn.execute("UPDATE source_docs SET record=?, extra=? WHERE seq=?", row[11:13] + found)

    def get_source(self, source_id):
        """ShowServer shape of one source, or None."""
        loaded = self._load_source(source_id)
        if loaded is None:
            return None
        record, extra, _migproject, mac = loaded
        show = dict(record)
        show.update(self._default_show_fields(record, mac))
        if extra:
            show.update(extra)
        return show

    @staticmethod
    def _default_show_fields(record, mac):
        linux = record["os_type"] == "LINUX"
        disks = [{"name": disk["name"], "partition_style": "MBR", "device_use": disk.get("device_use", "NORMAL"),
                  "size": disk["size"], "used_size": disk["size"] // 4, "physical_volumes": [],
                  "os_disk": disk.get("device_use") in ("BOOT", "OS"), "relation_name": disk["name"]}
                 for disk in record["init_target_server"].get("disks", [])]
        return {"hostname": record["name"], "firmware": "BIOS", "disks": disks, "volume_groups": [],
                "btrfs_list": [], "agent_version": "25.3.0",
                "networks": [{"name": "eth0" if linux else "Ethernet0", "ip": record["ip"], "netmask": "255.255.255.0",
                              "gateway": "", "mtu": 1500, "mac": mac, "id": ""}]}

    def get_source_record(self, source_id):
        loaded = self._load_source(source_id)
        return loaded[0] if loaded else None

    def update_source(self, source_id, change):
        """Apply ``change(record)`` to a stored source under the write lock; return the record."""
        with self._write() as conn:
            loaded = self._load_source(source_id, conn)
            if loaded is None:
                raise not_found("source server", source_id)
            record, extra, migproject, mac = loaded
            change(record)
            self._save_source(conn, record, migproject, mac, extra)
            return record

    def delete_source(self, source_id):
        with self._write() as conn:
            found = conn.execute("SELECT seq FROM sources WHERE id = ?", (source_id,)).fetchone()
            if found is None:
                raise not_found("source server", source_id)
            conn.execute("DELETE FROM sources WHERE seq = ?", found)
            conn.execute("DELETE FROM source_docs WHERE seq = ?", found)
            conn.execute("DELETE FROM commands WHERE source_id = ?", (source_id,))

    def overview(self):
        counts = dict.fromkeys(OVERVIEW_KEYS, 0)
        for state, number in self._conn().execute("SELECT state, COUNT(*) FROM sources GROUP BY state"):
            if state in counts:
                counts[state] = number
        counts["unconfigured"] = self._conn().execute(
            "SELECT COUNT(*) FROM sources WHERE state = 'waiting' AND migration_cycle = 'checking'").fetchone()[0]
        return counts

    def change_state(self, source_id, body):
        """PUT /v3/sources/{id}/changestate; a silent no-op in the frozen states (B.6)."""
        copystate = body.get("copystate")
        cycle = body.get("migrationcycle")
        if not isinstance(copystate, str) or copystate.lower() not in (
                "init",) + SOURCE_STATES:
            raise invalid_parameter("copystate", "must be one of the documented source states")
        if cycle is not None and (not isinstance(cycle, str) or cycle not in CHANGESTATE_CYCLES):
            raise invalid_parameter("migrationcycle", "must be one of " + ", ".join(CHANGESTATE_CYCLES))
        state = copystate.lower()
        state = "initialize" if state == "init" else state

        def change(record):
            if record["state"] not in CHANGESTATE_FROZEN:
                _set_state(record, state, cycle)
        return self.update_source(source_id, change)

    # ----------------------------------------------------------------- registration
    @staticmethod
    def validate_registration(body):
        if not isinstance(body, dict):
            raise invalid_parameter("body", "must be a JSON object")
        for name, limit in (("name", 255), ("os_version", 255), ("agent_version", 255)):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip() or len(value) > limit:
                raise invalid_parameter(name, "required non-empty string of at most %d characters" % limit)
        if body.get("os_type") not in OS_TYPES:
            raise invalid_parameter("os_type", "must be WINDOWS or LINUX")
        networks = body.get("networks")
        if not isinstance(networks, list) or not networks or not isinstance(networks[0], dict) \
                or not isinstance(networks[0].get("mac"), str) or not networks[0]["mac"].strip():
            raise invalid_parameter("networks", "required list whose first item has a non-empty mac")
        if body.get("ip") not in (None, ""):
            try:
                ipaddress.IPv4Address(body["ip"])
            except (ipaddress.AddressValueError, ValueError) as exc:
                raise invalid_parameter("ip", "must be a valid IPv4 address") from exc
        if body.get("id") is not None and not isinstance(body.get("id"), str):
            raise invalid_parameter("id", "must be a string")

    @staticmethod
    def environment_checks(body, first_check_id):
        """Checks as SMS computes them from the reported data (rules are INFERENCE from B.2)."""
        linux = body["os_type"] == "LINUX"
        failures = {}
        if linux:
            if body.get("has_rsync") is not True:
                failures["RSYNC"] = "ERROR"
            if body.get("boot_loader") not in (None, "", "GRUB"):
                failures["BOOT_LOADER"] = "ERROR"
            if not body.get("disks"):
                failures["DISK_INFO"] = "WARN"
            if body.get("has_tc") is False:
                failures["LINUX_BLOCK_SUPPORT"] = "WARN"
        else:
            for field, name in (("driver_files", "DRIVER_FILE"), ("system_services", "SERVICE"),
                                ("account_rights", "ACCOUNT_RIGHTS")):
                if body.get(field) is False:
                    failures[name] = "ERROR"
        names = LINUX_CHECKS if linux else WINDOWS_CHECKS
        return [check(first_check_id + offset, name, failures.get(name, "OK")) for offset, name in enumerate(names)]

    def register_source(self, body):
        """POST /v3/sources: create, or update the source with the same id / first MAC.

        Returns (source_id, created).
        """
        self.validate_registration(body)
        mac = body["networks"][0]["mac"].strip().lower()
        when = now_ms()
        with self._write() as conn:
            row = None
            if body.get("id"):
                row = conn.execute("SELECT id FROM sources WHERE id = ?", (body["id"],)).fetchone()
            if row is None:
                row = conn.execute("SELECT id FROM sources WHERE mac = ? ORDER BY add_date DESC LIMIT 1", (mac,)).fetchone()
            if row is not None:
                record, extra, migproject, old_mac = self._load_source(row[0], conn)
                record["connected"] = True
                record["last_visit_time"] = when
                extra = dict(extra or {})
                extra["agent_version"] = body["agent_version"]
                self._save_source(conn, record, migproject, old_mac, extra)
                return record["id"], False
            first_check = (conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] + 1) * 12 + 900000000
            checks = self.environment_checks(body, first_check)
            failed = any(item["result"] == "ERROR" for item in checks)
            disks = [{"name": disk.get("name", "disk%d" % index), "size": int(disk.get("size") or 0),
                      "device_use": disk.get("device_use", "NORMAL")}
                     for index, disk in enumerate(body.get("disks") or []) if isinstance(disk, dict)]
            memory_mb = body.get("memory") if isinstance(body.get("memory"), int) else 0
            record = source_record(
                id=self._new_id(), ip=body.get("ip") or body["networks"][0].get("ip") or "", name=body["name"],
                enterprise_project_id=str(body.get("enterprise_project_id") or "0"), add_date=when,
                os_type=body["os_type"], os_version=body["os_version"], oem_system=bool(body.get("oem_system")),
                state="unavailable" if failed else "waiting", connected=True,
                cpu_quantity=body.get("cpu_quantity") or 0, memory=memory_mb * 1048576, checks=checks,
                init_target_server={"disks": disks, "volume_groups": body.get("volume_groups") or []},
                stage_action_time=when, last_visit_time=when, migration_cycle="checking", state_action_time=when,
                has_tc=bool(body.get("has_tc")), start_type=body.get("start_type") or "MANUAL")
            extra = {field: body.get(field) for field in SHOW_ONLY_FIELDS if field in body}
            extra.setdefault("hostname", body.get("hostname") or body["name"])
            self._save_source(conn, record, body.get("migprojectid"), mac, extra)
            return record["id"], True

    # ----------------------------------------------------------------- commands
    def pending_command(self, source_id):
        row = self._conn().execute(
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
                for row in self._conn().execute(sql + " ORDER BY seq", args)]

    def _enqueue(self, conn, source_id, command_name, param, purpose):
        conn.execute("INSERT OR REPLACE INTO commands VALUES (?,?,?,?,?)",
                     (source_id, command_name, _dumps(param), purpose, now_ms()))

    def poll_command(self, source_id):
        """GET /v3/sources/{id}/command: the pending command or {}; marks the agent connected."""
        def change(record):
            record["connected"] = True
            record["last_visit_time"] = now_ms()
        self.update_source(source_id, change)
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
        with self._write() as conn:
            loaded = self._load_source(source_id, conn)
            if loaded is None:
                raise not_found("source server", source_id)
            record, extra, migproject, mac = loaded
            pending = self.pending_command(source_id)
            if pending is None or pending["command_name"] != name:
                raise ApiError(400, "SMS.2009", "The command sent by the client is inconsistent with that on the SMS service")
            conn.execute("INSERT INTO command_results (source_id, command_name, result, result_detail, received_at) "
                         "VALUES (?,?,?,?,?)", (source_id, name, result, _dumps(detail), now_ms()))
            conn.execute("DELETE FROM commands WHERE source_id = ?", (source_id,))
            task_id = pending["command_param"].get("task_id")
            task = self._load_task(task_id, conn) if task_id else None
            self._apply_result(record, task, name, pending["purpose"], result == "success")
            record["connected"] = True
            record["last_visit_time"] = now_ms()
            if task is not None and name == "DELETE" and result == "success":
                conn.execute("DELETE FROM tasks WHERE id = ?", (task["id"],))
                record["current_task"] = None
            elif task is not None:
                self._save_task(conn, task)
                if record["current_task"] and record["current_task"]["id"] == task["id"]:
                    record["current_task"] = task_summary(task)
            self._save_source(conn, record, migproject, mac, extra)

    @staticmethod
    def _apply_result(record, task, name, purpose, success):
        task = task if task is not None else {}
        if name == "UPLOAD_LOG":
            if task:
                task["log_collect_status"] = "UPLOADED" if success else "UPLOAD_FAIL"
            return
        if name == "RSET_LOG_ACL":
            return
        if purpose == "sync" or name == "SYNC":
            if success:
                _set_state(record, "finished", "cutovered")
                task["state"] = "SYNC_SUCCESS"
            else:
                _set_state(record, "error")
                task["state"] = "SYNC_FAIL"
            return
        if name == "PREMIGRATE":
            _set_state(record, "premiged" if success else "premigfailed")
            return
        if name == "DELETE":
            if success:
                _set_state(record, "waiting", "checking")
            else:
                _set_state(record, "error")
            return
        if not success:
            _set_state(record, "error")
            task["state"] = "MIGRATE_FAIL"
            return
        if name in ("START", "SKIP"):
            _set_state(record, "replicate", "replicating")
            task["state"] = "RUNNING"
            task["start_date"] = task.get("start_date") or now_ms()
        elif name == "STOP":
            _set_state(record, "stopped")
            task["state"] = "ABORT"

    # ----------------------------------------------------------------- tasks
    def _load_task(self, task_id, conn=None):
        row = (conn or self._conn()).execute("SELECT record FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def _save_task(self, conn, task):
        conn.execute("INSERT OR REPLACE INTO tasks VALUES (?,?,?,?,?,?,?)",
                     (task["id"], task["source_server"]["id"], task["state"], task["name"],
                      str(task.get("enterprise_project_id") or "0"), task["create_date"], _dumps(task)))

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
                id=self._new_id(), name=name, type=body["type"], os_type=body.get("os_type") or record["os_type"],
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
            _set_state(record, cycle="setting", when=when)
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
                        _set_state(record, "waiting", "checking")
                if self.command_generation == "old":
                    self._enqueue(conn, record["id"], "DELETE", {"task_id": task_id}, "delete")
                self._save_source(conn, record, migproject, mac, extra)
            if self.command_generation == "new" or loaded is None:
                conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            else:
                task["state"] = "DELETING"
                self._save_task(conn, task)

    # operation -> (task states it is allowed in, error when not, new task state, new source state,
    #               new migration_cycle, command to the agent, purpose)
    _ACTIONS = {
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
    _ACTIONS["test"] = _ACTIONS["cutover"]
    NO_OP_ACTIONS = ("clone_test", "network_check", "clear", "error_for_overspeed", "sync_failed_rollback")

    def task_action(self, task_id, operation, body=None):
        """POST /v3/tasks/{id}/action: move the task and queue the agent command (G.2)."""
        body = body or {}
        if operation in self.NO_OP_ACTIONS:
            if self._load_task(task_id) is None:
                raise not_found("task", task_id)
            return None
        if operation not in self._ACTIONS:
            raise invalid_parameter("operation", "must be one of " + ", ".join(sorted(list(self._ACTIONS) + list(self.NO_OP_ACTIONS))))
        allowed, error, task_state, source_state, cycle, command, purpose = self._ACTIONS[operation]
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
            _set_state(record, source_state, cycle)
            if command:
                self._enqueue(conn, record["id"], command, param, purpose)
            self._save_task(conn, task)
            record["current_task"] = task_summary(task)
            self._save_source(conn, record, migproject, mac, extra)
        return command


class _WriteTransaction:
    """``with store._write() as conn``: one immediate transaction under the write lock."""

    def __init__(self, store):
        self.store = store
        self.conn = None

    def __enter__(self):
        self.store._write_lock.acquire()  # pylint: disable=protected-access
        self.conn = self.store._conn()  # pylint: disable=protected-access
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, traceback):
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store._write_lock.release()  # pylint: disable=protected-access
        return False
