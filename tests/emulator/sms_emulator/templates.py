"""Server templates: POST/GET /v3/vm/templates, GET/PUT/DELETE /v3/vm/templates/{id}, batch delete
and the target password (the SMS API reference's template APIs), with the field rules practitioners report:
VPC without id or cidr SMS.0007, NIC or security group without id/name(/cidr) SMS.6102, public IP
without type or bandwidth SMS.6562, deleting a template a task uses SMS.7111, unknown template
SMS.7101. A task's non-generic template (``is_template`` false) is deleted with the task (``Store.delete_task``)."""

import json
import re

from .database import now_ms
from .errors import ApiError, invalid_parameter
from .sources import int_param

SCHEMA = """
CREATE TABLE IF NOT EXISTS templates (id TEXT PRIMARY KEY, name TEXT, created INTEGER, record TEXT NOT NULL);
"""

# TemplateRequest (SDK attribute_map) and its nested models.
TEMPLATE_FIELDS = ("name", "is_template", "region", "projectid", "target_server_name", "availability_zone",
                   "volumetype", "flavor", "vpc", "nics", "security_groups", "publicip", "disk",
                   "data_volume_type", "target_password", "image_id")
NESTED_FIELDS = {"vpc": ("id", "name", "cidr"), "nics": ("id", "name", "cidr", "ip"),
                 "security_groups": ("id", "name"), "publicip": ("type", "bandwidth_size", "bandwidth_share_type"),
                 "disk": ("id", "index", "name", "disktype", "size", "device_use")}
_STRING_FIELDS = ("name", "region", "projectid", "target_server_name", "availability_zone", "volumetype", "flavor",
                  "data_volume_type", "target_password", "image_id")
# Chinese characters, letters, digits, underscores and hyphens (SDK docstring of TemplateRequest.name).
NAME_RE = re.compile("^[A-Za-z0-9_\\-\u4e00-\u9fa5]{1,255}$")
AUTO_CREATE = "autoCreate"

TEMPLATE_NOT_FOUND = "SMS.7101"
TEMPLATE_IN_USE = "SMS.7111"


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_item(field, where, item):
    if not isinstance(item, dict):
        raise invalid_parameter(where, "must be an object")
    for key, value in item.items():
        if key not in NESTED_FIELDS[field]:
            raise invalid_parameter("%s.%s" % (where, key), "unknown field")
        integer = key in ("bandwidth_size", "index", "size") or (field == "disk" and key == "id")
        if value is not None and integer and not _is_int(value):
            raise invalid_parameter("%s.%s" % (where, key), "must be an integer")
        if value is not None and not integer and not isinstance(value, str):
            raise invalid_parameter("%s.%s" % (where, key), "must be a string")


def _missing(item, keys):
    return [key for key in keys if item.get(key) in (None, "")]


def validate_template(body):
    """The ``template`` of a CreateTemplateReq / UpdateTemplateReq body, checked."""
    if set(body) != {"template"} or not isinstance(body["template"], dict):
        raise invalid_parameter("template", "the body must be {\"template\": {...}} and nothing else")
    template = body["template"]
    for key in template:
        if key not in TEMPLATE_FIELDS:
            raise invalid_parameter("template.%s" % key, "unknown field")
    for key in _STRING_FIELDS:
        if template.get(key) is not None and not isinstance(template[key], str):
            raise invalid_parameter("template.%s" % key, "must be a string")
    if not isinstance(template.get("name"), str) or not NAME_RE.match(template["name"]):
        raise invalid_parameter("template.name", "required, 1 to 255 Chinese characters, letters, digits, _ or -")
    if template.get("is_template") is not None and not isinstance(template["is_template"], bool):
        raise invalid_parameter("template.is_template", "must be true or false")
    for field in ("vpc", "publicip"):
        if template.get(field) is not None:
            _check_item(field, "template." + field, template[field])
    for field in ("nics", "security_groups", "disk"):
        if template.get(field) is not None:
            if not isinstance(template[field], list):
                raise invalid_parameter("template." + field, "must be a list")
            for index, item in enumerate(template[field]):
                _check_item(field, "template.%s[%d]" % (field, index), item)
    _check_network(template)
    _check_public_ip(template.get("publicip"))
    for index, disk in enumerate(template.get("disk") or []):
        missing = _missing(disk, ("index", "name", "disktype", "size"))
        if missing:
            raise invalid_parameter("template.disk[%d]" % index, "needs %s" % ", ".join(missing))
        if disk["size"] <= 0 or disk["index"] < 0:
            raise invalid_parameter("template.disk[%d]" % index, "size must be > 0 GB and index >= 0")
    return template


def _check_network(template):
    vpc = template.get("vpc")
    if vpc is not None and _missing(vpc, ("id", "cidr")):
        raise ApiError(400, "SMS.0007", "The VPC of the template needs an id (or autoCreate) and a cidr; missing: %s"
                       % ", ".join(_missing(vpc, ("id", "cidr"))))
    for field, keys in (("nics", ("id", "name", "cidr")), ("security_groups", ("id", "name"))):
        items = template.get(field) or []
        for index, item in enumerate(items):
            if _missing(item, keys):
                raise ApiError(400, "SMS.6102", "%s[%d] of the template needs %s; missing: %s"
                               % (field, index, ", ".join(keys), ", ".join(_missing(item, keys))))
        if any(item["id"] == AUTO_CREATE for item in items) and len(items) > 1:
            raise ApiError(400, "SMS.6102", "%s: an autoCreate entry must be the only one" % field)


def _check_public_ip(publicip):
    if publicip is None:
        return
    missing = _missing(publicip, ("type", "bandwidth_size"))
    if missing:
        raise ApiError(400, "SMS.6562", "The public IP of the template needs a type and a bandwidth_size; missing: %s"
                       % ", ".join(missing))
    size = publicip["bandwidth_size"]
    # Bandwidth steps of the EIP service (PublicIp.bandwidth_size docstring).
    step = 1 if size <= 300 else (50 if size <= 1000 else 500)
    if not 1 <= size <= 2000 or size % step:
        raise invalid_parameter("template.publicip.bandwidth_size",
                                "1 to 2000 Mbit/s, in steps of 1 up to 300, 50 up to 1000, 500 above")


def served(record):
    """TemplateResponseBody: every field, ``is_template`` as the string the SDK model declares."""
    shown = dict((key, record.get(key)) for key in ("id",) + TEMPLATE_FIELDS)
    shown["is_template"] = "true" if record.get("is_template", True) else "false"
    return shown


def template_not_found(template_id):
    return ApiError(404, TEMPLATE_NOT_FOUND, "The template does not exist: %s" % template_id)


class Templates:
    """The ``templates`` table."""

    def __init__(self, db):
        self.db = db
        db.conn().executescript(SCHEMA)

    def _load_template(self, template_id, conn=None):
        row = (conn or self.db.conn()).execute("SELECT record FROM templates WHERE id = ?", (template_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def create_template(self, body):
        template = validate_template(body)
        record = dict(template)
        record.setdefault("is_template", True)
        record["id"] = self.db.new_id()
        with self.db.write() as conn:
            conn.execute("INSERT INTO templates VALUES (?,?,?,?)", (record["id"], record["name"], now_ms(), json.dumps(record)))
        return record["id"]

    def list_templates(self, query):
        """(count, records) of GET /v3/vm/templates; ``name`` matches a substring, the rest exactly."""
        limit = int_param(query, "limit", 50, 0, 100) or 50
        offset = int_param(query, "offset", 0, 0, 65535)
        records = [json.loads(row[0]) for row in self.db.conn().execute("SELECT record FROM templates ORDER BY created, rowid")]
        for key in ("id", "availability_zone", "region"):
            if query.get(key):
                records = [r for r in records if r.get(key) == query[key]]
        if query.get("name"):
            records = [r for r in records if query["name"] in r["name"]]
        return len(records), [served(r) for r in records[offset:offset + limit]]

    def get_template(self, template_id):
        record = self._load_template(template_id)
        if record is None:
            raise template_not_found(template_id)
        return served(record)

    def update_template(self, template_id, body):
        """PUT /v3/vm/templates/{id}: the fields sent replace the stored ones."""
        template = validate_template(body)
        with self.db.write() as conn:
            record = self._load_template(template_id, conn)
            if record is None:
                raise template_not_found(template_id)
            record.update(template)
            conn.execute("UPDATE templates SET name = ?, record = ? WHERE id = ?",
                         (record["name"], json.dumps(record), template_id))

    def _tasks_using(self, conn, template_ids):
        marks = ",".join("?" * len(template_ids))
        return [row[0] for row in conn.execute(
            "SELECT id FROM tasks WHERE json_extract(record, '$.vm_template_id') IN (%s) "
            "OR json_extract(record, '$.clonevm_template_id') IN (%s) ORDER BY id" % (marks, marks),
            list(template_ids) * 2)]

    def delete_templates(self, template_ids):
        """DELETE one or POST .../delete many: all exist and no task uses them, or nothing happens."""
        if not template_ids:
            raise invalid_parameter("ids", "must list at least one template id")
        with self.db.write() as conn:
            for template_id in template_ids:
                if self._load_template(template_id, conn) is None:
                    raise template_not_found(template_id)
            users = self._tasks_using(conn, template_ids)
            if users:
                raise ApiError(400, TEMPLATE_IN_USE, "The template is associated with an existing task (%s); "
                               "delete the task first" % ", ".join(users))
            conn.executemany("DELETE FROM templates WHERE id = ?", [(i,) for i in template_ids])

    def target_password(self, template_id):
        record = self._load_template(template_id)
        if record is None:
            raise template_not_found(template_id)
        return {"template_id": template_id, "target_password": record.get("target_password")}

    def delete_task_template(self, task):
        """After ``task`` (None: unknown) was deleted: its template goes too unless it is generic
        (is_template) or another task uses it.  ``Store.delete_task`` calls this after DELETE /v3/tasks/{id}."""
        template_id = (task or {}).get("vm_template_id")
        if not template_id:
            return
        with self.db.write() as conn:
            record = self._load_template(template_id, conn)
            if record is not None and not record.get("is_template", True) and not self._tasks_using(conn, [template_id]):
                conn.execute("DELETE FROM templates WHERE id = ?", (template_id,))


# ----------------------------------------------------------------- handlers (see routes.py)
def create(call):
    return 200, {"id": call.store.create_template(call.json())}


def list_all(call):
    count, found = call.store.list_templates(call.query)
    return 200, {"count": count, "templates": found}


def show(call):
    return 200, {"template": call.store.get_template(call.params["template_id"])}


def update(call):
    call.store.update_template(call.params["template_id"], call.json())
    return 200, {}


def delete(call):
    call.store.delete_templates([call.params["template_id"]])
    return 200, {}


def delete_many(call):
    ids = call.json().get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise invalid_parameter("ids", "must be a list of template ids")
    call.store.delete_templates(ids)
    return 200, {}


def target_password(call):
    return 200, call.store.target_password(call.params["template_id"])


ROUTES = (
    ("POST", "/v3/vm/templates", "sms:server:createTemplate", None, create),
    ("GET", "/v3/vm/templates", "sms:server:listTemplate", None, list_all),
    ("POST", "/v3/vm/templates/delete", "sms:server:deleteTemplate", None, delete_many),
    ("GET", "/v3/vm/templates/{template_id}", "sms:server:showTemplate", "template_id", show),
    ("PUT", "/v3/vm/templates/{template_id}", "sms:server:updateTemplate", "template_id", update),
    ("DELETE", "/v3/vm/templates/{template_id}", "sms:server:deleteTemplate", "template_id", delete),
    ("GET", "/v3/vm/templates/{template_id}/target-password", "sms:server:showTargetPassword", "template_id",
     target_password),
)
