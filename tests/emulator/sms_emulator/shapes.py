"""The fields of the answers the emulator shapes, as the official SDK's models
(huaweicloudsdksms 3.1.219) declare them, named after those models.

The engine keeps its records as it likes; an answer goes out through ``shape(value, model)``,
which keeps the model's fields (and the fields ``inferences.INFERENCES`` lists for that model)
and drops the rest. No SDK import at run time: the emulator is stdlib only.
``tests/unit/emulator/test_sdk_conformance.py`` proves every set below equal to the installed
SDK's model and every answer of every route within its model.
"""

from .inferences import inferred_fields

SDK_VERSION = "3.1.219"  # the huaweicloudsdksms these sets were written from


def _model(names, **nested):
    """Field name -> model of its value (None: a scalar, or a value served as stored)."""
    fields = dict.fromkeys(names.split())
    fields.update(nested)
    return fields


_NETWORK_CHECK = "network_check_info"
MODELS = {
    # GET /v3/tasks items
    "TasksResponseBody": _model(
        "id name type os_type state estimate_complete_time create_date priority speed_limit migrate_speed "
        "compress_rate start_target_server error_json total_time migration_ip enterprise_project_id "
        "log_collect_status syncing special_config total_cpu_usage agent_cpu_usage total_mem_usage "
        "agent_mem_usage total_disk_io agent_disk_io need_migration_test subtask_info " + _NETWORK_CHECK,
        sub_tasks="SubTaskAssociatedWithTask", source_server="SourceServerAssociatedWithTask",
        target_server="TargetServerAssociatedWithTask", clone_server="CloneServerBrief"),
    "SubTaskAssociatedWithTask": _model("id name progress start_date end_date process_trace"),
    "SourceServerAssociatedWithTask": _model("id ip name os_type os_version oem_system state"),
    "TargetServerAssociatedWithTask": _model("id vm_id name ip os_type os_version"),
    "CloneServerBrief": _model("vm_id name"),
    # GET /v3/tasks/{task_id}
    "ShowTaskResponse": _model(
        "name type os_type id priority speed_limit region_id start_target_server enterprise_project_id "
        "migration_ip region_name project_name project_id vm_template_id state estimate_complete_time connected "
        "create_date start_date finish_date migrate_speed compress_rate error_json total_time float_ip "
        "remain_seconds target_snapshot_id total_cpu_usage agent_cpu_usage total_mem_usage agent_mem_usage "
        "total_disk_io agent_disk_io need_migration_test subtask_info " + _NETWORK_CHECK,
        source_server="SourceServerResponse", target_server="TaskTargetServer", clone_server="CloneServer",
        sub_tasks="SubTask"),
    "SourceServerResponse": _model("id ip name os_type os_version oem_system state migration_cycle"),
    "TaskTargetServer": _model("id vm_id name ip os_type os_version system_dir volume_groups btrfs_list "
                               "image_disk_id cutovered_snapshot_ids", disks="TargetDisk"),
    "TargetDisk": _model("id device_use disk_id name size used_size disk_index os_disk partition_style "
                         "relation_name", physical_volumes="TargetPhysicalVolumes"),
    "TargetPhysicalVolumes": _model("id device_use file_system index mount_point name size used_size uuid "
                                    "relation_name free_size"),
    "SubTask": _model("id name progress start_date end_date migrate_speed user_op process_trace"),
    "CloneServer": _model("vm_id name clone_error clone_state error_msg"),
    # current_task of GET /v3/sources items, and of GET /v3/sources/{source_id}
    "TaskByServerSources": _model(
        "id name type state estimate_complete_time start_date speed_limit migrate_speed compress_rate "
        "start_target_server vm_template_id region_id project_name project_id log_collect_status exist_server "
        "use_public_ip remain_seconds log_bucket log_expire log_upload_time log_share_url subtask_info",
        target_server="TargetServerById", clone_server="CloneServer"),
    "TaskByServerSource": _model(
        "id name type state start_date speed_limit migrate_speed start_target_server vm_template_id region_id "
        "project_name project_id log_collect_status exist_server use_public_ip subtask_info",
        target_server="TargetServerById", clone_server="CloneServer"),
    "TargetServerById": _model("vm_id name"),
    # GET /v3/sources/{source_id}
    "ShowServerResponse": _model(
        "id ip name hostname enterprise_project_id add_date os_type os_version oem_system state connected firmware "
        "init_target_server cpu_quantity memory volume_groups btrfs_list networks checks migration_cycle "
        "state_action_time replicatesize totalsize last_visit_time stage_action_time agent_version has_tc "
        "start_type", current_task="TaskByServerSource", disks="ServerDisk"),
    "ServerDisk": _model("name partition_style device_use size used_size physical_volumes os_disk relation_name "
                         "inode_size"),
    # GET /v3/migprojects/{mig_project_id}
    "ShowMigprojectResponse": _model("name description isdefault region start_target_server speed_limit "
                                     "use_public_ip exist_server type enterprise_project syncing "
                                     "start_network_check"),
}
_INFERRED = frozenset(inferred_fields())


def shape(value, model):
    """``value`` (a record or a list of records) with only the fields of ``model``, recursively."""
    if isinstance(value, list):
        return [shape(item, model) for item in value]
    if not isinstance(value, dict):
        return value
    fields = MODELS[model]
    return dict((key, shape(item, fields[key]) if fields.get(key) else item) for key, item in value.items()
                if key in fields or (model, key) in _INFERRED)
