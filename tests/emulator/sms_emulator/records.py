"""Shapes of SMS records (source servers, tasks, checks) and the documented enums."""

SOURCE_STATES = (
    "unavailable", "waiting", "initialize", "replicate", "syncing", "stopping", "stopped",
    "skipping", "deleting", "clearing", "cleared", "clearfailed", "premigready", "premiging",
    "premiged", "premigfailed", "cloning", "cutovering", "finished", "error",
)
MIGRATION_CYCLES = ("checking", "setting", "replicating", "syncing", "cutovering", "cutovered")
CHANGESTATE_CYCLES = MIGRATION_CYCLES + ("no_ready", "ready_for_test", "testing", "tested")
# PUT .../changestate is silently ignored in these source states (B.6).
CHANGESTATE_FROZEN = ("unavailable", "stopping", "stopped", "deleting", "finished", "clearing", "clearfailed")
TASK_TYPES = ("MIGRATE_FILE", "MIGRATE_BLOCK")
OS_TYPES = ("WINDOWS", "LINUX")
OVERVIEW_KEYS = ("waiting", "replicate", "syncing", "stopped", "deleting", "cutovering", "unavailable",
                 "stopping", "skipping", "finished", "initialize", "error", "cloning", "unconfigured")
# Source states in which a task counts as running (DELETE /v3/tasks/{id} refused, B.9).
RUNNING_SOURCE_STATES = ("initialize", "stopping", "deleting", "cloning", "replicate", "syncing",
                         "cutovering", "skipping", "clearing", "premiging")

LINUX_CHECKS = ("OS_VERSION", "CPU", "MEMORY", "PARAVIRTUALIZATION", "FIRMWARE", "BOOT_LOADER", "RSYNC",
                "RAW_DEVICES", "DISK_INFO", "PARTITION_STYLE", "FILE_SYSTEM", "LINUX_BLOCK_SUPPORT")
WINDOWS_CHECKS = ("OS_VERSION", "FIRMWARE", "CPU", "MEMORY", "SYSTEM_ROOT", "PARTITION_STYLE", "FILE_SYSTEM",
                  "FREE_SPACE", "OEM_SYSTEM", "DRIVER_FILE", "SERVICE", "ACCOUNT_RIGHTS")
# error codes reported on failed/warned checks (seen in the seed or INFERENCE)
CHECK_ERROR_CODES = {"OS_VERSION": "SMS.6504", "RSYNC": "SMS.6517", "LINUX_BLOCK_SUPPORT": "SMS.6617",
                     "BOOT_LOADER": "SMS.6520", "DRIVER_FILE": "SMS.6530", "SERVICE": "SMS.6531",
                     "ACCOUNT_RIGHTS": "SMS.6532", "FREE_SPACE": "SMS.6540", "DISK_INFO": "SMS.6541",
                     "PARAVIRTUALIZATION": "SMS.6515", "RAW_DEVICES": "SMS.6516"}

SHOW_ONLY_FIELDS = ("hostname", "firmware", "disks", "volume_groups", "btrfs_list", "networks", "agent_version")


def check(check_id, name, result="OK"):
    """One EnvironmentCheck in the seed's shape."""
    return {"id": check_id, "params": [""], "name": name, "result": result,
            "error_code": None if result == "OK" else CHECK_ERROR_CODES.get(name, "SMS.6599"),
            "error_params": ""}


def source_record(**fields):
    """A ListServers record (SourceServersResponseBody) with every documented field, seed order."""
    record = {
        "id": None, "ip": None, "name": None, "enterprise_project_id": "0", "add_date": None,
        "os_type": None, "os_version": None, "oem_system": False, "state": "waiting", "connected": True,
        "cpu_quantity": 2, "memory": 4294967296, "current_task": None, "checks": [],
        "init_target_server": {"disks": [], "volume_groups": []}, "replicatesize": 0,
        "stage_action_time": None, "totalsize": 0, "last_visit_time": None, "migration_cycle": "checking",
        "state_action_time": None, "is_consistency_result_exist": False, "has_tc": True, "start_type": "MANUAL",
    }
    record.update(fields)
    return record


def task_summary(task):
    """current_task of a source record (TaskByServerSources) from a stored task."""
    return {
        "id": task["id"], "name": task["name"], "type": task["type"], "state": task["state"],
        "estimate_complete_time": task.get("estimate_complete_time"), "start_date": task.get("start_date"),
        "speed_limit": task.get("speed_limit", 0), "migrate_speed": task.get("migrate_speed", 0.0),
        "start_target_server": task.get("start_target_server", True),
        "vm_template_id": task.get("vm_template_id"), "region_id": task.get("region_id"),
        "project_name": task.get("project_name"), "project_id": task.get("project_id"),
        "target_server": {"vm_id": task["target_server"].get("vm_id"), "name": task["target_server"].get("name")},
        "log_collect_status": task.get("log_collect_status", "INIT"), "exist_server": task.get("exist_server", False),
        "use_public_ip": task.get("use_public_ip", True), "clone_server": task.get("clone_server"),
        "remain_seconds": task.get("remain_seconds"), "compress_rate": task.get("compress_rate", 0.0),
        "log_bucket": task.get("log_bucket"), "log_expire": None, "log_upload_time": None, "log_share_url": None,
    }


def task_record(**fields):
    """A stored task (ShowTaskResponse fields; source_server is filled in when served)."""
    record = {
        "id": None, "name": None, "type": "MIGRATE_FILE", "os_type": None, "priority": 1, "speed_limit": 0,
        "region_id": None, "region_name": None, "project_name": None, "project_id": None,
        "start_target_server": True, "enterprise_project_id": "0", "migration_ip": None, "vm_template_id": None,
        "source_server": {"id": None}, "target_server": {"vm_id": None, "name": None, "disks": []},
        "state": "READY", "estimate_complete_time": None, "connected": True, "create_date": None,
        "start_date": None, "finish_date": None, "migrate_speed": 0.0, "compress_rate": 0.0, "error_json": "",
        "total_time": 0, "float_ip": None, "remain_seconds": None, "target_snapshot_id": None, "clone_server": None,
        "sub_tasks": [], "network_check_info": None, "total_cpu_usage": 0.0, "agent_cpu_usage": 0.0,
        "total_mem_usage": 0.0, "agent_mem_usage": 0.0, "total_disk_io": 0.0, "agent_disk_io": 0.0,
        "need_migration_test": False, "subtask_info": "", "log_collect_status": "INIT", "syncing": False,
        "use_public_ip": True, "exist_server": False, "log_bucket": None,
    }
    record.update(fields)
    return record
