"""Source servers: the generated fleet, GET /v3/sources and its filters, show, delete (one, or a
batch with POST /v3/sources/delete), changestate and overview.  Registration (POST /v3/sources) is in ``registration.py``."""

import gc
import json

from . import fleet
from .database import set_state
from .errors import invalid_parameter, not_found
from .records import CHANGESTATE_CYCLES, CHANGESTATE_FROZEN, MIGRATION_CYCLES, OVERVIEW_KEYS, SOURCE_STATES
from .shapes import shape

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
    """The ``sources`` table as the API lists and shows it (with the engine's live progress)."""

    def __init__(self, db, engine, region=None, project_id=None):
        self.db = db
        self.engine = engine
        self.region = region
        self.project_id = project_id

    def add_sources(self, count, seed=0, os_mix=None, states=None, enterprise_projects=1, duplicate_names=0):
        """Generate ``count`` more sources (deterministic per seed and current size); return their ids."""
        conn = self.db.conn()
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
        bulk = self.db.enter_bulk_mode()
        try:
            with self.db.write() as wconn:
                wconn.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", source_rows)
                wconn.executemany("INSERT INTO source_docs (seq, record) VALUES (?,?)", doc_rows)
                wconn.executemany("INSERT INTO tasks VALUES (?,?,?,?,?,?,?)", task_rows)
        finally:
            if bulk:
                self.db.conn().execute("PRAGMA journal_mode=WAL")
        return [row[1] for row in source_rows]

    # page the small index rows first, then fetch only the JSON texts of that page
    _PAGE_SQL = ("SELECT d.record, page.id IN (SELECT source_id FROM runs) FROM (SELECT seq, add_date, id FROM sources%s "
                 "ORDER BY add_date DESC, id LIMIT ? OFFSET ?) AS page JOIN source_docs AS d ON d.seq = page.seq "
                 "ORDER BY page.add_date DESC, page.id")

    def _page(self, where, args, limit, offset):
        """JSON texts of a page of sources; those with a running task get its live progress."""
        texts = []
        for text, running in self.db.conn().execute(self._PAGE_SQL % where, args + [limit, offset]).fetchall():
            if running:
                text = json.dumps(self.engine.live_source_records([json.loads(text)])[0])
            texts.append(text)
        return texts

    def query_sources_json(self, filters, limit, offset):
        """(count, JSON text of the ListServers body) for validated filters."""
        self.engine.tick()
        where, args = _where(filters)
        count = self.db.conn().execute("SELECT COUNT(*) FROM sources" + where, args).fetchone()[0]
        texts = self._page(where, args, limit, offset)
        return count, '{"count": %d, "source_servers": [%s]}' % (count, ", ".join(texts))

    def list_sources(self, limit=-1, offset=0, **filters):
        """Every matching source record (ListServers shape), in API order."""
        self.engine.tick()
        where, args = _where(filters)
        return [json.loads(text) for text in self._page(where, args, limit, offset)]

    def count_sources(self, **filters):
        self.engine.tick()
        where, args = _where(filters)
        return self.db.conn().execute("SELECT COUNT(*) FROM sources" + where, args).fetchone()[0]

    def get_source(self, source_id):
        """ShowServer shape of one source, or None."""
        self.engine.tick()
        source = self.db.load_source(source_id)
        if source is None:
            return None
        show = dict(self.engine.live_source_records([source.record])[0])
        show.update(_default_show_fields(source.record, source.mac))
        if source.extra:
            show.update(source.extra)
        return show

    def get_source_record(self, source_id):
        """ListServers shape of one source, or None."""
        self.engine.tick()
        source = self.db.load_source(source_id)
        return self.engine.live_source_records([source.record])[0] if source else None

    def update_source(self, source_id, change):
        """Apply ``change(record)`` to a stored source under the write lock; return the record."""
        self.engine.tick()
        with self.db.write() as conn:
            source = self.db.load_source(source_id, conn)
            if source is None:
                raise not_found("source server", source_id)
            change(source.record)
            self.db.save_source(conn, source)
            return source.record

    def delete_source(self, source_id):
        self.delete_sources([source_id])

    def delete_sources(self, source_ids):
        """DELETE one or POST /v3/sources/delete many: every id exists, or 404 and nothing is deleted
        (INFERENCE: all or nothing, like the template batch).  Frees the source quota."""
        with self.db.write() as conn:
            found = []
            for source_id in dict.fromkeys(source_ids):
                row = conn.execute("SELECT seq FROM sources WHERE id = ?", (source_id,)).fetchone()
                if row is None:
                    raise not_found("source server", source_id)
                found.append((row[0], source_id))
            conn.executemany("DELETE FROM sources WHERE seq = ?", [(seq,) for seq, _id in found])
            conn.executemany("DELETE FROM source_docs WHERE seq = ?", [(seq,) for seq, _id in found])
            conn.executemany("DELETE FROM commands WHERE source_id = ?", [(i,) for _seq, i in found])
            conn.executemany("DELETE FROM runs WHERE source_id = ?", [(i,) for _seq, i in found])

    def overview(self):
        """GET /v3/sources/overview: sources per state; unconfigured = waiting without a task."""
        self.engine.tick()
        counts = dict.fromkeys(OVERVIEW_KEYS, 0)
        for state, number in self.db.conn().execute("SELECT state, COUNT(*) FROM sources GROUP BY state"):
            if state in counts:
                counts[state] = number
        counts["unconfigured"] = self.db.conn().execute(
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


# ----------------------------------------------------------------- handlers (see routes.py)
def list_sources(call):
    filters, limit, offset = validate_list_query(call.query)
    _count, text = call.store.query_sources_json(filters, limit, offset)
    return 200, text.encode("utf-8")


def sources_overview(call):
    return 200, call.store.overview()


def show_source(call):
    source = call.store.get_source(call.params["source_id"])
    if source is None:
        raise not_found("source server", call.params["source_id"])
    return 200, shape(source, "ShowServerResponse")


def delete_source(call):
    call.store.delete_source(call.params["source_id"])
    return 200, {}


def delete_many(call):
    """POST /v3/sources/delete, body DeleteIds ``{"ids": [...]}``; the SDK's DeleteServersResponse is empty."""
    ids = call.json().get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise invalid_parameter("ids", "must be a non-empty list of source server ids")
    call.store.delete_sources(ids)
    return 200, {}


def change_state(call):
    call.store.change_state(call.params["source_id"], call.json())
    return 200, {}


ROUTES = (
    ("GET", "/v3/sources", "sms:server:list", None, list_sources),
    ("GET", "/v3/sources/overview", "sms:server:list", None, sources_overview),
    ("POST", "/v3/sources/delete", "sms:server:delete", None, delete_many),
    ("GET", "/v3/sources/{source_id}", "sms:server:get", "source_id", show_source),
    ("DELETE", "/v3/sources/{source_id}", "sms:server:delete", "source_id", delete_source),
    ("PUT", "/v3/sources/{source_id}/changestate", "sms:server:updateCopyState", "source_id", change_state),
)
