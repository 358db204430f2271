# -*- coding: utf-8 -*-
"""The task modules against the emulator's time-driven lifecycle: progress mid-copy, unknown
raw states passed through, failures with their error_json, forced deletion of a running task.
Run in this process against the emulator (moved from tests/integration/test_sms_task_lifecycle.py, assertions unchanged)."""

import time

import pytest

from sms_emulator import Emulator
from support.module_runner import emulator_args
from support.fleet import take_fresh_sources
from ansible_collections.hwcloud.sms.tests.unit.modules.sms_task_runner import run_module


@pytest.fixture(scope="module")
def emu():
    # speedup 1 and a clock the tests move forward: states are exactly where a test puts them.
    with Emulator(sources=16, seed=31, states="waiting=1", speedup=1, auto_agent=True, agent_delay=0) as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_args(emu, region=emu.region)


def _source(emu, os_type="LINUX"):
    return take_fresh_sources(emu, 1, os_type=os_type)[0]


def _started_task(emu, env, **options):
    source = _source(emu)
    args = {"source_id": source["id"], "template_id": "t", "start": True}
    args.update(options)
    result = run_module("sms_task", args, env=env)
    assert not result.get("failed"), result.get("msg")
    return source, result["task"]["id"]


def test_progress_fields_while_copying(emu, env):
    _source_record, task_id = _started_task(emu, env)
    emu.advance(400)  # past the preparation sub-tasks, into the copy
    result = run_module("sms_task_info", {"task_id": task_id}, env=env)
    task = result["tasks"][0]
    raw = emu.store.get_task(task_id)
    assert task["phase"] == "replicating" and task["state"] == "RUNNING"
    assert task["current_subtask"] == "MIGRATE_LINUX_FILE"
    assert 0 < task["progress_percent"] < 100
    assert abs(task["remain_seconds"] - raw["remain_seconds"]) <= 5 and task["remain_seconds"] > 0  # the clock runs
    assert task["eta"] and task["eta"].endswith("Z")
    assert task["speed_mbps"] == raw["migrate_speed"] > 0
    assert task["start_time"] and task["finish_time"] is None


def test_no_progress_while_the_target_is_prepared_in_both_read_modes(emu, env):
    """Before the copy sub-task starts no byte is copied: 0 %, not the average of the finished
    preparation sub-tasks; the listing (GET /v3/tasks) and one GET per task say the same."""
    source, task_id = _started_task(emu, env)
    emu.advance(150)  # CREATE_CLOUD_SERVER (120 s) and SSL_CONFIG (10 s) done, ATTACH_AGENT_IMAGE running
    before = time.time()
    listed = run_module("sms_task_info", {"source_id": source["id"]}, env=env)  # the listing
    after = time.time()
    shown = run_module("sms_task_info", {"task_id": task_id}, env=env)  # GET /v3/tasks/{id}
    for result in (listed, shown):
        task = result["tasks"][0]
        assert task["phase"] == "replicating" and task["current_subtask"] == "ATTACH_AGENT_IMAGE"
        assert task["progress_percent"] == 0.0
        assert task["remain_seconds"] > 0 and task["eta"] and task["start_time"]
    # The listing has no remain_seconds: it is estimate_complete_time minus now (the emulator's
    # clock runs ahead of ours by what the tests advanced it, so compare with its estimate).
    listed_task = listed["tasks"][0]
    # The module computed it at some moment of its run: between what it is before and after the run.
    estimate = listed_task["estimate_complete_time"] / 1000.0
    assert estimate - after - 1 <= listed_task["remain_seconds"] <= estimate - before + 1
    inventory_view = emu.store.get_source_record(source["id"])
    assert inventory_view["replicatesize"] == 0 and inventory_view["totalsize"] > 0


def test_unknown_raw_state_is_passed_through_and_guarded(emu, env):
    source = _source(emu)
    created = run_module("sms_task", {"source_id": source["id"], "template_id": "t"}, env=env)
    task_id = created["task"]["id"]
    emu.set_task_fault(task_id, raw_state="CUTOVER_READY")  # a state no SDK enum lists
    info = run_module("sms_task_info", {"task_ids": [task_id]}, env=env)
    assert not info.get("failed"), info.get("msg")
    assert info["tasks"][0]["state"] == "CUTOVER_READY" and info["tasks"][0]["phase"] == "unknown"
    assert info["summary"]["unknown"] == 1
    emu.clear_request_log()
    refused = run_module("sms_task_action", {"task_id": task_id, "operation": "cutover"}, env=env)
    assert refused.get("failed") and "in state CUTOVER_READY (phase unknown)" in refused["msg"]
    assert not [e for e in emu.request_log() if e["method"] == "POST"]
    checked = run_module("sms_task_action", {"task_id": task_id, "operation": "network_check"}, env=env)
    assert not checked.get("failed") and checked["results"][0]["outcome"] == "sent"
    waited = run_module("sms_task_info", {"task_id": task_id, "wait_for": ["finished"], "wait_timeout": 0.5,
                                          "poll_interval": 0.2}, env=env)
    assert waited.get("failed") and "timed out" in waited["msg"] and "(unknown)" in waited["msg"]


def test_a_failed_subtask_fails_the_wait_with_the_parsed_error(emu, env):
    source, task_id = _started_task(emu, env)
    emu.set_task_fault(task_id, fail_at="MIGRATE_LINUX_FILE", error_code="SMS.1901",
                       error_msg="The target server cannot be reached")
    emu.advance(100000)
    result = run_module("sms_task_info", {"task_id": task_id, "wait_for": ["syncing", "finished"],
                                          "poll_interval": 0.2, "wait_timeout": 10}, env=env)
    assert result.get("failed")
    assert "SMS.1901 The target server cannot be reached" in result["msg"] and source["name"] in result["msg"]
    failed = result["failed_tasks"][0]
    assert failed["phase"] == "failed" and failed["state"] == "MIGRATE_FAIL"
    assert failed["error"]["error_code"] == "SMS.1901"
    # restart is what a failed task allows; start is guarded away
    refused = run_module("sms_task_action", {"task_id": task_id, "operation": "skip"}, env=env)
    assert refused.get("failed") and "allowed from: RUNNING" in refused["msg"]
    restarted = run_module("sms_task_action", {"task_id": task_id, "operation": "restart"}, env=env)
    assert not restarted.get("failed"), restarted.get("msg")
    assert restarted["tasks"][0]["phase"] == "replicating"


def test_continuous_sync_then_cutover_wait_until_finished(emu, env):
    _source_record, task_id = _started_task(emu, env, syncing=True)
    emu.set_speedup(20000)
    try:
        synced = run_module("sms_task_info", {"task_id": task_id, "wait_for": ["syncing"], "poll_interval": 0.2,
                                              "wait_timeout": 60}, env=env)
        assert not synced.get("failed"), synced.get("msg")
        assert synced["tasks"][0]["progress_percent"] == 100.0
        cut = run_module("sms_task_action", {"task_id": task_id, "operation": "cutover", "wait": True,
                                             "poll_interval": 0.2, "wait_timeout": 60}, env=env)
        assert not cut.get("failed"), cut.get("msg")
        task = cut["tasks"][0]
        assert task["phase"] == "finished" and task["source_server"]["migration_cycle"] == "cutovered"
        again = run_module("sms_task_action", {"task_id": task_id, "operation": "cutover"}, env=env)
        assert again["changed"] is False
    finally:
        emu.set_speedup(1)


def test_forced_deletion_stops_a_running_task_first(emu, env):
    source, task_id = _started_task(emu, env)
    emu.advance(200)
    result = run_module("sms_task", {"source_id": source["id"], "state": "absent", "force": True,
                                     "stop_timeout": 30}, env=env)
    assert not result.get("failed"), result.get("msg")
    assert result["outcome"] == "deleted" and emu.store.get_task(task_id) is None
