"""Changes a user makes to a registered source server: PUT /v3/sources/{id} (rename, move to a
migration project, disk and volume-group adjustments before the target is configured;
PutSourceServerBody) and the fleet's error list, GET /v3/errors (ListErrorServers)."""

from .errors import ApiError, invalid_parameter, not_found
from .sources import int_param

# PutSourceServerBody / PutDisk / PutVolume / PutVolumeGroups / PutLogicalVolume (SDK attribute_map).
SOURCE_FIELDS = ("name", "migprojectid", "disks", "volume_groups")
DISK_FIELDS = ("id", "need_migration", "adjust_size", "physical_volumes")
VOLUME_FIELDS = ("id", "need_migration", "adjust_size")
GROUP_FIELDS = ("id", "need_migration", "adjust_size", "logical_volumes")

# INFERENCE: "only effective before the target is configured" has no documented error code.
TARGET_ALREADY_CONFIGURED = "SMS.6112"


def _check_adjustments(where, items, fields, nested):
    if not isinstance(items, list):
        raise invalid_parameter(where, "must be a list")
    for index, item in enumerate(items):
        here = "%s[%d]" % (where, index)
        if not isinstance(item, dict):
            raise invalid_parameter(here, "must be an object")
        for key in item:
            if key not in fields:
                raise invalid_parameter("%s.%s" % (here, key), "unknown field")
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise invalid_parameter(here + ".id", "required string")
        if item.get("need_migration") is not None and not isinstance(item["need_migration"], bool):
            raise invalid_parameter(here + ".need_migration", "must be true or false")
        size = item.get("adjust_size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise invalid_parameter(here + ".adjust_size", "must be an integer >= 0 (bytes)")
        if nested and item.get(nested) is not None:
            _check_adjustments(here + "." + nested, item[nested], VOLUME_FIELDS, None)


def validate_source_update(body):
    for key in body:
        if key not in SOURCE_FIELDS:
            raise invalid_parameter(key, "unknown field")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 255):
        raise invalid_parameter("name", "must be a non-empty string of at most 255 characters")
    if body.get("migprojectid") is not None and not isinstance(body["migprojectid"], str):
        raise invalid_parameter("migprojectid", "must be a string")
    if body.get("disks") is not None:
        _check_adjustments("disks", body["disks"], DISK_FIELDS, "physical_volumes")
    if body.get("volume_groups") is not None:
        _check_adjustments("volume_groups", body["volume_groups"], GROUP_FIELDS, "logical_volumes")


def _apply(stored, adjustments, what):
    """Copy need_migration/adjust_size of each adjustment onto the stored item with that id (or name)."""
    by_id = dict((item.get("id") or item.get("name"), item) for item in stored)
    for change in adjustments:
        target = by_id.get(change["id"])
        if target is None:
            raise invalid_parameter(what, "the source server has no %s with id %s" % (what.rstrip("s"), change["id"]))
        for key in ("need_migration", "adjust_size"):
            if change.get(key) is not None:
                target[key] = change[key]


class SourceUpdates:
    """PUT /v3/sources/{id} and GET /v3/errors, on the ``sources`` table (read through ``sources``)."""

    def __init__(self, db, sources, projects):
        self.db = db
        self.sources = sources
        self.projects = projects

    def update_source_fields(self, source_id, body):
        validate_source_update(body)
        with self.db.write() as conn:
            source = self.db.load_source(source_id, conn)
            if source is None:
                raise not_found("source server", source_id)
            record, extra, migproject = source.record, source.extra, source.migproject
            if body.get("migprojectid") is not None:
                self.projects.load_project(body["migprojectid"], conn)  # 404 for an unknown project
                migproject = body["migprojectid"]
            if body.get("name") is not None:
                record["name"] = body["name"]
            if body.get("disks") is not None or body.get("volume_groups") is not None:
                if record.get("current_task") or record["migration_cycle"] != "checking":
                    raise ApiError(400, TARGET_ALREADY_CONFIGURED, "Disks can only be adjusted before the target "
                                   "server is configured (the source has a task or is past the checking stage)")
                shown = self.sources.get_source(source_id)
                extra = dict(extra or {})
                extra["disks"] = shown["disks"]
                extra["volume_groups"] = shown["volume_groups"]
                _apply(extra["disks"], body.get("disks") or [], "disks")
                _apply(extra["volume_groups"], body.get("volume_groups") or [], "volume_groups")
            self.db.save_source(conn, source._replace(migproject=migproject, extra=extra))

    def migration_errors(self, query):
        """(count, items) of GET /v3/errors: sources in state error, with their task's error_json."""
        limit = int_param(query, "limit", 50, 0, 100) or 50
        offset = int_param(query, "offset", 0, 0, 65535)
        filters = {"state": "error"}
        if query.get("enterprise_project_id"):
            filters["enterprise_project_id"] = query["enterprise_project_id"]
        items = []
        for record in self.sources.list_sources(**filters):
            task = self.db.load_task(record["current_task"]["id"]) if record.get("current_task") else None
            items.append({"error_json": (task or {}).get("error_json") or "", "host_name": record["name"],
                          "name": record["name"], "source_id": record["id"], "source_ip": record["ip"],
                          "target_ip": None})
        return len(items), items[offset:offset + limit]


# ----------------------------------------------------------------- handlers (see routes.py)
def update_source(call):
    call.store.update_source_fields(call.params["source_id"], call.json())
    return 200, {}


def list_errors(call):
    count, items = call.store.migration_errors(call.query)
    return 200, {"count": count, "migration_errors": items}


ROUTES = (
    ("PUT", "/v3/sources/{source_id}", "sms:server:update", "source_id", update_source),
    ("GET", "/v3/errors", "sms:server:listErrors", None, list_errors),
)
