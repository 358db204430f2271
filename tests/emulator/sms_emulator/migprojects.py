"""Migration projects: POST/GET /v3/migprojects, GET/PUT/DELETE /v3/migprojects/{id} and
PUT /v3/migprojects/{id}/default (the SMS API reference's CreateMigproject ... UpdateDefaultMigproject). A fresh store holds one default project named
``default``; exactly one project is the default; a project with source servers, or the default
one, cannot be deleted."""

import json
import re

from .database import now_ms
from .errors import ApiError, invalid_parameter, not_found
from .records import TASK_TYPES
from .shapes import shape
from .sources import int_param

SCHEMA = """
CREATE TABLE IF NOT EXISTS migprojects (id TEXT PRIMARY KEY, name TEXT, created INTEGER, record TEXT NOT NULL);
"""

# PostMigProjectBody / MigProject (SDK attribute_map).
PROJECT_FIELDS = ("name", "description", "isdefault", "region", "start_target_server", "speed_limit", "use_public_ip",
                  "exist_server", "type", "enterprise_project", "syncing", "start_network_check")
_BOOL_FIELDS = ("isdefault", "start_target_server", "use_public_ip", "exist_server", "syncing", "start_network_check")
_STRING_FIELDS = ("name", "description", "region", "type", "enterprise_project")
NAME_RE = re.compile("^[A-Za-z0-9_\\-\u4e00-\u9fa5]{1,255}$")

# INFERENCE: no code is documented for these refusals; the emulator's choices.
PROJECT_HAS_SERVERS = "SMS.6110"
PROJECT_IS_DEFAULT = "SMS.6111"


def validate_project(body, create):
    for key, value in body.items():
        if key not in PROJECT_FIELDS:
            raise invalid_parameter(key, "unknown field")
        if value is None:
            continue
        if key in _BOOL_FIELDS and not isinstance(value, bool):
            raise invalid_parameter(key, "must be true or false")
        if key in _STRING_FIELDS and not isinstance(value, str):
            raise invalid_parameter(key, "must be a string")
    if create or "name" in body:
        if not isinstance(body.get("name"), str) or not NAME_RE.match(body["name"]):
            raise invalid_parameter("name", "required, 1 to 255 Chinese characters, letters, digits, _ or -")
    if create and not body.get("region"):
        raise invalid_parameter("region", "required")
    if (create or "type" in body) and body.get("type") not in TASK_TYPES:
        raise invalid_parameter("type", "must be MIGRATE_FILE or MIGRATE_BLOCK")
    speed = body.get("speed_limit")
    if speed is not None and (isinstance(speed, bool) or not isinstance(speed, int) or speed < 0):
        raise invalid_parameter("speed_limit", "must be an integer >= 0 (Mbit/s, 0 = unlimited)")
    if len(body.get("description") or "") > 255:
        raise invalid_parameter("description", "must be at most 255 characters")


def project_record(fields):
    record = {"name": None, "description": "", "isdefault": False, "region": None, "start_target_server": True,
              "speed_limit": 0, "use_public_ip": True, "exist_server": False, "type": "MIGRATE_FILE",
              "enterprise_project": "default", "syncing": False, "start_network_check": False}
    record.update((k, v) for k, v in fields.items() if v is not None)
    return record


class MigProjects:
    """The ``migprojects`` table; a fresh one gets the ``default`` project of ``region``."""

    def __init__(self, db, region):
        self.db = db
        conn = db.conn()
        conn.executescript(SCHEMA)
        if conn.execute("SELECT COUNT(*) FROM migprojects").fetchone()[0] == 0:
            default = project_record({"name": "default", "isdefault": True, "region": region})
            default["id"] = db.new_id()
            with db.write() as wconn:
                wconn.execute("INSERT INTO migprojects VALUES (?,?,?,?)", (default["id"], "default", 0, json.dumps(default)))

    def load_project(self, project_id, conn=None):
        row = (conn or self.db.conn()).execute("SELECT record FROM migprojects WHERE id = ?", (project_id,)).fetchone()
        if row is None:
            raise not_found("migration project", project_id)
        return json.loads(row[0])

    def _save_project(self, conn, record):
        conn.execute("UPDATE migprojects SET name = ?, record = ? WHERE id = ?", (record["name"], json.dumps(record), record["id"]))

    def _make_default(self, conn, project_id):
        for (text,) in conn.execute("SELECT record FROM migprojects").fetchall():
            record = json.loads(text)
            if record["isdefault"] != (record["id"] == project_id):
                record["isdefault"] = record["id"] == project_id
                self._save_project(conn, record)

    def create_project(self, body):
        validate_project(body, create=True)
        record = project_record(body)
        record["id"] = self.db.new_id()
        with self.db.write() as conn:
            conn.execute("INSERT INTO migprojects VALUES (?,?,?,?)", (record["id"], record["name"], now_ms(), json.dumps(record)))
            if record["isdefault"]:
                self._make_default(conn, record["id"])
        return record["id"]

    def list_projects(self, query):
        limit = int_param(query, "limit", 50, 0, 100) or 50
        offset = int_param(query, "offset", 0, 0, 65535)
        rows = self.db.conn().execute("SELECT record FROM migprojects ORDER BY created, rowid").fetchall()
        return len(rows), [json.loads(row[0]) for row in rows[offset:offset + limit]]

    def get_project(self, project_id):
        return self.load_project(project_id)

    def update_project(self, project_id, body):
        """PUT /v3/migprojects/{id}; ``isdefault`` there is ignored (PUT .../default moves the default)."""
        validate_project(body, create=False)
        with self.db.write() as conn:
            record = self.load_project(project_id, conn)
            record.update((k, v) for k, v in body.items() if v is not None and k != "isdefault")
            self._save_project(conn, record)

    def set_default_project(self, project_id):
        with self.db.write() as conn:
            self.load_project(project_id, conn)
            self._make_default(conn, project_id)

    def delete_project(self, project_id):
        with self.db.write() as conn:
            record = self.load_project(project_id, conn)
            if record["isdefault"]:
                raise ApiError(400, PROJECT_IS_DEFAULT, "The default migration project cannot be deleted")
            members = conn.execute("SELECT COUNT(*) FROM sources WHERE migproject = ?", (project_id,)).fetchone()[0]
            if members:
                raise ApiError(400, PROJECT_HAS_SERVERS, "Only migration projects without servers can be deleted; "
                               "%s has %d" % (project_id, members))
            conn.execute("DELETE FROM migprojects WHERE id = ?", (project_id,))


# ----------------------------------------------------------------- handlers (see routes.py)
def create(call):
    return 200, {"id": call.store.create_project(call.json())}


def list_all(call):
    count, found = call.store.list_projects(call.query)
    return 200, {"count": count, "migprojects": found}


def show(call):
    return 200, shape(call.store.get_project(call.params["project_id"]), "ShowMigprojectResponse")


def update(call):
    call.store.update_project(call.params["project_id"], call.json())
    return 200, {}


def make_default(call):
    call.store.set_default_project(call.params["project_id"])
    return 200, {}


def delete(call):
    call.store.delete_project(call.params["project_id"])
    return 200, {}


ROUTES = (
    ("POST", "/v3/migprojects", "sms:migproject:create", None, create),
    ("GET", "/v3/migprojects", "sms:migproject:list", None, list_all),
    ("GET", "/v3/migprojects/{project_id}", "sms:migproject:get", "project_id", show),
    ("PUT", "/v3/migprojects/{project_id}", "sms:migproject:update", "project_id", update),
    ("PUT", "/v3/migprojects/{project_id}/default", "sms:migproject:updateDefault", "project_id", make_default),
    ("DELETE", "/v3/migprojects/{project_id}", "sms:migproject:delete", "project_id", delete),
)
