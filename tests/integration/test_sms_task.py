# -*- coding: utf-8 -*-
"""sms_task end to end: ansible-playbook -> module -> shared client -> emulator."""

import json

import pytest

from sms_emulator import Emulator
from support.ansible import emulator_env, run_module, run_playbook
from support.fleet import take_fresh_sources

huaweicloudsdksms = pytest.importorskip("huaweicloudsdksms.v3.model")


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=40, seed=11, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_env(emu, HUAWEICLOUD_REGION=emu.region)


_fresh_sources = take_fresh_sources


def _task_posts(emu):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"] == "/v3/tasks"]


def _assert_sdk_fields(body):
    """Every key of a PostTask body is a field of the SDK's models, nested ones too."""
    models = huaweicloudsdksms
    assert set(body) <= set(models.PostTask.attribute_map), set(body) - set(models.PostTask.attribute_map)
    assert set(body["source_server"]) <= set(models.SourceServerByTask.attribute_map)
    target = body["target_server"]
    assert set(target) <= set(models.TargetServerByTask.attribute_map)
    for disk in target["disks"]:
        assert set(disk) <= set(models.TargetDisks.attribute_map)
        for volume in disk.get("physical_volumes") or ():
            assert set(volume) <= set(models.PhysicalVolumes.attribute_map)
    # Fields the SDK marks required are there.
    for required in ("name", "type", "source_server", "target_server", "region_name", "region_id",
                     "project_name", "project_id"):
        assert body[required], required
    assert "name" in target and "vm_id" in target and target["disks"]


def test_creates_one_task_per_source_and_a_second_run_changes_nothing(emu, env):
    source = _fresh_sources(emu, 1, os_type="LINUX")[0]
    args = {"source_name": source["name"], "template_id": "tmpl-web", "syncing": True, "priority": "high"}
    emu.clear_request_log()
    first = run_module("sms_task", args, env=env)
    assert not first.get("failed"), first
    assert first["changed"] is True and first["outcome"] == "created"
    task = emu.store.get_task(first["task"]["id"])
    assert task["source_server"]["id"] == source["id"]
    assert first["phase"] == "ready" and first["task"]["state"] == "READY"
    assert task["vm_template_id"] == "tmpl-web" and task["syncing"] is True and task["priority"] == 2
    assert task["type"] == "MIGRATE_FILE"  # Linux default
    # Disks copied from the source's recommended target layout.
    assert task["target_server"]["disks"] == [
        dict((k, d[k]) for k in ("name", "size", "device_use", "physical_volumes") if k in d)
        for d in source["init_target_server"]["disks"]]
    posts = _task_posts(emu)
    assert len(posts) == 1
    _assert_sdk_fields(first["request"]["body"])
    assert first["request"]["body"]["region_id"] == emu.region and first["request"]["body"]["project_id"] == emu.project_id

    second = run_module("sms_task", args, env=env)
    assert not second.get("failed"), second
    assert second["changed"] is False and second["outcome"] == "unchanged"
    assert second["task"]["id"] == first["task"]["id"]
    assert len(_task_posts(emu)) == 1
    count, tasks = emu.store.list_tasks(source_server_id=source["id"])
    assert count == 1


def test_windows_defaults_to_block_and_disk_overrides_apply_by_name(emu, env):
    source = _fresh_sources(emu, 1, os_type="WINDOWS")[0]
    boot = source["init_target_server"]["disks"][0]["name"]
    result = run_module("sms_task", {
        "source_id": source["id"], "target_server_id": "ecs-123", "target_server_name": "win-new",
        "migration_ip": "192.168.0.9", "name": "win_task-1",
        "target_disks": [{"name": boot, "size_gb": 120, "disk_id": "evs-1"}]}, env=env)
    assert not result.get("failed"), result
    body = result["request"]["body"]
    _assert_sdk_fields(body)
    assert body["type"] == "MIGRATE_BLOCK" and body["exist_server"] is True
    assert body["target_server"]["vm_id"] == "ecs-123" and body["target_server"]["name"] == "win-new"
    source_disk = source["init_target_server"]["disks"][0]
    assert body["target_server"]["disks"][0] == dict(name=boot, size=120 * 1024 ** 3, disk_id="evs-1",
                                                     device_use=source_disk["device_use"],
                                                     physical_volumes=source_disk["physical_volumes"])
    task = emu.store.get_task(result["task"]["id"])
    assert task["target_server"]["disks"][0]["size"] == 120 * 1024 ** 3


def test_check_and_diff_mode_send_nothing_and_show_the_body(emu, env):
    source = _fresh_sources(emu, 1)[0]
    emu.clear_request_log()
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": [
        {"name": "create", "hwcloud.sms.sms_task": {"source_id": source["id"], "template_id": "t-1"},
         "check_mode": True, "diff": True, "register": "planned"}]}]
    run = run_playbook(json.dumps(playbook) + "\n", env=env)
    result = run.result("create")
    assert result["changed"] is True and result["outcome"] == "created"
    assert result["diff"]["before"] == {} and result["diff"]["after"] == result["request"]["body"]
    assert result["task"]["phase"] == "ready" and result["task"]["id"] is None
    assert [e["method"] for e in emu.request_log()] == ["GET", "GET"]  # the source, its tasks
    assert emu.store.get_source_record(source["id"])["current_task"] is None


def test_immutable_difference_fails_with_a_diff_before_sending(emu, env):
    source = _fresh_sources(emu, 1)[0]
    created = run_module("sms_task", {"source_id": source["id"], "template_id": "t-1"}, env=env)
    assert created["changed"], created
    emu.clear_request_log()
    result = run_module("sms_task", {"source_id": source["id"], "template_id": "t-2", "priority": "high"}, env=env)
    assert result.get("failed")
    assert "cannot change after creation" in result["msg"] and "template_id 't-1' -> 't-2'" in result["msg"]
    assert "priority 1 -> 2" in result["msg"]
    assert result["diff"] == {"before": {"template_id": "t-1", "priority": 1},
                              "after": {"template_id": "t-2", "priority": 2}}
    assert all(e["method"] == "GET" for e in emu.request_log())


def test_start_creates_with_auto_start_and_starts_an_existing_ready_task(emu, env):
    first, second = _fresh_sources(emu, 2)
    started = run_module("sms_task", {"source_id": first["id"], "template_id": "t", "start": True}, env=env)
    assert started["changed"] and started["request"]["body"]["auto_start"] is True
    assert started["phase"] == "replicating" and emu.store.pending_command(first["id"])["command_name"] == "START"

    ready = run_module("sms_task", {"source_id": second["id"], "template_id": "t"}, env=env)
    assert ready["phase"] == "ready"
    again = run_module("sms_task", {"source_id": second["id"], "template_id": "t", "start": True}, env=env)
    assert again["changed"] and again["outcome"] == "started" and again["phase"] == "replicating"
    assert again["request"]["body"] == {"operation": "start"}
    third = run_module("sms_task", {"source_id": second["id"], "template_id": "t", "start": True}, env=env)
    assert third["changed"] is False and third["outcome"] == "unchanged"


def test_absent_refuses_a_running_task_unless_forced(emu, env):
    source = _fresh_sources(emu, 1)[0]
    created = run_module("sms_task", {"source_id": source["id"], "template_id": "t", "start": True}, env=env)
    task_id = created["task"]["id"]
    emu.store.report_command_result(source["id"], {"command_name": "START", "result": "success", "result_detail": {}})
    emu.clear_request_log()
    refused = run_module("sms_task", {"source_id": source["id"], "state": "absent"}, env=env)
    assert refused.get("failed") and "is replicating" in refused["msg"] and "force=true" in refused["msg"]
    assert all(e["method"] == "GET" for e in emu.request_log())
    assert emu.store.get_task(task_id) is not None

    # force: stop, wait for the agent to acknowledge, delete. The agent answers in a thread.
    import threading
    import time

    def agent():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pending = emu.store.pending_command(source["id"])
            if pending and pending["command_name"] == "STOP":
                emu.store.report_command_result(source["id"], {"command_name": "STOP", "result": "success", "result_detail": {}})
                return
            time.sleep(0.05)
    thread = threading.Thread(target=agent)
    thread.start()
    forced = run_module("sms_task", {"source_id": source["id"], "state": "absent", "force": True,
                                     "stop_timeout": 30}, env=env)
    thread.join()
    assert not forced.get("failed"), forced
    assert forced["changed"] is True and forced["outcome"] == "deleted" and forced["task"] is None
    assert emu.store.get_task(task_id) is None
    methods = [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]
    assert methods == [("POST", "/v3/tasks/%s/action" % task_id), ("DELETE", "/v3/tasks/%s" % task_id)]
    gone = run_module("sms_task", {"source_id": source["id"], "state": "absent"}, env=env)
    assert gone["changed"] is False and gone["outcome"] == "absent"


def test_a_wave_is_checked_as_a_whole_and_every_problem_is_reported_in_one_pass(emu, env):
    good, twin_a, disconnected = _fresh_sources(emu, 2) + _fresh_sources(emu, 1, connected=False)
    windows = _fresh_sources(emu, 1, os_type="WINDOWS")[0]
    emu.clear_request_log()
    rows = [
        {"source_name": good["name"], "template_id": "t"},
        {"source_id": good["id"], "template_id": "t", "priority": "urgent"},  # the same source twice, a bad value
        {"source_name": "no-such-server", "template_id": "t", "syncing": "perhaps"},
        {"source_ip": twin_a["ip"], "target_server_id": "ecs-1", "target_server_name": "x"},
        {"source_name": disconnected["name"], "target_server_id": "ecs-1", "target_server_name": "y"},
        {"source_name": windows["name"], "template_id": "t", "name": "bad name!", "type": "MIGRATE_FILE"},
        {"template_id": "t", "speed_limit": "fast", "colour": "red"},
        {"source_name": good["name"], "source_ip": twin_a["ip"], "template_id": "t"},  # two servers on one row
    ]
    result = run_module("sms_task", {"tasks": rows}, env=env)
    assert result.get("failed")
    # Value problems no longer stop the check before the sources are looked up: one pass, every problem.
    assert sorted((p["row"], str(p["option"]), p["kind"]) for p in result["row_problems"]) == sorted([
        (2, "priority", "value"), (2, "source_id", "sms"),
        (3, "syncing", "value"), (3, "source_name", "sms"),
        (5, "target_server_id", "sms"), (5, "None", "sms"),
        (6, "name", "value"), (6, "type", "sms"),
        (7, "colour", "value"), (7, "speed_limit", "value"), (7, "None", "value"),
        (8, "source_ip", "sms"),
    ]), result["row_problems"]
    by_row = dict(((p["row"], p["option"]), p["msg"]) for p in result["row_problems"])
    assert by_row[(2, "priority")] == "priority must be one of high, low, standard, got 'urgent'"
    assert by_row[(2, "source_id")].endswith("is already planned in row 1 (source_name %s)" % good["name"])
    assert by_row[(3, "source_name")] == "no source server has name 'no-such-server'"
    assert by_row[(5, "target_server_id")] == "target server ecs-1 is also the target of row 4 (source_ip %s)" % twin_a["ip"]
    assert "is not connected" in by_row[(5, None)]
    assert "supports only MIGRATE_BLOCK" in by_row[(6, "type")]
    assert by_row[(7, "colour")].startswith("unknown key colour")
    assert by_row[(8, "source_ip")].startswith("ip %r is source server %s" % (twin_a["ip"], twin_a["name"]))
    # The strings for direct users carry the row labels.
    assert "row 3 (source_name no-such-server): no source server has name 'no-such-server'" in result["problems"]
    assert len(result["problems"]) == len(result["row_problems"])
    assert not [e for e in emu.request_log() if e["method"] != "GET"]


def test_a_wave_in_one_call_lists_sources_and_tasks_once(emu, env):
    sources = _fresh_sources(emu, 6)
    emu.clear_request_log()
    rows = [{"source_name": s["name"], "template_id": "t"} for s in sources]
    result = run_module("sms_task", {"tasks": rows, "syncing": True}, env=env)
    assert not result.get("failed"), result
    assert result["summary"] == {"created": 6}
    assert [item["source_id"] for item in result["results"]] == [s["id"] for s in sources]
    assert all(item["task"]["syncing"] is True and item["phase"] == "ready" for item in result["results"])
    gets = [e for e in emu.request_log() if e["method"] == "GET"]
    assert len(_task_posts(emu)) == 6
    assert len(gets) <= 4, gets  # sources: one page; tasks: one page before, one after
    again = run_module("sms_task", {"tasks": rows, "syncing": True}, env=env)
    assert again["changed"] is False and again["summary"] == {"unchanged": 6}
    assert len(_task_posts(emu)) == 6


@pytest.mark.parametrize("value", ["nan", "inf", 0])
def test_stop_timeout_must_be_finite_and_positive_before_any_request(emu, env, value):
    emu.clear_request_log()
    result = run_module("sms_task", {"source_id": "any", "state": "absent", "force": True, "stop_timeout": value},
                        env=env)
    assert result.get("failed") and "stop_timeout must be a finite number of seconds greater than 0" in result["msg"]
    assert emu.request_log() == []


def test_task_names_follow_the_name_rule_of_templates_and_projects(emu, env):
    emu.clear_request_log()
    # U+9FB0 is past U+9FA5, the end of the Chinese characters SMS allows in names (NAME_RE)
    result = run_module("sms_task", {"source_id": "any", "template_id": "t", "name": u"app-\u9fb0"}, env=env)
    assert result.get("failed") and "may only hold letters, digits, Chinese characters" in result["msg"], result
    assert "no source server has id 'any'" in result["msg"]  # looked up in the same pass
    assert [e["method"] for e in emu.request_log()] == ["GET"]


def test_missing_region_is_a_clear_error(emu):
    source = _fresh_sources(emu, 1)[0]
    result = run_module("sms_task", {"source_id": source["id"], "template_id": "t"}, env=emulator_env(emu))
    assert result.get("failed") and "region" in result["msg"]
    assert emu.store.get_source_record(source["id"])["current_task"] is None
