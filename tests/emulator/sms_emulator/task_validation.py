"""What SMS accepts for tasks: the request fields of the official SDK's models, the checks of
POST /v3/tasks (PostTask), of the GET /v3/tasks query and of a task action's body."""

from .errors import ApiError, invalid_parameter
from .records import OS_TYPES, TASK_TYPES
from .sources import int_param

TASK_STATES = ("READY", "RUNNING", "SYNCING", "MIGRATE_SUCCESS", "SYNC_SUCCESS", "MIGRATE_FAIL", "SYNC_FAIL",
               "ABORTING", "ABORT", "SKIPPING", "DELETING", "RESETING", "SYNC_F_ROLLBACKING",
               "SYNC_F_ROLLBACK_SUCCESS")
# Request fields as the official SDK's models define them (huaweicloudsdksms 3.1.x attribute_map;
# tests/unit/emulator/test_tasks.py compares them with the installed SDK).
POST_TASK_FIELDS = ("name", "type", "start_target_server", "auto_start", "os_type", "source_server", "target_server",
                    "migration_ip", "region_name", "region_id", "project_name", "project_id", "priority",
                    "vm_template_id", "clonevm_template_id", "use_public_ip", "use_ipv6", "syncing", "exist_server",
                    "start_network_check", "speed_limit", "over_speed_threshold", "is_need_consistency_check",
                    "need_migration_test")
SOURCE_SERVER_BY_TASK_FIELDS = ("id",)
TARGET_SERVER_BY_TASK_FIELDS = ("btrfs_list", "disks", "name", "vm_id", "volume_groups")
TARGET_DISK_FIELDS = ("device_use", "disk_id", "name", "physical_volumes", "size", "used_size")
PHYSICAL_VOLUME_FIELDS = ("device_use", "file_system", "index", "mount_point", "name", "size", "inode_size",
                          "used_size", "uuid")
# UpdateTaskStatusReq, plus ``param`` of the older documents (collect_log's bucket).
ACTION_FIELDS = ("operation", "template_id", "switch_hce", "is_need_consistency_check", "param")
DEVICE_USES = ("BOOT", "OS", "NORMAL", "VOLUME_GROUP", "BTRFS")
REQUIRED_STRINGS = ("region_name", "region_id", "project_name", "project_id")


def validate_list_query(query):
    """GET /v3/tasks query -> keyword arguments of Tasks.list_tasks."""
    for name, low, high in (("name", 0, 255), ("id", 1, 36), ("source_server_id", 1, 36),
                            ("enterprise_project_id", 0, 255)):
        if name in query and not low <= len(query[name]) <= high:
            raise invalid_parameter(name, "must be %d to %d characters" % (low, high))
    if query.get("state") and query["state"] not in TASK_STATES:
        raise invalid_parameter("state", "must be one of " + ", ".join(TASK_STATES))
    return {"state": query.get("state"), "name": query.get("name"), "task_id": query.get("id"),
            "source_server_id": query.get("source_server_id"),
            "enterprise_project_id": query.get("enterprise_project_id"),
            "limit": int_param(query, "limit", 100, 0, 200) or 100,
            "offset": int_param(query, "offset", 0, 0, 65535)}


def _only_fields(value, fields, where):
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise invalid_parameter(where + unknown[0], "is not a field of the request model")


def validate_task_body(body):
    """PostTask as SMS checks it: SDK fields only, required fields, disks (SMS.0515)."""
    if not isinstance(body, dict):
        raise invalid_parameter("body", "must be a JSON object")
    _only_fields(body, POST_TASK_FIELDS, "")
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
    _only_fields(source_ref, SOURCE_SERVER_BY_TASK_FIELDS, "source_server.")
    for field in REQUIRED_STRINGS:
        if not isinstance(body.get(field), str) or not body[field]:
            raise invalid_parameter(field, "required string")
    for field in ("priority", "speed_limit"):
        if field in body and (not isinstance(body[field], int) or isinstance(body[field], bool) or body[field] < 0):
            raise invalid_parameter(field, "must be a non-negative integer")
    target = body.get("target_server")
    if not isinstance(target, dict):
        raise invalid_parameter("target_server", "required object")
    _only_fields(target, TARGET_SERVER_BY_TASK_FIELDS, "target_server.")
    for field in ("name", "vm_id"):
        if not isinstance(target.get(field), str):
            raise invalid_parameter("target_server." + field, "required string")
    if body.get("exist_server") and not target["vm_id"]:
        raise invalid_parameter("target_server.vm_id", "required for an existing server (exist_server)")
    disks = target.get("disks")
    if not isinstance(disks, list) or not disks:
        raise ApiError(400, "SMS.0515", "Missing or invalid disk information: target_server.disks is empty")
    for index, disk in enumerate(disks):
        where = "target_server.disks[%d]." % index
        if not isinstance(disk, dict):
            raise ApiError(400, "SMS.0515", "Missing or invalid disk information: %s is not an object" % where[:-1])
        _only_fields(disk, TARGET_DISK_FIELDS, where)
        if not isinstance(disk.get("name"), str) or not disk["name"]:
            raise ApiError(400, "SMS.0515", "Missing or invalid disk information: %sname" % where)
        if not isinstance(disk.get("size"), int) or disk["size"] <= 0:
            raise ApiError(400, "SMS.0515", "Missing or invalid disk information: %ssize (bytes)" % where)
        if disk.get("device_use") not in (None,) + DEVICE_USES:
            raise invalid_parameter(where + "device_use", "must be one of " + ", ".join(DEVICE_USES))
        for volume_index, volume in enumerate(disk.get("physical_volumes") or []):
            if not isinstance(volume, dict):
                raise invalid_parameter("%sphysical_volumes[%d]" % (where, volume_index), "must be an object")
            _only_fields(volume, PHYSICAL_VOLUME_FIELDS, "%sphysical_volumes[%d]." % (where, volume_index))


def validate_action_body(body):
    _only_fields(body, ACTION_FIELDS, "")
    if not isinstance(body.get("operation"), str):
        raise invalid_parameter("operation", "required string")
