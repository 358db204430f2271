"""Source servers: the generated fleet, GET /v3/sources and its filters, show, delete,
changestate, overview, and registration (POST /v3/sources) with its environment checks."""

import gc
import ipaddress
import json

from . import fleet
from .database import now_ms, set_state
from .errors import invalid_parameter, not_found
from .records import (CHANGESTATE_CYCLES, CHANGESTATE_FROZEN, LINUX_CHECKS, MIGRATION_CYCLES, OS_TYPES,
                      OVERVIEW_KEYS, SHOW_ONLY_FIELDS, SOURCE_STATES, WINDOWS_CHECKS, check, source_record)

SOURCE_FILTERS = ("state", "name", "id", "ip", "migproject", "migration_cycle", "connected",
                  "enterprise_project_id", "is_consistency_result_exist", "ipv6", "vm_id")
LIST_STRING_PARAMS = ("state", "name", "id", "ip", "ipv6", "migproject", "migration_cycle",
                      "enterprise_project_id", "vm_id")
LIST_BOOL_PARAMS = ("connected", "is_consistency_result_exist")
# Filters on values that live only inside the stored record (no column of their own).
_RECORD_PATH_FILTERS = {"ipv6": "$.ipv6", "vm_id": "$.current_task.clone_server.vm_id"}


def int_param(query, name, default, low, high):
    """An integer query parameter within [low, high], else 400 SMS.6101 naming it."""
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_parameter(name, "must be an integer from %d to %d" % (low, high))
    return int(raw)


def validate_list_query(query):
    """Validate GET /v3/sources query parameters; return (filters, limit, offset)."""
    for name in LIST_STRING_PARAMS:
        if name in query and len(query[name]) > 255:
            raise invalid_parameter(name, "must be at most 255 characters")
    for name in LIST_BOOL_PARAMS:
        if name in query and query[name] not in ("true", "false"):
            raise invalid_parameter(name, "must be true or false")
    if query.get("state") and query["state"] not in SOURCE_STATES:
        raise invalid_parameter("state", "must be one of " + ", ".join(SOURCE_STATES))
    if query.get("migration_cycle") and query["migration_cycle"] not in MIGRATION_CYCLES:
        raise invalid_parameter("migration_cycle", "must be one of " + ", ".join(MIGRATION_CYCLES))
    limit = int_param(query, "limit", 200, 0, 200) or 200
    offset = int_param(query, "offset", 0, 0, 65535)
    filters = {name: query.get(name) for name in SOURCE_FILTERS}
    return filters, limit, offset


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
        elif key in LIST_BOOL_PARAMS:
            clauses.append(key + " = ?")
            args.append(1 if value in (True, "true") else 0)
        elif key in _RECORD_PATH_FILTERS:
            clauses.append("seq IN (SELECT seq FROM source_docs WHERE json_extract(record, ?) = ?)")
            args.extend([_RECORD_PATH_FILTERS[key], value])
        else:
            clauses.append(key + " = ?")
            args.append(value)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


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


# PhysicalVolumes fields (SDK) an init_target_server partition keeps from the registered disk.
_VOLUME_FIELDS = ("name", "size", "used_size", "device_use", "file_system", "mount_point", "index", "uuid",
                  "inode_size")


def _target_disk(disk, index):
    """init_target_server disk (DiskIntargetServer) from a registered disk (INFERENCE: copied as reported)."""
    size = int(disk.get("size") or 0)
    return {"name": disk.get("name", "disk%d" % index), "size": size, "device_use": disk.get("device_use", "NORMAL"),
            "used_size": int(disk.get("used_size") or 0),
            "physical_volumes": [{key: volume[key] for key in _VOLUME_FIELDS if key in volume}
                                 for volume in disk.get("physical_volumes") or [] if isinstance(volume, dict)]}


def _default_show_fields(record, mac):
    """ShowServer fields a generated source has no stored value for."""
    linux = record["os_type"] == "LINUX"
    disks = [{"name": disk["name"], "partition_style": "MBR", "device_use": disk.get("device_use", "NORMAL"),
              "size": disk["size"], "used_size": disk.get("used_size", disk["size"] // 4),
              "physical_volumes": disk.get("physical_volumes", []),
              "os_disk": disk.get("device_use") in ("BOOT", "OS"), "relation_name": disk["name"]}
             for disk in record["init_target_server"].get("disks", [])]
    return {"hostname": record["name"], "firmware": "BIOS", "disks": disks, "volume_groups": [],
            "btrfs_list": [], "agent_version": "25.3.0",
            "networks": [{"name": "eth0" if linux else "Ethernet0", "ip": record["ip"], "netmask": "255.255.255.0",
                          "gateway": "", "mtu": 1500, "mac": mac, "id": ""}]}


class Sources:
    """Source-server part of the Store (mixed into store.Store with database.Database)."""

    region = None
    project_id = None

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

    # page the small index rows first, then fetch only the JSON texts of that page
    _PAGE_SQL = ("SELECT d.record, page.id IN (SELECT source_id FROM runs) FROM (SELECT seq, add_date, id FROM sources%s "
                 "ORDER BY add_date DESC, id LIMIT ? OFFSET ?) AS page JOIN source_docs AS d ON d.seq = page.seq "
                 "ORDER BY page.add_date DESC, page.id")

    def _page(self, where, args, limit, offset):
        """JSON texts of a page of sources; those with a running task get its live progress."""
        texts = []
        for text, running in self._conn().execute(self._PAGE_SQL % where, args + [limit, offset]).fetchall():
            if running:
                text = json.dumps(self._live_source_records([json.loads(text)])[0])
            texts.append(text)
        return texts

    def query_sources_json(self, filters, limit, offset):
        """(count, JSON text of the ListServers body) for validated filters."""
        self.tick()
        where, args = _where(filters)
        count = self._conn().execute("SELECT COUNT(*) FROM sources" + where, args).fetchone()[0]
        texts = self._page(where, args, limit, offset)
        return count, '{"count": %d, "source_servers": [%s]}' % (count, ", ".join(texts))

    def list_sources(self, limit=-1, offset=0, **filters):
        """Every matching source record (ListServers shape), in API order."""
        self.tick()
        where, args = _where(filters)
        return [json.loads(text) for text in self._page(where, args, limit, offset)]

    def count_sources(self, **filters):
        self.tick()
        where, args = _where(filters)
        return self._conn().execute("SELECT COUNT(*) FROM sources" + where, args).fetchone()[0]

    def get_source(self, source_id):
        """ShowServer shape of one source, or None."""
        self.tick()
        loaded = self._load_source(source_id)
        if loaded is None:
            return None
        record, extra, _migproject, mac = loaded
        show = dict(self._live_source_records([record])[0])
        show.update(_default_show_fields(record, mac))
        if extra:
            show.update(extra)
        return show

    def get_source_record(self, source_id):
        """ListServers shape of one source, or None."""
        self.tick()
        loaded = self._load_source(source_id)
        return self._live_source_records([loaded[0]])[0] if loaded else None

    def update_source(self, source_id, change):
        """Apply ``change(record)`` to a stored source under the write lock; return the record."""
        self.tick()
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
            conn.execute("DELETE FROM runs WHERE source_id = ?", (source_id,))

    def overview(self):
        """GET /v3/sources/overview: sources per state; unconfigured = waiting without a task."""
        self.tick()
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
        if not isinstance(copystate, str) or copystate.lower() not in ("init",) + SOURCE_STATES:
            raise invalid_parameter("copystate", "must be one of the documented source states")
        if cycle is not None and (not isinstance(cycle, str) or cycle not in CHANGESTATE_CYCLES):
            raise invalid_parameter("migrationcycle", "must be one of " + ", ".join(CHANGESTATE_CYCLES))
        state = copystate.lower()
        state = "initialize" if state == "init" else state

        def change(record):
            if record["state"] not in CHANGESTATE_FROZEN:
                set_state(record, state, cycle)
        return self.update_source(source_id, change)

    def register_source(self, body):
        """POST /v3/sources: create, or update the source with the same id / first MAC.

        Returns (source_id, created).
        """
        validate_registration(body)
        self.tick()
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
            checks = environment_checks(body, first_check)
            failed = any(item["result"] == "ERROR" for item in checks)
            disks = [_target_disk(disk, index) for index, disk in enumerate(body.get("disks") or [])
                     if isinstance(disk, dict)]
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
