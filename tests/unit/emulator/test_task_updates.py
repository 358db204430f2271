"""PUT /v3/tasks/{id} over HTTP (UpdateTask, PutTaskReq): the fields SMS lets a client change
in place, their checks, and what the stored task shows afterwards."""

import pytest

import huaweicloudsdksms.v3 as sdk

from sms_emulator import task_updates


def _put(emu, task_id, body):
    return emu.client.request("PUT", "/v3/tasks/" + task_id, body=body)


def _sdk_fields(model):
    return {model.attribute_map[attr] for attr in model.openapi_types}


def test_the_field_lists_are_the_sdks():
    assert set(task_updates.PUT_TASK_FIELDS) == _sdk_fields(sdk.PutTaskReq)
    assert set(task_updates.TARGET_SERVER_FIELDS) == _sdk_fields(sdk.TargetServer)
    assert set(task_updates.CLONE_SERVER_FIELDS) == _sdk_fields(sdk.CloneServer)
    assert "start_target_server" not in task_updates.PUT_TASK_FIELDS


def test_an_update_changes_the_stored_task(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    status, answer, _headers = _put(emu, task_id, {
        "name": "renamed-task", "speed_limit": 80, "migration_ip": "192.168.7.7", "use_public_ip": False,
        "vm_template_id": "tmpl-2", "region_name": "cn-north-4", "region_id": "cn-north-4", "project_name": "p",
        "project_id": "f" * 32, "enterprise_project": "eps-1", "image_disk_id": "disk-1",
        "cutovered_snapshot_ids": "snap-1", "target_disk_ids": "d1 d2", "snapshot_ids": "s1;s2", "use_ipv6": False,
        "target_server": {"name": "renamed-target"}, "clone_server": {"name": "clone-x"}})
    assert (status, answer) == (200, {"id": task_id})
    shown = emu.client.request("GET", "/v3/tasks/" + task_id)[1]
    assert (shown["name"], shown["speed_limit"], shown["migration_ip"], shown["vm_template_id"]) == (
        "renamed-task", 80, "192.168.7.7", "tmpl-2")
    assert (shown["region_name"], shown["region_id"], shown["project_name"], shown["project_id"]) == (
        "cn-north-4", "cn-north-4", "p", "f" * 32)
    assert shown["enterprise_project_id"] == "eps-1"
    assert shown["target_server"]["name"] == "renamed-target"
    assert (shown["target_server"]["image_disk_id"], shown["target_server"]["cutovered_snapshot_ids"]) == ("disk-1", "snap-1")
    assert shown["clone_server"] == {"vm_id": None, "name": "clone-x", "clone_state": None, "clone_error": None,
                                     "error_msg": None}
    assert "target_disk_ids" not in shown and "snapshot_ids" not in shown
    # the listing finds it by its new name; the source's current task follows
    listed = emu.client.request("GET", "/v3/tasks", {"name": "renamed-task"})[1]
    assert [task["id"] for task in listed["tasks"]] == [task_id]
    current = emu.client.request("GET", "/v3/sources/" + source_id)[1]["current_task"]
    assert (current["name"], current["use_public_ip"], current["speed_limit"]) == ("renamed-task", False, 80)
    # an empty body changes nothing
    assert _put(emu, task_id, {})[0] == 200
    assert emu.client.request("GET", "/v3/tasks/" + task_id)[1]["name"] == "renamed-task"


def test_exist_server_type_and_the_target_vm(rehearsal):
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    assert _put(emu, task_id, {"type": "MIGRATE_BLOCK", "exist_server": True,
                               "target_server": {"vm_id": "ecs-1", "ip": "192.168.9.9"}})[0] == 200
    stored = emu.store.get_task(task_id)
    assert (stored["type"], stored["exist_server"]) == ("MIGRATE_BLOCK", True)
    assert (stored["target_server"]["vm_id"], stored["target_server"]["ip"]) == ("ecs-1", "192.168.9.9")


@pytest.mark.parametrize("body, field", [
    ({"start_target_server": False}, "start_target_server"),
    ({"syncing": True}, "syncing"),
    ({"name": ""}, "name"),
    ({"name": "n" * 256}, "name"),
    ({"name": 5}, "name"),
    ({"type": "MIGRATE_DISK"}, "type"),
    ({"speed_limit": -1}, "speed_limit"),
    ({"speed_limit": "10"}, "speed_limit"),
    ({"speed_limit": True}, "speed_limit"),
    ({"use_public_ip": "false"}, "use_public_ip"),
    ({"exist_server": 1}, "exist_server"),
    ({"migration_ip": "not-an-ip"}, "migration_ip"),
    ({"migration_ip": "fe80::1"}, "migration_ip"),
    ({"migration_ip": "192.168.0.1", "use_ipv6": True}, "migration_ip"),
    ({"target_server": "x"}, "target_server"),
    ({"target_server": {"password": "x"}}, "target_server.password"),
    ({"target_server": {"name": 3}}, "target_server.name"),
    ({"clone_server": {"clone_state": 1}}, "clone_server.clone_state"),
    ({"clone_server": {"ip": "x"}}, "clone_server.ip"),
])
def test_bad_bodies_name_the_field(rehearsal, body, field):
    _source_id, task_id = rehearsal.syncing()
    before = rehearsal.store.get_task(task_id)
    status, answer, _headers = _put(rehearsal, task_id, body)
    assert (status, answer["error_code"]) == (400, "SMS.6101"), answer
    assert field in answer["error_msg"]
    assert rehearsal.store.get_task(task_id)["name"] == before["name"]


def test_ipv6_migration_ip_with_use_ipv6(rehearsal):
    _source_id, task_id = rehearsal.syncing()
    assert _put(rehearsal, task_id, {"migration_ip": "fd00::5", "use_ipv6": True})[0] == 200
    assert rehearsal.store.get_task(task_id)["migration_ip"] == "fd00::5"


def test_an_unknown_task(rehearsal):
    status, answer, _headers = _put(rehearsal, "no-such-task", {"name": "x"})
    assert (status, answer["error_code"]) == (404, "SMS.0404")


def test_the_body_must_be_an_object(rehearsal):
    _source_id, task_id = rehearsal.syncing()
    status, answer, _headers = rehearsal.client.request("PUT", "/v3/tasks/" + task_id, body=b"[1]")
    assert (status, answer["error_code"]) == (400, "SMS.6101")
