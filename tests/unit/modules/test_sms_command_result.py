# -*- coding: utf-8 -*-
"""sms_command_result in-process against the emulator. Outcomes are checked in the emulator's
store (command_results, source and task state). (Moved from
tests/integration/test_sms_command_result.py with every assertion; what needs Ansible - the
action plugin's depth check, --check from the command line, templated arguments, -vvvv output -
stays there.)"""

import json

import pytest

from support.module_runner import emulator_args, run_module

RESULT_PATH = "/v3/sources/%s/command_result"


def _run(emu, **args):
    return run_module("sms_command_result", emulator_args(emu, **args))


def _source_with_pending(emu, operation="start"):
    """A waiting source whose task was started (START pending), or also had ``operation`` applied."""
    source_id = emu.store.list_sources(state="waiting")[0]["id"]
    task_id = emu.store.create_task({"name": "wave-1", "type": "MIGRATE_FILE", "source_server": {"id": source_id}})
    emu.store.task_action(task_id, "start")
    if operation != "start":
        emu.store.task_action(task_id, operation)
    return source_id, task_id


def _posts(emu, source_id):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"] == RESULT_PATH % source_id]


def test_success_is_recorded_and_moves_the_migration_on(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, task_id = _source_with_pending(emu)
    result = _run(emu, server_id=source_id, command_name="START", result="success",
                  result_detail={"msg": "replication started", "pid": 4242})
    assert not result.get("failed"), result
    assert result["changed"] is True
    stored = emu.store.command_results(source_id)
    assert [(r["command_name"], r["result"], r["result_detail"]) for r in stored] == [
        ("START", "success", {"msg": "replication started", "pid": 4242})]
    assert emu.store.pending_command(source_id) is None
    source = emu.store.get_source_record(source_id)
    assert (source["state"], source["migration_cycle"]) == ("replicate", "replicating")
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    posts = _posts(emu, source_id)
    assert len(posts) == 1 and json.loads(posts[0]["body"]) == result["request"]["body"]


def test_fail_with_json_string_detail_marks_the_source_in_error(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, task_id = _source_with_pending(emu)
    result = _run(emu, server_id=source_id, command_name="START", result="fail",
                  result_detail='{"reason": "rsync missing", "code": "SMS.6517"}')
    assert not result.get("failed"), result
    stored = emu.store.command_results(source_id)
    assert [(r["result"], r["result_detail"]) for r in stored] == [("fail", {"reason": "rsync missing", "code": "SMS.6517"})]
    assert emu.store.get_source_record(source_id)["state"] == "error"
    assert emu.store.get_task(task_id)["state"] == "MIGRATE_FAIL"


def test_default_detail_is_an_empty_object_and_upload_log_updates_the_task(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, task_id = _source_with_pending(emu, "collect_log")
    result = _run(emu, server_id=source_id, command_name="UPLOAD_LOG", result="success")
    assert not result.get("failed"), result
    assert [(r["command_name"], r["result_detail"]) for r in emu.store.command_results(source_id)] == [("UPLOAD_LOG", {})]
    assert emu.store.get_task(task_id)["log_collect_status"] == "UPLOADED"


def test_a_result_for_another_command_is_refused_by_sms(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    result = _run(emu, server_id=source_id, command_name="STOP", result="success")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (400, "SMS.2009")
    assert result["request_id"] == _posts(emu, source_id)[-1]["request_id"]
    assert emu.store.command_results(source_id) == []


@pytest.mark.parametrize("args, message", [
    ({"server_id": ""}, "server_id must be a non-empty source server id"),
    ({"server_id": "  \t"}, "server_id must be a non-empty source server id"),
    ({"server_id": "y" * 256}, "server_id must be at most 255 characters, got 256"),
    ({"command_name": ""}, "command_name must be a non-empty command name"),
    ({"command_name": " START"}, "command_name must not start or end with white space"),
    ({"command_name": "C" * 256}, "command_name must be at most 255 characters, got 256"),
    ({"result": "maybe"}, "value of result must be one of: success, fail, got: maybe"),
    ({"result_detail": "[1]"}, "result_detail must be a JSON object; the string holds a JSON list"),
    ({"result_detail": "not json"}, "result_detail must be a dictionary or a JSON object string; it is not valid JSON"),
    ({"result_detail": [1, 2]}, "result_detail must be a dictionary or a JSON object string, got list"),
    ({"result_detail": 7}, "result_detail must be a dictionary or a JSON object string, got int"),
    ({"server_id": ".."}, "server_id must not be '.' or '..'"),
    ({"result_detail": '{"x": NaN}'}, "NaN is not JSON"),
    ({"result_detail": {"x": "y" * 70000}}, "result_detail must be at most 65536 bytes of JSON"),
    ({"result_detail": '{"a":' * 900 + '1' + '}' * 900}, "result_detail must be nested at most 32 levels deep"),
])
def test_bad_input_fails_before_any_request(emulator_factory, args, message):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    args = dict({"server_id": source_id, "command_name": "START", "result": "success"}, **args)
    result = _run(emu, **args)
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []
    assert emu.store.command_results() == []


def test_path_characters_stay_one_encoded_segment(emulator_factory):
    emu = emulator_factory(sources=1)
    result = _run(emu, server_id="../x", command_name="START", result="success")
    assert result["failed"] and result["status"] == 404, result
    log = emu.request_log()
    assert [(e["method"], e["path"]) for e in log] == [("POST", RESULT_PATH % "..%2Fx")]
    assert result["request_id"] == log[0]["request_id"]


def test_unknown_source_gives_404(emulator_factory):
    emu = emulator_factory(sources=1)
    result = _run(emu, server_id="no-such-source", command_name="START", result="success")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (404, "SMS.0404")
    assert result["error_msg"] and result["request_id"] == emu.request_log()[-1]["request_id"]


def test_wrong_secret_key_gives_401_and_nothing_is_recorded(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    result = _run(emu, server_id=source_id, command_name="START", result="success",
                  secret_key="an-entirely-wrong-secret")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (401, "APIGW.0301")
    assert result["request_id"] == _posts(emu, source_id)[-1]["request_id"]
    assert emu.store.command_results(source_id) == []
    assert "an-entirely-wrong-secret" not in json.dumps(result)  # all the module printed


def test_denied_action_gives_sms_9004_and_nothing_is_recorded(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.add_user("AKRESULTDENIED000001", "sk-result-denied-secret", denied_actions=["sms:server:updateCommandResult"])
    result = _run(emu, server_id=source_id, command_name="START", result="success",
                  access_key="AKRESULTDENIED000001", secret_key="sk-result-denied-secret")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (403, "SMS.9004")
    assert "sms:server:updateCommandResult" in result["error_msg"]
    assert result["encoded_authorization_message"]
    assert result["body"]["error_param"] and result["body"]["details"][0]["error_code"] == "SMS.9004"
    assert result["request_id"] == _posts(emu, source_id)[-1]["request_id"]
    assert emu.store.command_results(source_id) == []


def test_503_before_acting_is_retried_and_recorded_once(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.set_faults(fail_next=[503], methods=["POST"])
    result = _run(emu, server_id=source_id, command_name="START", result="success")
    assert not result.get("failed"), result
    assert [(e["status"], e["fault"]) for e in _posts(emu, source_id)] == [(503, "forced_503"), (200, None)]
    assert len(emu.store.command_results(source_id)) == 1
    assert emu.store.get_source_record(source_id)["state"] == "replicate"


def test_500_after_acting_is_not_retried_and_fails(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.set_faults(fail_after_acting_5xx=1.0, methods=["POST"])
    result = _run(emu, server_id=source_id, command_name="START", result="success")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (500, "SMS.2007")
    posts = _posts(emu, source_id)
    assert [(e["status"], e["fault"]) for e in posts] == [(500, "after_acting_500")]
    assert result["request_id"] == posts[0]["request_id"]
    assert len(emu.store.command_results(source_id)) == 1  # SMS did act: exactly one record, no duplicate


def test_500_before_acting_is_not_retried_either(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.set_faults(fail_next=[500], methods=["POST"])
    result = _run(emu, server_id=source_id, command_name="START", result="success")
    assert result["failed"] and result["status"] == 500
    assert len(_posts(emu, source_id)) == 1
    assert emu.store.command_results(source_id) == []


def test_a_report_answered_503_after_sms_recorded_it_is_not_recorded_twice(emulator_factory):
    """A gateway's 503 after SMS applied the report: the retry meets SMS.2009, the command is no
    longer pending, so the first report counts and the module succeeds."""
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.set_faults(fail_next_after_acting=[503], methods=["POST"], fault_path_prefix="/v3/sources/")
    result = _run(emu, server_id=source_id, command_name="START", result="success")
    assert not result.get("failed"), result
    assert [r["command_name"] for r in emu.store.command_results(source_id)] == ["START"]
    assert [(e["method"], e["status"]) for e in emu.request_log()] == [("POST", 503), ("POST", 400), ("GET", 200)]


def test_a_redirect_is_a_failure_and_not_a_change(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.set_faults(redirect_next=1)
    result = _run(emu, server_id=source_id, command_name="START", result="success")
    assert result["failed"] and not result.get("changed"), result  # Ansible adds changed=false to a failure
    assert result.get("status") == 302 and "https://login.example.invalid/sso" in result["msg"], result
    assert emu.store.command_results(source_id) == []


def test_a_login_page_answer_is_a_failure(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id, _task_id = _source_with_pending(emu)
    emu.set_faults(bad_body_next=["html"])
    result = _run(emu, server_id=source_id, command_name="START", result="success")
    assert result["failed"] and "the answer is not JSON (Content-Type application/json;charset=utf-8, text/html)" in result["msg"]
    assert result["request_id"] == emu.request_log()[-1]["request_id"]
