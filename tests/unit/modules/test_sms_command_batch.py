# -*- coding: utf-8 -*-
"""The list forms of sms_command (server_ids) and sms_command_result (results) in-process: a
wave's commands read and answered in one module run each, against the emulator. (Moved from
tests/integration/test_sms_command_batch.py with every assertion; check mode of results from
the command line, through the action plugin, stays there.)"""

import pytest

from support.module_runner import emulator_args, run_module

COMMAND_PATH = "/v3/sources/%s/command"
RESULT_PATH = "/v3/sources/%s/command_result"


@pytest.fixture
def wave(emulator_factory):
    """An emulator with four waiting sources; the first two have a pending START."""
    emu = emulator_factory(sources=4, seed=3, states="waiting=1")
    ids = [source["id"] for source in emu.store.list_sources()]
    tasks = {}
    for source_id in ids[:2]:
        tasks[source_id] = emu.store.create_task({"name": "mig-" + source_id, "type": "MIGRATE_FILE",
                                                  "source_server": {"id": source_id}, "auto_start": True})
        assert emu.store.pending_command(source_id)["command_name"] == "START"
    emu.clear_request_log()
    return emu, ids, tasks


def test_server_ids_reads_every_command_once_in_order(wave):
    emu, ids, tasks = wave
    asked = [ids[2], ids[0], ids[1], ids[0], ids[3]]
    result = run_module("sms_command", emulator_args(emu, server_ids=asked, workers=3))
    assert not result.get("failed"), result
    assert result["changed"] is False
    commands = result["commands"]
    assert [c["server_id"] for c in commands] == [ids[2], ids[0], ids[1], ids[3]]
    by_id = dict((c["server_id"], c) for c in commands)
    for source_id in ids[:2]:
        assert by_id[source_id]["has_command"] is True
        assert by_id[source_id]["command_name"] == "START"
        assert by_id[source_id]["command_param"] == {"task_id": tasks[source_id]}
        assert by_id[source_id]["response"] == {"command_name": "START", "command_param": {"task_id": tasks[source_id]}}
    for source_id in ids[2:]:
        assert by_id[source_id]["has_command"] is False
        assert by_id[source_id]["command_name"] is None and by_id[source_id]["response"] == {}
    gets = sorted(e["path"] for e in emu.request_log() if e["method"] == "GET")
    assert gets == sorted(COMMAND_PATH % source_id for source_id in ids)
    assert result["polls"] == 4


def test_server_ids_reports_a_failed_read_and_still_reads_the_others(wave):
    emu, ids, _tasks = wave
    result = run_module("sms_command", emulator_args(emu, server_ids=[ids[0], "no-such-source", ids[2]]))
    assert result["failed"]
    assert "failed for 1 of 3 source servers (first: no-such-source:" in result["msg"]
    by_id = dict((c["server_id"], c) for c in result["commands"])
    error = by_id["no-such-source"]["error"]
    assert (error["status"], error["error_code"]) == (404, "SMS.0404")
    log = [e for e in emu.request_log() if e["path"] == COMMAND_PATH % "no-such-source"]
    assert error["request_id"] == log[-1]["request_id"]
    assert by_id[ids[0]]["command_name"] == "START" and "error" not in by_id[ids[0]]
    assert by_id[ids[2]]["has_command"] is False and "error" not in by_id[ids[2]]


@pytest.mark.parametrize("args, message", [
    ({"server_ids": []}, "server_ids must list at least one source server id"),
    ({"server_ids": ["ok", " padded"]}, "server_ids[1] must not start or end with white space"),
    ({"server_ids": ["x" * 256]}, "server_ids[0] must be at most 255 characters, got 256"),
    ({"server_ids": ["a"], "wait": True}, "wait and wait_for apply to server_id only"),
    ({"server_ids": ["a"], "wait_for": ["START"]}, "wait and wait_for apply to server_id only"),
    ({"server_ids": ["a"], "workers": 0}, "workers must be between 1 and 10, got 0"),
    ({"server_ids": ["a"], "server_id": "a"}, "parameters are mutually exclusive: server_id|server_ids"),
    ({}, "one of the following is required: server_id, server_ids"),
])
def test_server_ids_bad_input_fails_before_any_request(wave, args, message):
    emu, _ids, _tasks = wave
    result = run_module("sms_command", emulator_args(emu, **args))
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []


def test_results_records_each_report_and_moves_each_source(wave):
    emu, ids, tasks = wave
    reports = [
        {"server_id": ids[0], "command_name": "START", "result": "success", "result_detail": {"rc": 0}},
        {"server_id": ids[1], "command_name": "START", "result": "fail", "result_detail": '{"rc": 3}'},
    ]
    result = run_module("sms_command_result", emulator_args(emu, results=reports, workers=2))
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert [(r["server_id"], r["sent"]) for r in result["results"]] == [(ids[0], True), (ids[1], True)]
    assert result["results"][1]["request"] == {
        "method": "POST", "path": RESULT_PATH % ids[1],
        "body": {"command_name": "START", "result": "fail", "result_detail": {"rc": 3}}}
    assert [(r["command_name"], r["result"], r["result_detail"]) for r in emu.store.command_results(ids[0])] == [
        ("START", "success", {"rc": 0})]
    assert [(r["command_name"], r["result"], r["result_detail"]) for r in emu.store.command_results(ids[1])] == [
        ("START", "fail", {"rc": 3})]
    assert emu.store.get_source_record(ids[0])["state"] == "replicate"
    assert emu.store.get_source_record(ids[1])["state"] == "error"
    assert emu.store.get_task(tasks[ids[1]])["state"] == "MIGRATE_FAIL"
    assert len([e for e in emu.request_log() if e["method"] == "POST"]) == 2


def test_results_a_failed_report_does_not_stop_the_others(wave):
    emu, ids, _tasks = wave
    reports = [
        {"server_id": ids[2], "command_name": "START", "result": "success"},   # nothing pending: SMS.2009
        {"server_id": ids[0], "command_name": "START", "result": "success"},
    ]
    result = run_module("sms_command_result", emulator_args(emu, results=reports))
    assert result["failed"]
    assert "failed for 1 of 2 command results (first: %s START:" % ids[2] in result["msg"]
    refused, recorded = result["results"]
    assert refused["sent"] is False and (refused["error"]["status"], refused["error"]["error_code"]) == (400, "SMS.2009")
    post = [e for e in emu.request_log() if e["path"] == RESULT_PATH % ids[2]]
    assert refused["error"]["request_id"] == post[-1]["request_id"]
    assert recorded["sent"] is True and "error" not in recorded
    assert [r["result"] for r in emu.store.command_results(ids[0])] == ["success"]
    assert emu.store.command_results(ids[2]) == []


@pytest.mark.parametrize("reports, message", [
    ([], "results must list at least one report"),
    ([{"server_id": "a", "command_name": "START", "result": "success"},
      {"server_id": "b", "command_name": " START", "result": "success"}],
     "results[1].command_name must not start or end with white space"),
    ([{"server_id": "", "command_name": "START", "result": "success"}], "results[0].server_id must be a non-empty"),
    ([{"server_id": "a", "command_name": "START", "result": "success", "result_detail": "[1]"}],
     "results[0]: result_detail must be a JSON object; the string holds a JSON list"),
    ([{"server_id": "a", "command_name": "START", "result": "maybe"}], "result"),
    ([{"server_id": "a", "result": "success"}], "command_name"),
])
def test_results_bad_input_sends_nothing(wave, reports, message):
    emu, _ids, _tasks = wave
    result = run_module("sms_command_result", emulator_args(emu, results=reports))
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []
    assert emu.store.command_results() == []


def test_results_cannot_be_combined_with_the_single_form(wave):
    emu, ids, _tasks = wave
    result = run_module("sms_command_result", emulator_args(emu, **{
        "results": [{"server_id": ids[0], "command_name": "START", "result": "success"}],
        "server_id": ids[0], "command_name": "START", "result": "success"}))
    assert result["failed"] and "results cannot be combined with server_id, command_name, result" in result["msg"]
    assert emu.request_log() == []
