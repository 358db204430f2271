# -*- coding: utf-8 -*-
"""sms_command_result end to end: ansible-playbook -> action plugin -> module -> shared client
-> emulator, for what needs Ansible: the action plugin's depth check before templating, --check
from the command line, templated arguments and -vvvv output. The module's own logic is tested
in-process: tests/unit/modules/test_sms_command_result.py."""

import json

from support.ansible import emulator_env, run_module, run_playbook

RESULT_PATH = "/v3/sources/%s/command_result"


def _source_with_pending(emu, operation="start"):
    """A waiting source whose task was started (START pending), or also had ``operation`` applied."""
    source_id = emu.store.list_sources(state="waiting")[0]["id"]
    task_id = emu.store.create_task({"name": "wave-1", "type": "MIGRATE_FILE", "source_server": {"id": source_id}})
    emu.store.task_action(task_id, "start")
    if operation != "start":
        emu.store.task_action(task_id, operation)
    return source_id, task_id


def test_check_mode_sends_nothing_and_shows_the_request(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    result = run_module("sms_command_result", {"server_id": source_id, "command_name": "START", "result": "success",
                                               "result_detail": {"k": "v"}}, env=emulator_env(emu), check=True)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["request"] == {"method": "POST", "path": RESULT_PATH % source_id,
                                 "body": {"command_name": "START", "result": "success", "result_detail": {"k": "v"}}}
    assert emu.request_log() == []
    assert emu.store.command_results(source_id) == []
    assert emu.store.pending_command(source_id)["command_name"] == "START"


def _nested(depth):
    value = 1
    for _level in range(depth):
        value = {"a": value}
    return value


def test_deep_nesting_is_refused_cleanly_in_every_form(emulator_factory):
    """A result_detail nested deeper than 32 levels is refused naming the option and the limit, as a
    dict given in the task, from a variable through a template, inside results and as JSON text;
    a few hundred levels used to end in Ansible's templating ("Recursive loop detected")."""
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    single = {"server_id": source_id, "command_name": "START", "result": "success"}
    tasks = [
        ("just too deep", dict(single, result_detail=_nested(33))),
        ("dict", dict(single, result_detail=_nested(300))),
        ("variable", dict(single, result_detail="{{ deep }}")),
        ("results", {"results": [dict(single, result_detail={"ok": 1}), dict(single, result_detail=_nested(300))]}),
        ("json text", dict(single, result_detail=json.dumps(_nested(900)))),
    ]
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "vars": {"deep": _nested(300)},
                 "tasks": [{"name": name, "hwcloud.sms.sms_command_result": args, "ignore_errors": True}
                           for name, args in tasks]}]
    run = run_playbook(json.dumps(playbook) + "\n", env=emulator_env(emu))
    for name, where in (("just too deep", "result_detail"), ("dict", "result_detail"), ("variable", "result_detail"),
                        ("results", "results[].result_detail"), ("json text", "result_detail")):
        result = run.result(name)
        assert result["failed"] and "%s must be nested at most 32 levels deep" % where in result["msg"], (name, result)
        assert "Recursive loop" not in result["msg"] and "recursion" not in result["msg"], (name, result)
    assert "most recent call last" not in run.output
    assert emu.request_log() == [] and emu.store.command_results() == []


def test_agent_loop_and_secret_key_never_in_vvvv_output(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1", random_credentials=True)
    source_id, task_id = _source_with_pending(emu)
    creds = emu.credentials
    secret = creds["secret_key"]
    connection = {"endpoint": creds["endpoint"], "access_key": creds["access_key"], "secret_key": secret,
                  "project_id": creds["project_id"]}
    playbook = [{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "module_defaults": {"group/hwcloud.sms.sms": connection},
        "tasks": [
            {"name": "wait", "hwcloud.sms.sms_command": {"server_id": source_id, "wait": True,
                                                         "wait_timeout": 20, "poll_interval": 0.5},
             "register": "cmd"},
            {"name": "preview", "hwcloud.sms.sms_command_result": {
                "server_id": source_id, "command_name": "{{ cmd.command_name }}", "result": "success"},
             "check_mode": True},
            {"name": "report", "hwcloud.sms.sms_command_result": {
                "server_id": source_id, "command_name": "{{ cmd.command_name }}", "result": "success",
                "result_detail": {"task_id": "{{ cmd.command_param.task_id }}"}}},
            {"name": "report again fails", "hwcloud.sms.sms_command_result": {
                "server_id": source_id, "command_name": "START", "result": "success"}, "ignore_errors": True},
        ],
    }]
    for callback in ("json", "default"):
        run = run_playbook(json.dumps(playbook) + "\n", verbosity=4, callback=callback)
        assert run.rc == 0, run
        assert secret not in run.output
        assert secret[:12] not in run.output
        if callback == "json":
            assert run.result("report again fails")["error_code"] == "SMS.2009"
            emu.store.task_action(task_id, "stop")  # the second (text) run handles STOP
    stored = emu.store.command_results(source_id)
    assert [(r["command_name"], r["result_detail"]) for r in stored] == [("START", {"task_id": task_id}),
                                                                         ("STOP", {"task_id": task_id})]
    assert emu.store.get_source_record(source_id)["state"] == "stopped"
