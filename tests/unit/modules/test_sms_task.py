# -*- coding: utf-8 -*-
"""sms_task's logic in process (tests/support/module_runner.py) against the emulator over real
HTTP: creation, comparison, start, deletion, waves, checks before any write, settings and
migration projects. Moved from tests/integration/test_sms_task.py and test_sms_task_settings.py,
every assertion kept; what needs ansible-playbook itself stays there."""

import json
import threading
import time

import pytest

from sms_emulator import Emulator
from support.fleet import take_fresh_sources
from support.module_runner import emulator_args, run_module

WINDOWS = [{"start": "08:00", "end": "18:00", "speed": 100, "over_speed_threshold": 20}]
NIGHT = [{"start": "00:00", "end": "06:00", "speed": 1000}, {"start": "08:00", "end": "18:00", "speed": 50}]


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=40, seed=11, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _no_region_from_the_environment(monkeypatch):
    # The region comes from the arguments only, so that the missing-region test means what it says.
    monkeypatch.delenv("HUAWEICLOUD_REGION", raising=False)


def _task(emu, args, **keywords):
    """sms_task in process with the emulator's connection and region."""
    return run_module("sms_task", emulator_args(emu, region=emu.region, **args), **keywords)


_fresh_sources = take_fresh_sources


def _task_posts(emu):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"] == "/v3/tasks"]


def _assert_sdk_fields(body):
    """Every key of a PostTask body is a field of the SDK's models, nested ones too."""
    models = pytest.importorskip("huaweicloudsdksms.v3.model")
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


def test_creates_one_task_per_source_and_a_second_run_changes_nothing(emu):
    source = _fresh_sources(emu, 1, os_type="LINUX")[0]
    args = {"source_name": source["name"], "template_id": "tmpl-web", "syncing": True, "priority": "high"}
    emu.clear_request_log()
    first = _task(emu, args)
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

    second = _task(emu, args)
    assert not second.get("failed"), second
    assert second["changed"] is False and second["outcome"] == "unchanged"
    assert second["task"]["id"] == first["task"]["id"]
    assert len(_task_posts(emu)) == 1
    count, _tasks = emu.store.list_tasks(source_server_id=source["id"])
    assert count == 1


def test_windows_defaults_to_block_and_disk_overrides_apply_by_name(emu):
    source = _fresh_sources(emu, 1, os_type="WINDOWS")[0]
    boot = source["init_target_server"]["disks"][0]["name"]
    result = _task(emu, {
        "source_id": source["id"], "target_server_id": "ecs-123", "target_server_name": "win-new",
        "migration_ip": "192.168.0.9", "name": "win_task-1",
        "target_disks": [{"name": boot, "size_gb": 120, "disk_id": "evs-1"}]})
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


def test_immutable_difference_fails_with_a_diff_before_sending(emu):
    source = _fresh_sources(emu, 1)[0]
    created = _task(emu, {"source_id": source["id"], "template_id": "t-1"})
    assert created["changed"], created
    emu.clear_request_log()
    result = _task(emu, {"source_id": source["id"], "template_id": "t-2", "priority": "high"})
    assert result.get("failed")
    # The template of a ready task could change in place, the priority cannot: nothing is sent.
    assert "cannot change now" in result["msg"] and "template_id 't-1' -> 't-2' (updated in place)" in result["msg"]
    assert "priority 1 -> 2 (needs recreate)" in result["msg"] and "state=absent" in result["msg"]
    assert result["diff"] == {"before": {"template_id": "t-1", "priority": 1},
                              "after": {"template_id": "t-2", "priority": 2},
                              "before_header": "task %s" % created["task"]["id"],
                              "after_header": "updated in place: template_id; needs recreate: priority"}
    assert [(d["option"], d["change"]) for d in result["differences"]] == [
        ("priority", "needs recreate"), ("template_id", "updated in place")]
    assert all(e["method"] == "GET" for e in emu.request_log())


def test_start_creates_with_auto_start_and_starts_an_existing_ready_task(emu):
    first, second = _fresh_sources(emu, 2)
    started = _task(emu, {"source_id": first["id"], "template_id": "t", "start": True})
    assert started["changed"] and started["request"]["body"]["auto_start"] is True
    assert started["phase"] == "replicating" and emu.store.pending_command(first["id"])["command_name"] == "START"

    ready = _task(emu, {"source_id": second["id"], "template_id": "t"})
    assert ready["phase"] == "ready"
    again = _task(emu, {"source_id": second["id"], "template_id": "t", "start": True})
    assert again["changed"] and again["outcome"] == "started" and again["phase"] == "replicating"
    assert again["request"]["body"] == {"operation": "start"}
    third = _task(emu, {"source_id": second["id"], "template_id": "t", "start": True})
    assert third["changed"] is False and third["outcome"] == "unchanged"


def test_absent_refuses_a_running_task_unless_forced(emu):
    source = _fresh_sources(emu, 1)[0]
    created = _task(emu, {"source_id": source["id"], "template_id": "t", "start": True})
    task_id = created["task"]["id"]
    emu.store.report_command_result(source["id"], {"command_name": "START", "result": "success", "result_detail": {}})
    emu.clear_request_log()
    refused = _task(emu, {"source_id": source["id"], "state": "absent"})
    assert refused.get("failed") and "is replicating" in refused["msg"] and "force=true" in refused["msg"]
    assert all(e["method"] == "GET" for e in emu.request_log())
    assert emu.store.get_task(task_id) is not None

    # force: stop, wait for the agent to acknowledge, delete. The agent answers in a thread.
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
    forced = _task(emu, {"source_id": source["id"], "state": "absent", "force": True, "stop_timeout": 30})
    thread.join()
    assert not forced.get("failed"), forced
    assert forced["changed"] is True and forced["outcome"] == "deleted" and forced["task"] is None
    assert emu.store.get_task(task_id) is None
    methods = [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]
    assert methods == [("POST", "/v3/tasks/%s/action" % task_id), ("DELETE", "/v3/tasks/%s" % task_id)]
    gone = _task(emu, {"source_id": source["id"], "state": "absent"})
    assert gone["changed"] is False and gone["outcome"] == "absent"


def test_a_task_that_does_not_stop_in_time_is_not_deleted(emu):
    source = _fresh_sources(emu, 1)[0]
    created = _task(emu, {"source_id": source["id"], "template_id": "t", "start": True})
    task_id = created["task"]["id"]
    emu.store.report_command_result(source["id"], {"command_name": "START", "result": "success", "result_detail": {}})
    emu.clear_request_log()
    started = time.monotonic()
    result = _task(emu, {"source_id": source["id"], "state": "absent", "force": True, "stop_timeout": 0.5})
    assert time.monotonic() - started < 10
    assert result.get("failed") and result["outcome"] == "failed" and result["attempted"] == "deleted"
    assert "task %s did not stop within 0 seconds (phase stopping, state ABORTING)" % task_id in result["msg"], result["msg"]
    assert emu.store.get_task(task_id) is not None
    assert [e["method"] for e in emu.write_requests()] == ["POST"]  # the stop, no DELETE


def test_a_wave_is_checked_as_a_whole_and_every_problem_is_reported_in_one_pass(emu):
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
    result = _task(emu, {"tasks": rows})
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
    # Ansible's own type check of the row's value, with the row in the label and the option in row_problems.
    assert by_row[(2, "priority")] == "value of priority must be one of: high, low, standard, got: urgent"
    assert "syncing" in by_row[(3, "syncing")] and "bool" in by_row[(3, "syncing")]
    assert "speed_limit" in by_row[(7, "speed_limit")] and "int" in by_row[(7, "speed_limit")]
    assert by_row[(2, "source_id")].endswith("is already planned in row 1 (source_name %s)" % good["name"])
    assert by_row[(3, "source_name")] == "no source server has name 'no-such-server'"
    assert by_row[(5, "target_server_id")] == "target server ecs-1 is also the target of row 4 (source_ip %s)" % twin_a["ip"]
    assert "is not connected" in by_row[(5, None)]
    assert "supports only MIGRATE_BLOCK" in by_row[(6, "type")]
    assert by_row[(7, "colour")].startswith("unknown key colour")
    assert by_row[(8, "source_ip")].startswith("ip %r is source server %s" % (twin_a["ip"], twin_a["name"]))
    # The strings for direct users carry the row labels.
    assert "row 3 (source_name no-such-server): no source server has name 'no-such-server'" in result["problems"]
    assert "row 2 (source_id %s): value of priority must be one of: high, low, standard, got: urgent" % good["id"] \
        in result["problems"]
    assert len(result["problems"]) == len(result["row_problems"])
    assert not [e for e in emu.request_log() if e["method"] != "GET"]


def test_a_wave_in_one_call_lists_sources_and_tasks_once(emu):
    sources = _fresh_sources(emu, 6)
    emu.clear_request_log()
    rows = [{"source_name": s["name"], "template_id": "t"} for s in sources]
    result = _task(emu, {"tasks": rows, "syncing": True})
    assert not result.get("failed"), result
    assert result["summary"] == {"created": 6}
    assert [item["source_id"] for item in result["results"]] == [s["id"] for s in sources]
    assert all(item["task"]["syncing"] is True and item["phase"] == "ready" for item in result["results"])
    gets = [e for e in emu.request_log() if e["method"] == "GET"]
    assert len(_task_posts(emu)) == 6
    assert len(gets) <= 4, gets  # sources: one page; tasks: one page before, one after
    again = _task(emu, {"tasks": rows, "syncing": True})
    assert again["changed"] is False and again["summary"] == {"unchanged": 6}
    assert len(_task_posts(emu)) == 6


@pytest.mark.parametrize("value", ["nan", "inf", 0])
def test_stop_timeout_must_be_finite_and_positive_before_any_request(emu, value):
    emu.clear_request_log()
    result = _task(emu, {"source_id": "any", "state": "absent", "force": True, "stop_timeout": value})
    assert result.get("failed") and "stop_timeout must be a finite number of seconds greater than 0" in result["msg"]
    assert emu.request_log() == []


@pytest.mark.parametrize("args, message", [
    ({"workers": 0}, "workers must be between 1 and 32, got 0"),
    ({"workers": 33}, "workers must be between 1 and 32, got 33"),
    ({"tasks": []}, "tasks must list at least one row"),
])
def test_call_options_are_checked_before_any_request(emu, args, message):
    emu.clear_request_log()
    result = _task(emu, dict({"source_id": "any"} if "tasks" not in args else {}, **args))
    assert result.get("failed") and message in result["msg"], result
    assert emu.request_log() == []


def test_task_names_follow_the_name_rule_of_templates_and_projects(emu):
    emu.clear_request_log()
    # U+9FB0 is past U+9FA5, the end of the Chinese characters SMS allows in names (NAME_RE)
    result = _task(emu, {"source_id": "any", "template_id": "t", "name": u"app-\u9fb0"})
    assert result.get("failed") and "may only hold letters, digits, Chinese characters" in result["msg"], result
    assert "no source server has id 'any'" in result["msg"]  # looked up in the same pass
    assert [e["method"] for e in emu.request_log()] == ["GET"]


def test_missing_region_is_a_clear_error(emu):
    source = _fresh_sources(emu, 1)[0]
    result = run_module("sms_task", emulator_args(emu, source_id=source["id"], template_id="t"))
    assert result.get("failed") and "region" in result["msg"]
    assert emu.store.get_source_record(source["id"])["current_task"] is None


def test_speed_windows_and_configurations(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source = emu.store.list_sources()[0]
    template_id = emu.store.create_template({"template": {"name": "wave"}})
    base = {"source_id": source["id"], "template_id": template_id}
    configurations = {"MIGRATE_EXCLUDE_DIR": ["/tmp", "/var/cache"], "LINUX_CPU_LIMIT": 50}
    check = _task(emu, dict(base, speed_windows=WINDOWS, configurations=configurations), check_mode=True)
    assert check["outcome"] == "created" and [r["path"] for r in check["settings_requests"]] == [
        "/v3/tasks/(new task)/speed-limit", "/v3/tasks/(new task)/configuration-setting"]
    created = _task(emu, dict(base, speed_windows=WINDOWS, configurations=configurations))
    assert not created.get("failed"), created.get("msg")
    task_id = created["task"]["id"]
    assert created["outcome"] == "created" and created["changed"] is True
    again = _task(emu, dict(base, speed_windows=WINDOWS, configurations=configurations))
    assert again["outcome"] == "unchanged" and again["changed"] is False
    night_check = _task(emu, dict(base, speed_windows=NIGHT), check_mode=True, diff=True)
    assert night_check["outcome"] == "updated" and night_check["diff"]["after"]["speed_windows"] == NIGHT
    assert night_check["diff"]["before"]["speed_windows"] == [dict(WINDOWS[0], over_speed_threshold=20.0)]
    assert _task(emu, dict(base, speed_windows=NIGHT))["settings_requests"] == [
        {"method": "POST", "path": "/v3/tasks/%s/speed-limit" % task_id, "body": {"speed_limit": NIGHT}}]
    cpu = _task(emu, dict(base, configurations={"LINUX_CPU_LIMIT": "30", "MIGRATE_EXCLUDE_DIR": "/tmp,/var/cache"}))
    assert cpu["outcome"] == "updated" and cpu["settings_requests"][0]["body"] == {
        "configurations": [{"config_key": "LINUX_CPU_LIMIT", "config_value": "30"}]}
    assert _task(emu, dict(base, speed_windows=[]))["changed"] is True
    assert _task(emu, dict(base, speed_windows=[]))["changed"] is False
    overlap = _task(emu, dict(base, speed_windows=[{"start": "08:00", "end": "12:00", "speed": 1},
                                                   {"start": "11:00", "end": "13:00", "speed": 2}]))
    assert "overlap" in overlap["msg"] and "unknown key TURBO" in _task(emu, dict(base, configurations={"TURBO": 1}))["msg"]
    stored = emu.store.configurations(task_id)["configurations"]
    assert [(c["config_key"], c["config_value"]) for c in stored] == [("MIGRATE_EXCLUDE_DIR", "/tmp,/var/cache"),
                                                                      ("LINUX_CPU_LIMIT", "30")]
    posts = [(e["path"], json.loads(e["body"])) for e in emu.request_log() if e["method"] == "POST" and "/v3/tasks/" in e["path"]]
    assert [path.rsplit("/", 1)[1] for path, _body in posts] == [
        "speed-limit", "configuration-setting", "speed-limit", "configuration-setting", "speed-limit"]
    assert posts[-1][1] == {"speed_limit": []}


def test_migproject_fills_unset_options_of_new_tasks(emulator_factory):
    emu = emulator_factory(sources=8, states="waiting=1")
    linux = [s for s in emu.store.list_sources() if s["os_type"] == "LINUX"]
    windows = [s for s in emu.store.list_sources() if s["os_type"] == "WINDOWS"]
    assert len(linux) >= 3 and windows
    first, second, third = linux[:3]
    template_id = emu.store.create_template({"template": {"name": "wave"}})
    emu.store.create_project({"name": "wave-1", "region": emu.region, "type": "MIGRATE_FILE", "syncing": True,
                              "speed_limit": 200, "use_public_ip": False})
    from_project = _task(emu, {"source_id": first["id"], "template_id": template_id, "migproject": "wave-1"})
    body = from_project["request"]["body"]
    assert (body["syncing"], body["speed_limit"], body["use_public_ip"], body["type"]) == (True, 200, False, "MIGRATE_FILE")
    stored = emu.store.get_task(from_project["task"]["id"])
    assert stored["syncing"] is True and stored["speed_limit"] == 200 and stored["use_public_ip"] is False
    option_wins = _task(emu, {"source_id": second["id"], "template_id": template_id, "migproject": "wave-1",
                              "syncing": False})
    assert option_wins["request"]["body"]["syncing"] is False
    unknown = _task(emu, {"source_id": third["id"], "template_id": template_id, "migproject": "wave-9"})
    # _resources.resolve_migproject's words (the one lookup sms_source uses too), after the option
    assert unknown["failed"] and "migproject: No migration project has the ID or the name 'wave-9'" in unknown["msg"]
    assert unknown["row_problems"][0]["option"] == "migproject"
    assert emu.store.get_source_record(third["id"])["current_task"] is None
    windows_result = _task(emu, {"source_id": windows[0]["id"], "template_id": template_id, "migproject": "wave-1"})
    assert "supports only MIGRATE_BLOCK" in windows_result["msg"]  # the project's type, checked first


def test_a_wave_lists_the_migration_projects_once_per_name(emulator_factory):
    emu = emulator_factory(sources=8, states="waiting=1")
    linux = [s for s in emu.store.list_sources() if s["os_type"] == "LINUX"][:3]
    emu.store.create_project({"name": "wave-1", "region": emu.region, "type": "MIGRATE_FILE", "syncing": True})
    emu.clear_request_log()
    rows = [{"source_id": s["id"], "template_id": "t", "migproject": "wave-1"} for s in linux]
    result = _task(emu, {"tasks": rows}, check_mode=True)
    assert not result.get("failed"), result
    assert [item["request"]["body"]["syncing"] for item in result["results"]] == [True, True, True]
    assert len([e for e in emu.request_log() if e["path"] == "/v3/migprojects"]) == 1


def test_task_info_includes_settings_and_consistency_results(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source = emu.store.list_sources()[0]
    task_id = emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]}})
    bare_id = emu.store.create_task({"name": "u", "type": "MIGRATE_FILE", "source_server": {"id": emu.store.list_sources()[1]["id"]}})
    emu.store.set_speed_limits(task_id, {"speed_limit": NIGHT})
    emu.store.set_configurations(task_id, {"configurations": [{"config_key": "NUM_PROCESS_SYNC", "config_value": "4"}]})
    results = [{"check_result": "OK", "consistency_result": [{"dir_check": "/", "num_different_files": 0}]}]
    emu.store.set_consistency_results(task_id, results)
    info = run_module("sms_task_info", emulator_args(emu, task_ids=[task_id, bare_id],
                                                     include=["speed_windows", "configurations", "consistency_results"]))
    with_settings, bare = info["tasks"]
    assert with_settings["speed_windows"] == NIGHT
    assert [(c["config_key"], c["config_value"]) for c in with_settings["configurations"]] == [("NUM_PROCESS_SYNC", "4")]
    assert with_settings["consistency_results"] == results
    assert (bare["speed_windows"], bare["configurations"], bare["consistency_results"]) == ([], [], [])  # SMS.6302 is "none"
    assert "speed_windows" not in run_module("sms_task_info", emulator_args(emu, task_id=task_id))["tasks"][0]


def test_a_row_naming_three_different_servers_fails_with_a_problem_not_a_traceback(emu):
    first, second, third = _fresh_sources(emu, 3)
    emu.clear_request_log()
    result = _task(emu, {"tasks": [{"source_id": first["id"], "source_name": second["name"], "source_ip": third["ip"],
                                    "template_id": "t"}]})
    assert result.get("failed"), result
    # Once two of its options name different servers, the row has no source to compare the third with.
    assert [(p["row"], p["option"]) for p in result["row_problems"]] == [(1, "source_name")]
    assert result["row_problems"][0]["msg"] == "name %r is source server %s (%s), but the row also names source server " \
        "%s (%s)" % (second["name"], second["name"], second["id"], first["name"], first["id"])
    assert emu.write_requests() == []
