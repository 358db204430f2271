# -*- coding: utf-8 -*-
"""sms_task_action's rolling starts (max_running) in this process against an emulator that
enforces SMS's concurrency limit with a small max_running: the limit holds in the emulator's own
record, tasks outside the call count, a start refused for the limit is queued again, the timeout
returns what is still queued, check mode writes nothing.

The emulator's clock runs 100000 times faster with an agent that answers at once: a full copy
takes a few hundredths of a second, and every task ends in continuous sync (SYNCING), which
takes no slot. A task whose source "disconnects" during its first sub-task stays RUNNING."""

import pytest

from sms_emulator import task_actions
from sms_emulator.errors import ApiError

from support.module_runner import emulator_args, run_module

# The module's max_running is the emulator's: SMS's limit for the account.
FAST = dict(poll_interval=0.05, wait_timeout=60, max_running=3)
ACTION = "/v3/tasks/%s/action"


@pytest.fixture
def emu(emulator_factory):
    emulator = emulator_factory(sources=24, seed=5, states="waiting=1", speedup=100000, auto_agent=True,
                                agent_delay=0, max_running=3)
    emulator.free_sources = [source for source in emulator.store.list_sources(state="waiting") if source["connected"]]
    return emulator


def _tasks(emu, count, stuck=False):
    """IDs of ``count`` new READY tasks (continuous sync); ``stuck`` ones stay RUNNING once started."""
    made = []
    for _number in range(count):
        source = emu.free_sources.pop()
        if stuck:
            emu.set_task_fault(source["id"], disconnect_at="CREATE_CLOUD_SERVER")
        made.append(emu.store.create_task({"name": "t-" + source["name"], "type": "MIGRATE_FILE", "syncing": True,
                                           "source_server": {"id": source["id"]}}))
    return made


def _outside(emu, count):
    """``count`` tasks of the account started outside the module that stay RUNNING."""
    task_ids = _tasks(emu, count, stuck=True)
    for task_id in task_ids:
        emu.store.task_action(task_id, "start")
    return task_ids


def _start(emu, task_ids, check_mode=False, **args):
    options = dict(FAST, task_ids=task_ids, operation="start")
    options.update(args)
    return run_module("sms_task_action", emulator_args(emu, **options), check_mode=check_mode)


def _action_answers(emu):
    return [(entry["path"].split("/")[3], entry["status"]) for entry in emu.request_log()
            if entry["method"] == "POST" and entry["path"].endswith("/action")]


def test_a_wave_larger_than_the_limit_never_exceeds_it(emu):
    task_ids = _tasks(emu, 8)
    result = _start(emu, task_ids)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["sent"] == 8 and result["queued_tasks"] == []
    assert [r["outcome"] for r in result["results"]] == ["sent"] * 8
    assert all(r["started_at"] and r["started_at"].endswith("Z") for r in result["results"])
    # Started in the order given, as slots freed.
    assert [r["started_at"] for r in result["results"]] == sorted(r["started_at"] for r in result["results"])
    assert [r["task_id"] for r in result["results"]] == task_ids
    rolling = result["rolling"]
    assert rolling["max_running"] == 3 and rolling["peak_running"] == 3 and rolling["refused_for_limit"] == 0
    assert rolling["polls"] >= 3 and rolling["waited_seconds"] >= 0.05 * 2
    assert 1 <= rolling["max_requests_per_poll"] <= 4  # one page of the listing, at most 3 starts
    assert emu.peak_running == 3  # the emulator's own record: never more than 3 at once
    # Every start SMS saw was admitted (no refusal for the limit was needed).
    assert sorted(_action_answers(emu)) == sorted((task_id, 200) for task_id in task_ids)
    assert all(emu.store.get_task(task_id)["state"] in ("RUNNING", "SYNCING") for task_id in task_ids)


def test_tasks_outside_the_call_take_slots_too(emu):
    outside = _outside(emu, 2)
    task_ids = _tasks(emu, 3)
    emu.clear_request_log()
    result = _start(emu, task_ids)
    assert not result.get("failed"), result.get("msg")
    assert result["sent"] == 3 and result["queued_tasks"] == []
    # One slot left: one task at a time, so at least one poll per task.
    assert result["rolling"]["peak_running"] == 3 and result["rolling"]["polls"] >= 3
    assert emu.peak_running == 3
    assert all(emu.store.get_task(task_id)["state"] == "RUNNING" for task_id in outside)
    assert [status for _task, status in _action_answers(emu)] == [200, 200, 200]


def _another_job_takes_the_slot(emu, monkeypatch, task_ids):
    """Right before SMS handles the first start of the module, another job starts a task of its
    own, which takes the last slot; that job's task goes away (and frees the slot) at the second
    listing of the account's tasks after SMS refused the module's start, so the module reads the
    account full once after the refusal whatever the emulator's clock does."""
    other = _tasks(emu, 1, stuck=True)[0]
    start, listing = emu.store.actions.task_action, emu.store.tasks.list_tasks
    events = []

    def task_action(task_id, operation, body=None):
        if task_id in task_ids and not events:
            events.append("other job started")
            start(other, "start")
        try:
            return start(task_id, operation, body)
        except ApiError:
            events.append("refused")
            raise

    def list_tasks(**query):
        if "refused" in events:
            events.append("listed")
            if events.count("listed") == 2:
                emu.remove_task(other)
        return listing(**query)

    monkeypatch.setattr(emu.store.actions, "task_action", task_action)
    monkeypatch.setattr(emu.store.tasks, "list_tasks", list_tasks)
    return events


def test_a_start_refused_for_the_limit_waits_for_the_next_slot(emu, monkeypatch):
    _outside(emu, 2)
    task_ids = _tasks(emu, 3)
    events = _another_job_takes_the_slot(emu, monkeypatch, task_ids)
    emu.clear_request_log()
    result = _start(emu, task_ids)
    assert not result.get("failed"), result.get("msg")
    assert events[:2] == ["other job started", "refused"]
    assert result["rolling"]["refused_for_limit"] == 1
    assert [r["outcome"] for r in result["results"]] == ["sent"] * 3 and result["queued_tasks"] == []
    answers = _action_answers(emu)
    assert answers[0] == (task_ids[0], 400) and answers.count((task_ids[0], 200)) == 1
    refusal = [e for e in emu.request_log() if e["status"] == 400][0]
    assert refusal["path"] == ACTION % task_ids[0]
    assert emu.peak_running == 3


def test_a_refusal_with_another_code_counts_as_the_limit_when_the_account_is_full(emu, monkeypatch):
    monkeypatch.setattr(task_actions, "LIMIT_CODE", "SMS.9999")  # a code the module does not know
    _outside(emu, 2)
    task_ids = _tasks(emu, 2)
    events = _another_job_takes_the_slot(emu, monkeypatch, task_ids)
    emu.clear_request_log()
    result = _start(emu, task_ids)
    assert not result.get("failed"), result.get("msg")
    assert "refused" in events and result["rolling"]["refused_for_limit"] == 1 and result["sent"] == 2
    assert [e["status"] for e in emu.request_log() if e["status"] == 400] == [400]
    assert emu.peak_running == 3


def test_a_refusal_for_another_reason_fails_that_task_and_starts_the_others(emu, monkeypatch):
    task_ids = _tasks(emu, 4)
    original = emu.store.actions.task_action

    def task_action(task_id, operation, body=None):
        if task_id == task_ids[1]:
            raise ApiError(400, "SMS.1039", "Only paused tasks can be resumed")
        return original(task_id, operation, body)

    monkeypatch.setattr(emu.store.actions, "task_action", task_action)
    result = _start(emu, task_ids)
    assert result.get("failed")
    assert "SMS refused operation start for 1 of 4 task(s)" in result["msg"] and "SMS.1039" in result["msg"]
    outcomes = [r["outcome"] for r in result["results"]]
    assert outcomes == ["sent", "error", "sent", "sent"]
    assert result["results"][1]["error"]["error_code"] == "SMS.1039" and result["results"][1]["started_at"] is None
    assert result["rolling"]["refused_for_limit"] == 0 and result["queued_tasks"] == []
    assert result["changed"] and result["sent"] == 3


def test_the_timeout_returns_the_tasks_still_queued(emu):
    _outside(emu, 2)
    first = _tasks(emu, 1, stuck=True)  # takes the last slot and keeps it
    rest = _tasks(emu, 2)
    result = _start(emu, first + rest, wait_timeout=0.6, poll_interval=0.1)
    assert result.get("failed")
    assert "1 of 3 task(s) started, 2 still queued" in result["msg"] and "timed out" in result["msg"]
    assert result["queued_tasks"] == rest
    assert [r["outcome"] for r in result["results"]] == ["sent", "queued", "queued"]
    assert result["results"][0]["started_at"] and [r["started_at"] for r in result["results"][1:]] == [None, None]
    assert result["changed"] and result["sent"] == 1
    assert result["rolling"]["polls"] >= 3 and result["rolling"]["peak_running"] == 3
    assert [t["id"] for t in result["tasks"]] == first + rest and result["summary"]["ready"] == 2
    assert all(emu.store.get_task(task_id)["state"] == "READY" for task_id in rest)
    assert emu.peak_running == 3


def test_check_mode_sends_nothing_and_names_the_tasks_that_would_wait(emu):
    _outside(emu, 1)
    task_ids = _tasks(emu, 4)
    emu.clear_request_log()
    result = _start(emu, task_ids, check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert emu.write_requests() == []
    assert result["changed"] and result["sent"] == 0
    assert [r["outcome"] for r in result["results"]] == ["would_send"] * 4
    assert [r["started_at"] for r in result["results"]] == [None] * 4
    assert result["queued_tasks"] == task_ids[2:]  # two free slots
    assert result["rolling"]["peak_running"] == 1 and result["rolling"]["polls"] == 0
    assert all(emu.store.get_task(task_id)["state"] == "READY" for task_id in task_ids)


def test_wait_until_replicating_and_the_progress_file_counts(emu, tmp_path, monkeypatch):
    task_ids = _tasks(emu, 5)
    progress = tmp_path / "progress.txt"
    original, seen = emu.store.actions.task_action, []

    def task_action(task_id, operation, body=None):
        # What the file said when the third task was started (written at the poll before).
        if task_id == task_ids[2]:
            seen.append(progress.read_text().splitlines()[1])
        return original(task_id, operation, body)

    monkeypatch.setattr(emu.store.actions, "task_action", task_action)
    result = _start(emu, task_ids, wait=True, max_running=2, progress_file=str(progress))
    assert not result.get("failed"), result.get("msg")
    assert result["sent"] == 5 and result["rolling"]["peak_running"] == 2 and emu.peak_running == 2
    assert result["polls"] >= 1 and all(t["phase"] in ("replicating", "syncing") for t in result["tasks"])
    assert seen and seen[0].startswith("queued=3  migrating=2  done=0")
    lines = progress.read_text().splitlines()
    counts = dict(item.split("=") for item in lines[1].split())
    assert set(counts) == {"queued", "migrating", "done"}
    assert counts["queued"] == "0" and int(counts["migrating"]) + int(counts["done"]) == 5
    assert "poll" in lines[0] and lines[4].split()[:2] == ["server", "phase"]
    assert len([line for line in lines[5:] if line.split() and line.split()[1] in ("replicating", "syncing")]) == 5


def test_restart_is_rolled_too(emu):
    task_ids = _tasks(emu, 4)
    emu.set_max_running(4)
    for task_id in task_ids:
        emu.set_task_fault(emu.store.get_task(task_id)["source_server"]["id"], fail_at="CREATE_CLOUD_SERVER")
        emu.store.task_action(task_id, "start")
    emu.advance(3600)  # every fault fires: the tasks fail, and take no slot
    assert [emu.store.get_task(task_id)["state"] for task_id in task_ids] == ["MIGRATE_FAIL"] * 4
    emu.set_max_running(3)
    result = _start(emu, task_ids, operation="restart", max_running=2)
    assert not result.get("failed"), result.get("msg")
    assert result["sent"] == 4 and all(r["started_at"] for r in result["results"])
    assert result["rolling"]["peak_running"] == 2 and result["rolling"]["polls"] >= 2


@pytest.mark.parametrize("value", [0, 1001])
def test_max_running_out_of_range_fails_before_any_request(emu, value):
    emu.clear_request_log()
    result = _start(emu, _tasks(emu, 1), max_running=value)
    assert result.get("failed") and "max_running must be between 1 and 1000, got %d" % value in result["msg"]
    assert emu.request_log() == []


def test_other_operations_are_not_rolled(emu):
    task_ids = _tasks(emu, 2, stuck=True)
    for task_id in task_ids:
        emu.store.task_action(task_id, "start")
    emu.clear_request_log()
    result = run_module("sms_task_action", emulator_args(emu, task_ids=task_ids, operation="stop", max_running=1))
    assert not result.get("failed"), result.get("msg")
    assert "rolling" not in result and result["queued_tasks"] == [] and result["sent"] == 2
    assert [r["started_at"] for r in result["results"]] == [None, None]
    assert [emu.store.get_task(task_id)["state"] for task_id in task_ids] == ["ABORTING"] * 2
