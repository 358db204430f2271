# -*- coding: utf-8 -*-
"""sms_task_action end to end against the emulator: guards, waves, check mode, waits.
Run in this process against the emulator (moved from tests/integration/test_sms_task_action.py, assertions unchanged)."""

import json
import threading
import time

import pytest

from sms_emulator import Emulator
from support.module_runner import emulator_args
from ansible_collections.hwcloud.sms.tests.unit.modules.sms_task_runner import run_module

ACTION = "/v3/tasks/%s/action"


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=30, seed=5, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_args(emu)


_taken = set()


def _new_tasks(emu, count):
    """(source_id, task_id) of ``count`` new READY tasks on sources no other test used."""
    made = []
    for source in emu.store.list_sources(state="waiting"):
        if source["id"] in _taken:
            continue
        _taken.add(source["id"])
        task_id = emu.store.create_task({"name": "t-" + source["name"], "type": "MIGRATE_FILE",
                                         "source_server": {"id": source["id"]}})
        made.append((source["id"], task_id))
        if len(made) == count:
            return made
    raise AssertionError("not enough sources")


def _actions(emu):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]


class Agent(object):
    """Answers the given command of the given sources (success or fail) as an agent would."""

    def __init__(self, emu, source_ids, command, result="success", ready=None):
        self.emu, self.source_ids, self.command, self.result = emu, set(source_ids), command, result
        self.ready = ready  # answers only once ready(request log) holds
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + 30
        left = set(self.source_ids)
        while left and time.monotonic() < deadline:
            if self.ready is not None and not self.ready(self.emu.request_log()):
                time.sleep(0.02)
                continue
            for source_id in list(left):
                pending = self.emu.store.pending_command(source_id)
                if pending and pending["command_name"] == self.command:
                    self.emu.store.report_command_result(source_id, {
                        "command_name": self.command, "result": self.result, "result_detail": {}})
                    left.discard(source_id)
            time.sleep(0.05)

    def join(self):
        self.thread.join()


def _polled_after_an_action(log):
    posts = [index for index, entry in enumerate(log) if entry["method"] == "POST"]
    return bool(posts) and any(entry["method"] == "GET" for entry in log[posts[-1] + 1:])


def test_start_a_wave_then_a_second_run_sends_nothing(emu, env):
    made = _new_tasks(emu, 3)
    task_ids = [task_id for _s, task_id in made]
    emu.clear_request_log()
    result = run_module("sms_task_action", {"task_ids": task_ids, "operation": "start"}, env=env)
    assert not result.get("failed"), result
    assert result["changed"] is True and result["sent"] == 3
    assert [r["outcome"] for r in result["results"]] == ["sent"] * 3
    assert sorted(e["path"] for e in _actions(emu)) == sorted(ACTION % t for t in task_ids)
    assert all(emu.store.get_task(t)["state"] == "RUNNING" for t in task_ids)
    assert result["summary"]["replicating"] == 3

    emu.clear_request_log()
    again = run_module("sms_task_action", {"source_ids": [s for s, _t in made], "operation": "start"}, env=env)
    assert again["changed"] is False and again["sent"] == 0
    assert [r["outcome"] for r in again["results"]] == ["already"] * 3
    assert _actions(emu) == []


def test_not_allowed_fails_before_sending_naming_state_and_allowed_ones(emu, env):
    (source_a, ready_task), (_source_b, running_task) = _new_tasks(emu, 2)
    emu.store.task_action(running_task, "start")
    emu.clear_request_log()
    result = run_module("sms_task_action", {"task_ids": [ready_task, running_task], "operation": "stop"}, env=env)
    assert result.get("failed")
    assert "nothing was sent" in result["msg"]
    assert "task %s in state READY" % ready_task in result["msg"]
    assert "allowed from: RUNNING, SYNCING, SKIPPING" in result["msg"]
    assert [r["task_id"] for r in result["refused"]] == [ready_task]
    assert _actions(emu) == []

    # force lets SMS decide: the running task stops, SMS refuses the ready one with its own error.
    forced = run_module("sms_task_action", {"task_ids": [ready_task, running_task], "operation": "stop",
                                            "force": True}, env=env)
    assert forced.get("failed")
    outcomes = dict((r["task_id"], r) for r in forced["results"])
    assert outcomes[running_task]["outcome"] == "sent"
    assert outcomes[ready_task]["outcome"] == "error"
    error = outcomes[ready_task]["error"]
    assert error["status"] == 400 and error["error_code"] == "SMS.1038" and error["request_id"]
    assert "SMS.1038" in error["msg"] and error["msg"] == outcomes[ready_task]["msg"]  # the shape of every batch error
    assert "SMS.1038" in forced["msg"]
    assert emu.store.get_task(running_task)["state"] == "ABORTING"
    assert emu.store.get_source_record(source_a)["current_task"]["state"] == "READY"


def test_stop_waits_until_the_agent_stopped(emu, env):
    made = _new_tasks(emu, 2)
    for _source, task_id in made:
        emu.store.task_action(task_id, "start")
    emu.clear_request_log()
    # The agent stops the tasks only once the wait has read them after the operation, so the wait
    # is seen waiting however slow the machine is.
    agent = Agent(emu, [s for s, _t in made], "STOP", ready=_polled_after_an_action)
    result = run_module("sms_task_action", {"task_ids": [t for _s, t in made], "operation": "stop", "wait": True,
                                            "poll_interval": 0.2, "wait_timeout": 30}, env=env)
    agent.join()
    assert not result.get("failed"), result
    assert result["summary"]["stopped"] == 2 and result["polls"] >= 2
    assert all(emu.store.get_task(t)["state"] == "ABORT" for _s, t in made)


def test_wait_fails_at_once_when_a_task_fails(emu, env):
    (source_ok, task_ok), (source_bad, task_bad) = _new_tasks(emu, 2)
    emu.store.task_action(task_ok, "start")
    emu.store.task_action(task_bad, "start")
    emu.store.report_command_result(source_ok, {"command_name": "START", "result": "success", "result_detail": {}})
    agent = Agent(emu, [source_bad], "START", result="fail")
    started = time.monotonic()
    result = run_module("sms_task_info", {"task_ids": [task_ok, task_bad], "wait_for": ["finished"],
                                          "poll_interval": 0.2, "wait_timeout": 60}, env=env)
    agent.join()
    assert result.get("failed")
    assert time.monotonic() - started < 30
    assert "reached failed" in result["msg"] and task_bad in result["msg"]
    assert [t["id"] for t in result["failed_tasks"]] == [task_bad]
    assert result["failed_tasks"][0]["state"] == "MIGRATE_FAIL"


def test_cutover_and_sync_follow_the_source_state(emu, env):
    (source_id, task_id), = _new_tasks(emu, 1)
    emu.store.task_action(task_id, "start")
    emu.store.report_command_result(source_id, {"command_name": "START", "result": "success", "result_detail": {}})
    # replicating: a cutover is refused before anything is sent
    refused = run_module("sms_task_action", {"task_id": task_id, "operation": "cutover"}, env=env)
    assert refused.get("failed") and "phase replicating" in refused["msg"] and "allowed from: syncing, replicated" in refused["msg"]
    emu.advance(86400)  # the emulator's clock: the full copy ends and the target is launched (syncing=false)
    done = run_module("sms_task_action", {"task_id": task_id, "operation": "cutover"}, env=env)
    assert done["changed"] is False and done["results"][0]["outcome"] == "already"
    assert done["results"][0]["phase"] == "finished"

    # An incremental sync of the launched target, waited on until SYNC_SUCCESS.
    agent = Agent(emu, [source_id], "START")
    emu.clear_request_log()
    emu.set_speedup(2000)  # the sync runs on the emulator's clock: seconds instead of minutes
    try:
        synced = run_module("sms_task_action", {"task_id": task_id, "operation": "sync", "wait": True,
                                                "poll_interval": 0.2, "wait_timeout": 30}, env=env)
    finally:
        emu.set_speedup(1)
    agent.join()
    assert not synced.get("failed"), synced.get("msg")
    # sync_operation defaults to start: a documented operation value, issued on the finished task.
    assert [json.loads(e["body"]) for e in _actions(emu)] == [{"operation": "start"}]
    assert synced["tasks"][0]["state"] == "SYNC_SUCCESS" and synced["tasks"][0]["phase"] == "finished"


def test_missing_tasks_and_bad_options_fail_before_any_request(emu, env):
    emu.clear_request_log()
    result = run_module("sms_task_action", {"task_ids": ["nope-1"], "operation": "start"}, env=env)
    assert result.get("failed") and "task(s) not found: nope-1" in result["msg"]
    # clone_test may leave template_id out (SMS then uses the task's clonevm_template_id); collect_log needs its bucket.
    bad = run_module("sms_task_action", {"task_id": "x", "operation": "collect_log"}, env=env)
    assert bad.get("failed") and "log_bucket" in bad["msg"]
    bad = run_module("sms_task_action", {"task_id": "x", "operation": "start", "log_bucket": "b"}, env=env)
    assert bad.get("failed") and "log_bucket is only for operation collect_log" in bad["msg"]
    bad = run_module("sms_task_action", {"task_id": "x", "operation": "start", "wait_for": ["bogus"]}, env=env)
    assert bad.get("failed")
    bad = run_module("sms_task_action", {"task_id": "x", "operation": "start", "poll_interval": 0}, env=env)
    assert bad.get("failed") and "poll_interval" in bad["msg"]
    assert len(emu.request_log()) == 1  # only the lookup of nope-1


@pytest.mark.parametrize("options, message", [
    ({"poll_interval": "nan"}, "poll_interval must be a finite number of seconds greater than 0, got nan"),
    ({"wait_timeout": "nan"}, "wait_timeout must be a finite number of seconds greater than 0, got nan"),
    ({"wait_timeout": "inf"}, "wait_timeout must be a finite number of seconds greater than 0, got inf"),
    ({"progress_file": "/nonexistent-sms-dir/progress.txt"}, "its directory /nonexistent-sms-dir does not exist"),
])
def test_bad_wait_options_fail_before_any_request(emu, env, options, message):
    (_source, task_id), = _new_tasks(emu, 1)
    emu.clear_request_log()
    options = dict(options, task_id=task_id, operation="start", wait=True)
    result = run_module("sms_task_action", options, env=env)
    assert result.get("failed") and message in result["msg"], result
    assert emu.request_log() == []
    assert emu.store.get_task(task_id)["state"] == "READY"


def test_unwritable_progress_file_keeps_the_results(emu, env, tmp_path):
    (_source, task_id), = _new_tasks(emu, 1)
    # The path is a directory: its parent exists, but the file cannot be replaced once operations were sent.
    result = run_module("sms_task_action", {"task_id": task_id, "operation": "start", "wait": True,
                                            "poll_interval": 0.2, "wait_timeout": 30,
                                            "progress_file": str(tmp_path)}, env=env)
    assert result.get("failed") and "progress_file %s cannot be written" % tmp_path in result["msg"], result
    assert result["sent"] == 1 and [r["outcome"] for r in result["results"]] == ["sent"]
    assert "Traceback" not in result.get("module_stderr", "")
