# -*- coding: utf-8 -*-
"""sms_task_info end to end: every page, phases and summary, the cheaper read, waits.
Run in this process against the emulator (moved from tests/integration/test_sms_task_info.py, assertions unchanged)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import PAGE_SIZE
from sms_emulator import Emulator
from support.module_runner import emulator_args
from ansible_collections.hwcloud.sms.tests.unit.modules.sms_task_runner import run_module

# A fleet whose generated tasks fill more than two pages of GET /v3/tasks (200 a page).
STATES = "replicate=0.3,syncing=0.15,finished=0.3,stopped=0.1,error=0.05,waiting=0.1"


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=520, seed=2, states=STATES) as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_args(emu)


def _list_gets(emu):
    return [e for e in emu.request_log() if e["method"] == "GET" and e["path"] == "/v3/tasks"]


def test_lists_every_page_with_phases_and_summary(emu, env):
    total, _first = emu.store.list_tasks(limit=1)
    assert total > 400
    emu.clear_request_log()
    result = run_module("sms_task_info", {}, env=env)
    assert not result.get("failed"), result.get("msg")
    assert result["count"] == total == len(result["tasks"])
    assert len({t["id"] for t in result["tasks"]}) == total
    # The client's complete listing: consecutive pages overlap by one record.
    stride = PAGE_SIZE - 1
    assert len(_list_gets(emu)) == 1 + len(range(stride, total - 1, stride))
    assert sum(result["summary"].values()) == total
    by_state = {}
    for task in result["tasks"]:
        by_state.setdefault(task["state"], set()).add(task["phase"])
    assert by_state["RUNNING"] == {"replicating"}
    assert by_state["SYNCING"] == {"syncing"}
    assert by_state["ABORT"] == {"stopped"}
    assert by_state["MIGRATE_SUCCESS"] == {"finished"}  # the generated sources are finished/cutovered
    assert result["summary"]["replicating"] == sum(1 for t in result["tasks"] if t["state"] == "RUNNING")
    running = next(t for t in result["tasks"] if t["state"] == "RUNNING")
    for key in ("progress_percent", "current_subtask", "remain_seconds", "eta", "speed_mbps", "error"):
        assert key in running
    assert running["speed_mbps"] == emu.store.get_task(running["id"])["migrate_speed"]


def test_filters_are_sent_to_sms(emu, env):
    emu.clear_request_log()
    result = run_module("sms_task_info", {"state": "SYNCING"}, env=env)
    count, _tasks = emu.store.list_tasks(state="SYNCING")
    assert result["count"] == count > 0 and {t["state"] for t in result["tasks"]} == {"SYNCING"}
    assert "state=SYNCING" in _list_gets(emu)[0]["query"]
    some = result["tasks"][0]
    by_source = run_module("sms_task_info", {"source_id": some["source_server"]["id"]}, env=env)
    assert [t["id"] for t in by_source["tasks"]] == [some["id"]]


def test_task_ids_cost_the_cheaper_of_listing_and_one_get_each(emu, env):
    total, tasks = emu.store.list_tasks(limit=200)
    pages = -(-total // 200)
    few = [t["id"] for t in tasks[:2]]
    emu.clear_request_log()
    result = run_module("sms_task_info", {"task_ids": few}, env=env)
    assert [t["id"] for t in result["tasks"]] == few
    # Two ids: the first page is read (it costs one request and holds both).
    assert result["requests_per_poll"] == [1] and len(emu.request_log()) == 1

    _count, last_page = emu.store.list_tasks(limit=200, offset=(pages - 1) * 200)
    many = [t["id"] for t in last_page[:10]]
    emu.clear_request_log()
    result = run_module("sms_task_info", {"task_ids": many + ["no-such-task"]}, env=env)
    assert [t["id"] for t in result["tasks"]] == many
    assert result["missing_task_ids"] == ["no-such-task"]
    # Never more than the listing's pages, never more than one GET per task.
    assert len(emu.request_log()) <= min(pages, len(many) + 1) + 1


def test_wait_times_out_naming_the_tasks_still_waited_for(emu, env, tmp_path):
    _count, tasks = emu.store.list_tasks(state="RUNNING", limit=3)
    ids = [t["id"] for t in tasks]
    progress = tmp_path / "progress.txt"
    result = run_module("sms_task_info", {"task_ids": ids, "wait_for": ["finished"], "wait_timeout": 1,
                                          "poll_interval": 0.3, "progress_file": str(progress)}, env=env)
    assert result.get("failed")
    assert "timed out" in result["msg"] and "still waiting for 3" in result["msg"]
    assert [t["id"] for t in result["pending_tasks"]] == ids
    assert result["summary"]["replicating"] == 3
    text = progress.read_text()
    assert "replicating=3" in text
    assert all(t["source_server"]["name"] in text for t in tasks)


def test_waiting_for_nothing_or_missing_tasks_fails_clearly(emu, env):
    missing = run_module("sms_task_info", {"task_id": "gone", "wait_for": ["finished"]}, env=env)
    assert missing.get("failed") and "do not exist: gone" in missing["msg"]
    nothing = run_module("sms_task_info", {"name": "no-task-has-this-name", "wait_for": ["finished"]}, env=env)
    assert nothing.get("failed") and "nothing to wait for" in nothing["msg"]
    bad = run_module("sms_task_info", {"wait_for": ["Finished"]}, env=env)
    assert bad.get("failed") and "wait_for must list phases" in bad["msg"]
