"""``PUT /v3/tasks/{task_id}`` (SDK UpdateTask, body ``PutTaskReq``): a task changed in place.

Only PutTaskReq's fields (else 400 SMS.6101 naming the field; ``start_target_server``, ``syncing``,
``priority``... are not among them), each with its type: strings of at most 255 characters
(``name`` 1 to 255), ``type`` MIGRATE_FILE or MIGRATE_BLOCK, booleans, ``speed_limit`` an integer
>= 0, ``migration_ip`` an IPv4 address (IPv6 with ``use_ipv6``), ``target_server`` an object of
TargetServer's fields, ``clone_server`` one of CloneServer's.  Unknown task: 404 SMS.0404.
Answer ``{"id": <task id>}`` (UpdateTaskResponse).

What it changes on the stored task (INFERENCE: the API reference names the fields, not their
effect): ``name``, ``type``, ``region_id``, ``region_name``, ``project_name``, ``project_id``,
``migration_ip``, ``vm_template_id``, ``speed_limit`` (the next run's speed; a copy under way
keeps its own), ``use_public_ip``, ``exist_server``, ``use_ipv6``, ``enterprise_project`` (the
task's ``enterprise_project_id``), ``image_disk_id`` and ``cutovered_snapshot_ids`` (on the
target_server), ``target_server``'s ``name``, ``vm_id``, ``ip``, ``disks``, ``volume_groups``,
``btrfs_list``, ``system_dir``, and ``clone_server`` (merged).  ``target_disk_ids`` and
``snapshot_ids`` are accepted and kept but no answer shows them.  Any task state.
"""

import ipaddress

from .errors import invalid_parameter, not_found
from .records import TASK_TYPES, task_summary
from .task_validation import _only_fields  # pylint: disable=protected-access

PUT_TASK_FIELDS = ("name", "type", "region_id", "region_name", "exist_server", "migration_ip", "use_ipv6",
                   "use_public_ip", "speed_limit", "project_name", "project_id", "enterprise_project",
                   "image_disk_id", "vm_template_id", "target_disk_ids", "snapshot_ids", "cutovered_snapshot_ids",
                   "target_server", "clone_server")
STRING_FIELDS = ("name", "type", "region_id", "region_name", "migration_ip", "project_name", "project_id",
                 "enterprise_project", "image_disk_id", "vm_template_id", "target_disk_ids", "snapshot_ids",
                 "cutovered_snapshot_ids")
BOOLEAN_FIELDS = ("exist_server", "use_ipv6", "use_public_ip")
# TargetServer and CloneServer (huaweicloudsdksms 3.1.219; test_task_updates.py compares them with the SDK)
TARGET_SERVER_FIELDS = ("id", "ip", "name", "hostname", "os_type", "os_version", "firmware", "cpu_quantity", "memory",
                        "btrfs_list", "networks", "domain_id", "has_rsync", "paravirtualization", "raw_devices",
                        "driver_files", "system_services", "account_rights", "boot_loader", "system_dir",
                        "volume_groups", "vm_id", "flavor", "disks", "image_disk_id", "snapshot_ids",
                        "cutovered_snapshot_ids")
CLONE_SERVER_FIELDS = ("vm_id", "name", "clone_error", "clone_state", "error_msg")
# What of them the stored task keeps
COPIED = ("name", "type", "region_id", "region_name", "project_name", "project_id", "migration_ip", "vm_template_id",
          "speed_limit", "use_public_ip", "exist_server", "use_ipv6")
TARGET_COPIED = ("name", "vm_id", "ip", "disks", "volume_groups", "btrfs_list", "system_dir")


def validate_put_task(body):
    """A PutTaskReq as SMS checks it (see the module's docstring); returns it."""
    _only_fields(body, PUT_TASK_FIELDS, "")
    for field in STRING_FIELDS:
        if field in body and (not isinstance(body[field], str) or len(body[field]) > 255):
            raise invalid_parameter(field, "must be a string of at most 255 characters")
    if "name" in body and not body["name"]:
        raise invalid_parameter("name", "must be 1 to 255 characters")
    if "type" in body and body["type"] not in TASK_TYPES:
        raise invalid_parameter("type", "must be MIGRATE_FILE or MIGRATE_BLOCK")
    for field in BOOLEAN_FIELDS:
        if field in body and not isinstance(body[field], bool):
            raise invalid_parameter(field, "must be a boolean")
    speed = body.get("speed_limit")
    if "speed_limit" in body and (not isinstance(speed, int) or isinstance(speed, bool) or speed < 0):
        raise invalid_parameter("speed_limit", "must be a non-negative integer")
    for field, fields in (("target_server", TARGET_SERVER_FIELDS), ("clone_server", CLONE_SERVER_FIELDS)):
        if field in body:
            if not isinstance(body[field], dict):
                raise invalid_parameter(field, "must be an object")
            _only_fields(body[field], fields, field + ".")
    for field in ("name", "vm_id", "ip"):
        value = body.get("target_server", {}).get(field)
        if value is not None and not isinstance(value, str):
            raise invalid_parameter("target_server." + field, "must be a string")
    for field in CLONE_SERVER_FIELDS:
        value = body.get("clone_server", {}).get(field)
        if value is not None and not isinstance(value, str):
            raise invalid_parameter("clone_server." + field, "must be a string")
    return body


def _check_migration_ip(body, task):
    address = body.get("migration_ip")
    if not address:
        return
    ipv6 = body.get("use_ipv6", task.get("use_ipv6", False))
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError as exc:
        raise invalid_parameter("migration_ip", "must be an IP address") from exc
    if parsed.version != (6 if ipv6 else 4):
        raise invalid_parameter("migration_ip", "must be an IPv%d address (use_ipv6 is %s)"
                                % (6 if ipv6 else 4, "true" if ipv6 else "false"))


class TaskUpdates:
    """Applies a PutTaskReq to the ``tasks`` table."""

    def __init__(self, db, engine):
        self.db = db
        self.engine = engine

    def update_task(self, task_id, body):
        """PUT /v3/tasks/{id}; returns the task id."""
        validate_put_task(body)
        self.engine.tick()
        with self.db.write() as conn:
            task = self.db.load_task(task_id, conn)
            if task is None:
                raise not_found("task", task_id)
            _check_migration_ip(body, task)
            for field in COPIED:
                if field in body:
                    task[field] = body[field]
            if "enterprise_project" in body:
                task["enterprise_project_id"] = body["enterprise_project"]
            for field in ("target_disk_ids", "snapshot_ids"):
                if field in body:
                    task["_" + field] = body[field]
            target = task["target_server"]
            for field in ("image_disk_id", "cutovered_snapshot_ids"):
                if field in body:
                    target[field] = body[field]
            for field in TARGET_COPIED + ("image_disk_id", "cutovered_snapshot_ids"):
                if field in body.get("target_server", {}):
                    target[field] = body["target_server"][field]
            if "clone_server" in body:
                clone = dict.fromkeys(CLONE_SERVER_FIELDS)
                clone.update(task.get("clone_server") or {})
                clone.update(body["clone_server"])
                task["clone_server"] = clone
            self.db.save_task(conn, task)
            source = self.db.load_source(task["source_server"]["id"], conn)
            if source is not None and source.record.get("current_task") and source.record["current_task"]["id"] == task_id:
                source.record["current_task"] = task_summary(task)
                self.db.save_source(conn, source)
        return task_id


# ----------------------------------------------------------------- handlers (see routes.py)
def update_task(call):
    return 200, {"id": call.store.update_task(call.params["task_id"], call.json())}


ROUTES = (
    ("PUT", "/v3/tasks/{task_id}", "sms:task:update", "task_id", update_task),
)
