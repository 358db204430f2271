# -*- coding: utf-8 -*-
"""sms_task speed_windows and configurations against the emulator: set with a new task, compared and
updated idempotently on an existing one, removed with [], check mode and diff, checked before sending."""

import json

import yaml

from support.ansible import emulator_env, run_playbook

WINDOWS = [{"start": "08:00", "end": "18:00", "speed": 100, "over_speed_threshold": 20}]
NIGHT = [{"start": "00:00", "end": "06:00", "speed": 1000}, {"start": "08:00", "end": "18:00", "speed": 50}]


def _task(name, args, **keywords):
    task = {"name": name, "hwcloud.sms.sms_task": args, "ignore_errors": True}
    task.update(keywords)
    return task


def test_speed_windows_and_configurations(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source = emu.store.list_sources()[0]
    template_id = emu.store.create_template({"template": {"name": "wave"}})
    base = {"source_id": source["id"], "template_id": template_id}
    configurations = {"MIGRATE_EXCLUDE_DIR": ["/tmp", "/var/cache"], "LINUX_CPU_LIMIT": 50}
    tasks = [
        _task("check create", dict(base, speed_windows=WINDOWS, configurations=configurations), check_mode=True),
        _task("create", dict(base, speed_windows=WINDOWS, configurations=configurations)),
        _task("again", dict(base, speed_windows=WINDOWS, configurations=configurations)),
        _task("check night", dict(base, speed_windows=NIGHT), check_mode=True, diff=True),
        _task("night", dict(base, speed_windows=NIGHT)),
        _task("cpu", dict(base, configurations={"LINUX_CPU_LIMIT": "30", "MIGRATE_EXCLUDE_DIR": "/tmp,/var/cache"})),
        _task("no windows", dict(base, speed_windows=[])),
        _task("no windows again", dict(base, speed_windows=[])),
        _task("overlap", dict(base, speed_windows=[{"start": "08:00", "end": "12:00", "speed": 1},
                                                   {"start": "11:00", "end": "13:00", "speed": 2}])),
        _task("bad key", dict(base, configurations={"TURBO": 1})),
    ]
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    run = run_playbook(yaml.safe_dump(playbook), env=emulator_env(emu, HUAWEICLOUD_REGION=emu.region))
    check = run.result("check create")
    assert check["outcome"] == "created" and [r["path"] for r in check["settings_requests"]] == [
        "/v3/tasks/(new task)/speed-limit", "/v3/tasks/(new task)/configuration-setting"]
    created = run.result("create")
    assert not created.get("failed"), created.get("msg")
    task_id = created["task"]["id"]
    assert created["outcome"] == "created" and created["changed"] is True
    assert run.result("again")["outcome"] == "unchanged" and run.result("again")["changed"] is False
    night_check = run.result("check night")
    assert night_check["outcome"] == "updated" and night_check["diff"]["after"]["speed_windows"] == NIGHT
    assert night_check["diff"]["before"]["speed_windows"] == [dict(WINDOWS[0], over_speed_threshold=20.0)]
    assert run.result("night")["settings_requests"] == [
        {"method": "POST", "path": "/v3/tasks/%s/speed-limit" % task_id, "body": {"speed_limit": NIGHT}}]
    cpu = run.result("cpu")
    assert cpu["outcome"] == "updated" and cpu["settings_requests"][0]["body"] == {
        "configurations": [{"config_key": "LINUX_CPU_LIMIT", "config_value": "30"}]}
    assert run.result("no windows")["changed"] is True and run.result("no windows again")["changed"] is False
    assert "overlap" in run.result("overlap")["msg"] and "unknown key TURBO" in run.result("bad key")["msg"]
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
    tasks = [
        _task("from project", {"source_id": first["id"], "template_id": template_id, "migproject": "wave-1"}),
        _task("option wins", {"source_id": second["id"], "template_id": template_id, "migproject": "wave-1",
                              "syncing": False}),
        _task("unknown project", {"source_id": third["id"], "template_id": template_id, "migproject": "wave-9"}),
        _task("windows", {"source_id": windows[0]["id"], "template_id": template_id, "migproject": "wave-1"}),
    ]
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    run = run_playbook(yaml.safe_dump(playbook), env=emulator_env(emu, HUAWEICLOUD_REGION=emu.region))
    body = run.result("from project")["request"]["body"]
    assert (body["syncing"], body["speed_limit"], body["use_public_ip"], body["type"]) == (True, 200, False, "MIGRATE_FILE")
    stored = emu.store.get_task(run.result("from project")["task"]["id"])
    assert stored["syncing"] is True and stored["speed_limit"] == 200 and stored["use_public_ip"] is False
    assert run.result("option wins")["request"]["body"]["syncing"] is False
    unknown = run.result("unknown project")
    assert unknown["failed"] and "migproject 'wave-9' matches no migration project" in unknown["msg"]
    assert emu.store.get_source_record(third["id"])["current_task"] is None
    assert "supports only MIGRATE_BLOCK" in run.result("windows")["msg"]  # the project's type, checked first


def test_task_info_includes_settings_and_consistency_results(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source = emu.store.list_sources()[0]
    task_id = emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]}})
    bare_id = emu.store.create_task({"name": "u", "type": "MIGRATE_FILE", "source_server": {"id": emu.store.list_sources()[1]["id"]}})
    emu.store.set_speed_limits(task_id, {"speed_limit": NIGHT})
    emu.store.set_configurations(task_id, {"configurations": [{"config_key": "NUM_PROCESS_SYNC", "config_value": "4"}]})
    results = [{"check_result": "OK", "consistency_result": [{"dir_check": "/", "num_different_files": 0}]}]
    emu.store.set_consistency_results(task_id, results)
    tasks = [{"name": "info", "hwcloud.sms.sms_task_info": {"task_ids": [task_id, bare_id],
                                                            "include": ["speed_windows", "configurations", "consistency_results"]},
              "ignore_errors": True},
             {"name": "plain", "hwcloud.sms.sms_task_info": {"task_id": task_id}, "ignore_errors": True}]
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    run = run_playbook(yaml.safe_dump(playbook), env=emulator_env(emu))
    with_settings, bare = run.result("info")["tasks"]
    assert with_settings["speed_windows"] == NIGHT
    assert [(c["config_key"], c["config_value"]) for c in with_settings["configurations"]] == [("NUM_PROCESS_SYNC", "4")]
    assert with_settings["consistency_results"] == results
    assert (bare["speed_windows"], bare["configurations"], bare["consistency_results"]) == ([], [], [])  # SMS.6302 is "none"
    assert "speed_windows" not in run.result("plain")["tasks"][0]


def test_a_refused_settings_request_fails_with_the_api_error(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source = emu.store.list_sources()[0]
    emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]},
                           "target_server": {"name": "t", "vm_id": "", "disks": [{"name": "/dev/vda", "size": 1}]},
                           "region_name": emu.region, "region_id": emu.region, "project_name": emu.region,
                           "project_id": emu.project_id})
    emu.add_user("NOSPEEDAK", "NoSpeedSecretKey000000000000000000000000", denied_actions=["sms:task:updateSpeed"])
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region, HUAWEICLOUD_ACCESS_KEY="NOSPEEDAK",
                       HUAWEICLOUD_SECRET_KEY="NoSpeedSecretKey000000000000000000000000")
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
                 "tasks": [_task("windows", {"source_id": source["id"], "speed_windows": NIGHT})]}]
    result = run_playbook(yaml.safe_dump(playbook), env=env).result("windows")
    assert result["failed"] and result["outcome"] == "failed" and result["attempted"] == "updated"
    assert "SMS.9004" in result["msg"]
    # the API error's fields at the top level, as every module's fail_json_sms puts them
    assert result["status"] == 403 and result["error_code"] == "SMS.9004" and result["request_id"]
    assert result["error_msg"] and "error" not in result
