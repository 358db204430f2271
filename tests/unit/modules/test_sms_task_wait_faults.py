# -*- coding: utf-8 -*-
"""Waits of sms_task_info and sms_task_action when the world changes under them: a task deleted
while waited for ends the wait at once (gone_tasks), an outage longer than the client's retries
is ridden through up to outage_timeout, and absurd numbers in SMS's answers never crash a module.
Every test is bounded (short poll intervals, a watcher thread with a deadline).
Run in this process against the emulator (moved from tests/integration/test_sms_task_wait_faults.py, assertions unchanged)."""

import threading
import time

import pytest

from sms_emulator import Emulator
from support.module_runner import emulator_args
from ansible_collections.hwcloud.sms.tests.unit.modules.sms_task_runner import run_module


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=12, seed=17, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_args(emu)


_taken = set()


def _new_task(emu):
    """(source record, task id) of a new READY task on a source no other test used."""
    for source in emu.store.list_sources(state="waiting"):
        if source["id"] not in _taken:
            _taken.add(source["id"])
            return source, emu.store.create_task({"name": "w-" + source["name"], "type": "MIGRATE_FILE",
                                                  "source_server": {"id": source["id"]}})
    raise AssertionError("not enough sources")


class Watcher(object):
    """Runs ``action`` once ``condition(request log)`` holds; gives up after ``timeout`` seconds."""

    def __init__(self, emu, condition, action, timeout=20):
        self.emu, self.condition, self.action, self.timeout = emu, condition, action, timeout
        self.fired = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.condition(self.emu.request_log()):
                self.action()
                self.fired.set()
                return
            time.sleep(0.02)

    def join(self):
        self.thread.join()
        assert self.fired.is_set(), "the watched request never came"


def _reads_of(task_id, count=1):
    return lambda log: sum(1 for e in log if e["method"] == "GET" and e["path"] == "/v3/tasks/" + task_id) >= count


def test_a_task_deleted_during_the_wait_ends_it_at_once_as_gone(emu, env):
    source, task_id = _new_task(emu)
    _other_source, other_id = _new_task(emu)
    emu.clear_request_log()
    # deleted after the module's first read (one listing page for two tasks)
    watcher = Watcher(emu, lambda log: any(e["method"] == "GET" for e in log), lambda: emu.store.delete_task(task_id))
    started = time.monotonic()
    # Both READY: without the deletion the wait would run to wait_timeout.
    result = run_module("sms_task_info", {"task_ids": [task_id, other_id], "wait_for": ["finished"],
                                          "poll_interval": 0.3, "wait_timeout": 25}, env=env)
    watcher.join()
    assert result.get("failed")
    assert time.monotonic() - started < 20
    assert "no longer exist" in result["msg"] and task_id in result["msg"] and "timed out" not in result["msg"]
    assert [t["id"] for t in result["gone_tasks"]] == [task_id]
    gone = result["gone_tasks"][0]
    assert gone["gone"] is True and gone["last_state"] == "READY" and gone["phase"] == "unknown"
    assert gone["source_server"]["name"] == source["name"] and source["name"] in result["msg"]
    assert result["failed_tasks"] == [] and result["summary"]["unknown"] == 1 and result["summary"]["ready"] == 1


def test_a_task_deleted_while_an_operation_is_waited_on(emu, env):
    _source, task_id = _new_task(emu)
    emu.store.task_action(task_id, "start")
    emu.clear_request_log()
    # stop waits for the agent's STOP (there is none here); the task disappears instead
    watcher = Watcher(emu, lambda log: any(e["method"] == "POST" for e in log), lambda: emu.remove_task(task_id))
    result = run_module("sms_task_action", {"task_id": task_id, "operation": "stop", "wait": True,
                                            "poll_interval": 0.3, "wait_timeout": 25}, env=env)
    watcher.join()
    assert result.get("failed") and "operation stop was sent, then" in result["msg"]
    assert "no longer exist" in result["msg"]
    assert [t["id"] for t in result["gone_tasks"]] == [task_id] and result["sent"] == 1 and result["changed"]


def test_the_wait_rides_through_an_outage_longer_than_the_retries(emu, env):
    _source, task_id = _new_task(emu)
    emu.clear_request_log()

    def outage():
        # Every request fails for 2 s (the client does not retry: retries 0); meanwhile the task
        # starts, which the wait sees once SMS answers again.
        emu.set_faults(outage_seconds=2)
        emu.store.task_action(task_id, "start")

    watcher = Watcher(emu, _reads_of(task_id), outage)
    try:
        result = run_module("sms_task_info", {"task_id": task_id, "wait_for": ["replicating"], "poll_interval": 0.3,
                                              "wait_timeout": 30, "outage_timeout": 60, "retries": 0}, env=env)
        watcher.join()
    finally:
        emu.reset_faults()
    assert not result.get("failed"), result.get("msg")
    faulted = [e for e in emu.request_log() if e.get("fault")]
    assert result["failed_polls"] == len(faulted) >= 3 and result["polls"] >= result["failed_polls"] + 2
    assert result["tasks"][0]["phase"] == "replicating" and result["gone_tasks"] == []


def test_an_outage_past_outage_timeout_fails_with_the_last_api_error(emu, env, tmp_path):
    _source, task_id = _new_task(emu)
    emu.store.task_action(task_id, "start")
    emu.clear_request_log()
    progress = tmp_path / "progress.txt"
    # stop waits for stopped; every poll after the operation fails until the bound
    outage = Watcher(emu, lambda log: any(e["method"] == "POST" for e in log),
                     lambda: emu.set_faults(outage_seconds=30))
    started = time.monotonic()
    try:
        result = run_module("sms_task_action", {"task_id": task_id, "operation": "stop", "wait": True,
                                                "poll_interval": 0.2, "wait_timeout": 60, "outage_timeout": 1,
                                                "retries": 0, "progress_file": str(progress)}, env=env)
        outage.join()
    finally:
        emu.reset_faults()
    assert result.get("failed")
    assert time.monotonic() - started < 30
    assert "every poll failed for" in result["msg"] and "outage_timeout 1" in result["msg"]
    assert result["status"] == 503 and result["error_code"] and result["request_id"]
    assert result["sent"] == 1 and result["changed"] is True
    assert [t["id"] for t in result["pending_tasks"]] == [task_id]
    assert "this poll failed" in progress.read_text() and "503" in progress.read_text()


@pytest.mark.parametrize("value", [1e20, float("nan"), -5, 10 ** 400, "soon"], ids=repr)
def test_absurd_numbers_in_a_task_become_null_with_a_warning(emu, env, value):
    _source, task_id = _new_task(emu)
    with emu.store._write() as conn:  # pylint: disable=protected-access
        task = emu.store._load_task(task_id, conn)  # pylint: disable=protected-access
        task.update(state="RUNNING", estimate_complete_time=value, migrate_speed=value, total_time=value,
                    sub_tasks=[{"id": 1, "name": "MIGRATE_LINUX_FILE", "progress": value, "start_date": value,
                                "end_date": None, "process_trace": ""}])
        emu.store._save_task(conn, task)  # pylint: disable=protected-access
    waiting = {"task_id": task_id, "wait_for": ["finished"], "wait_timeout": 0.5, "poll_interval": 0.2}
    for args in ({"task_id": task_id}, {"name": "w-"}, waiting):
        result = run_module("sms_task_info", args, env=env)
        assert "Traceback" not in result.get("module_stderr", ""), result
        task = next(t for t in result["tasks"] if t["id"] == task_id)
        for key in ("progress_percent", "eta", "remain_seconds", "speed_mbps", "start_time"):
            assert task[key] is None, (key, task[key])
        assert any(task_id in warning and "shown as null" in warning for warning in result.get("warnings", []))
