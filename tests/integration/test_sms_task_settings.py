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
