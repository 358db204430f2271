"""SMS's concurrency limit in the emulator: a start, restart or auto_start that would put more
than ``max_running`` tasks in a migrating state (task_actions.SLOT_STATES) is refused with the
inferred 400 SMS.1045; tasks leaving those states free their slot. Over HTTP, the clock moved by
hand so every step is deterministic."""

import json
import os
import subprocess
import sys
import threading
import time
import types

import pytest

from sms_emulator import inferences, task_actions
from sms_emulator.task_validation import TASK_STATES

from support.emulator_client import LINUX_BODY, SignedClient, task_body
from ansible_collections.hwcloud.sms.plugins.module_utils import _phases

DAY = 86400
RUN = os.path.join(os.path.dirname(__file__), "..", "..", "emulator", "run_emulator.py")
_macs = iter(range(1, 100000))


@pytest.fixture
def emu(emulator_factory):
    emulator = emulator_factory(sources=0, auto_agent=True, agent_delay=0, max_running=2)
    emulator.client = SignedClient(emulator)
    return emulator


def _task(emu, **changes):
    """A registered (connected) source and a READY task for it, over HTTP: (source_id, task_id)."""
    number = next(_macs)
    body = dict(LINUX_BODY, name="host-%d" % number, networks=[{"mac": "fa:16:3e:01:%02x:%02x" % divmod(number, 256)}])
    status, answer, _headers = emu.client.request("POST", "/v3/sources", body=body)
    assert status == 200, answer
    status, answer, _headers = emu.client.request("POST", "/v3/tasks", body=task_body(emu, answer["id"], **changes))
    assert status == 200, answer
    return body["name"], answer["id"]


def _act(emu, task_id, operation):
    status, answer, _headers = emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": operation})
    return status, answer


def _state(emu, task_id):
    return emu.store.get_task(task_id)["state"]


def test_a_start_beyond_max_running_is_refused_until_a_task_leaves_the_full_copy(emu):
    first, second, third = [_task(emu, syncing=True)[1] for _number in range(3)]
    assert _act(emu, first, "start")[0] == 200
    assert _act(emu, second, "start")[0] == 200
    status, answer = _act(emu, third, "start")
    assert status == 400
    assert answer["error_code"] == "SMS.1045"
    assert "(2)" in answer["error_msg"] and "limit" in answer["error_msg"]
    assert _state(emu, third) == "READY"  # refused: nothing changed
    assert emu.store.pending_command(emu.store.get_task(third)["source_server"]["id"]) is None
    assert emu.peak_running == 2

    emu.advance(1)  # the auto agent answers START: the copies run
    emu.advance(DAY)  # both copies end in continuous sync, which takes no slot
    assert (_state(emu, first), _state(emu, second)) == ("SYNCING", "SYNCING")
    assert _act(emu, third, "start")[0] == 200
    assert _state(emu, third) == "RUNNING"
    assert emu.peak_running == 2


def test_a_stopping_task_keeps_its_slot_and_a_stopped_one_frees_it(emu):
    first, second = _task(emu)[1], _task(emu)[1]
    emu.set_max_running(1)
    emu.set_agent(agent_delay=5)
    assert _act(emu, first, "start")[0] == 200
    assert _act(emu, first, "stop")[0] == 200  # a stop is never limited
    assert _state(emu, first) == "ABORTING"
    assert _act(emu, second, "start")[1]["error_code"] == "SMS.1045"
    emu.advance(5)  # the agent acknowledges STOP
    assert _state(emu, first) == "ABORT"
    assert _act(emu, second, "start")[0] == 200
    assert _act(emu, first, "start")[1]["error_code"] == "SMS.1045"  # resuming takes a slot again


def test_a_restart_is_limited_and_a_failure_frees_the_slot(emu):
    name, failing = _task(emu)
    other = _task(emu)[1]
    emu.set_max_running(1)
    source_id = emu.store.get_task(failing)["source_server"]["id"]
    emu.set_task_fault(source_id, fail_at="SSL_CONFIG")
    assert _act(emu, failing, "start")[0] == 200
    emu.advance(1)
    emu.advance(DAY)
    assert _state(emu, failing) == "MIGRATE_FAIL", name
    assert _act(emu, other, "start")[0] == 200  # the failed task took no slot
    status, answer = _act(emu, failing, "restart")
    assert (status, answer["error_code"]) == (400, "SMS.1045")
    assert _state(emu, failing) == "MIGRATE_FAIL"


def test_auto_start_at_the_limit_creates_the_task_and_refuses_its_start(emu):
    emu.set_max_running(1)
    assert _act(emu, _task(emu)[1], "start")[0] == 200
    body = dict(LINUX_BODY, name="host-auto", networks=[{"mac": "fa:16:3e:02:00:01"}])
    source_id = emu.client.request("POST", "/v3/sources", body=body)[1]["id"]
    status, answer, _headers = emu.client.request("POST", "/v3/tasks", body=task_body(emu, source_id, auto_start=True))
    assert (status, answer["error_code"]) == (400, "SMS.1045")
    _count, created = emu.store.list_tasks(source_server_id=source_id)
    assert [task["state"] for task in created] == ["READY"]


def test_the_limit_holds_for_concurrent_starts(emu):
    emu.set_max_running(3)
    task_ids = [_task(emu)[1] for _number in range(10)]
    answers = []

    def start(task_id):
        client = SignedClient(emu)
        try:
            answers.append(client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})[0])
        finally:
            client.close()

    threads = [threading.Thread(target=start, args=(task_id,)) for task_id in task_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * 3 + [400] * 7
    assert sum(1 for task_id in task_ids if _state(emu, task_id) == "RUNNING") == 3
    assert emu.peak_running == 3
    assert emu.store.actions.running_count() == 3


def test_an_incremental_sync_takes_no_slot(emu):
    finished = _task(emu)[1]
    assert _act(emu, finished, "start")[0] == 200
    emu.advance(1)
    emu.advance(DAY)
    emu.advance(DAY)  # copied and launched
    emu.set_max_running(1)
    assert _act(emu, _task(emu)[1], "start")[0] == 200  # the one slot is taken
    assert _act(emu, finished, "start")[0] == 200  # start on a launched task syncs it
    assert _state(emu, finished) == "SYNCING"


def test_max_running_must_be_a_positive_integer(emulator_factory):
    for bad in (0, -1, True, 2.5, "3"):
        with pytest.raises(ValueError, match="max_running"):
            emulator_factory(max_running=bad)


def test_the_emulator_counts_the_states_the_collection_documents():
    assert set(task_actions.SLOT_STATES) == set(_phases.SLOT_STATES)
    assert set(TASK_STATES) <= set(_phases.SLOT_TABLE)
    assert task_actions.DEFAULT_MAX_RUNNING == 100


def test_the_refusal_is_a_documented_inference():
    entry = inferences.CONCURRENCY_LIMIT
    assert (entry.status, entry.error_code) == (task_actions.LIMIT_STATUS, task_actions.LIMIT_CODE) == (400, "SMS.1045")
    with open(inferences.README, encoding="utf-8") as readme:
        text = readme.read()
    assert "`--max-running N`" in text and "400 `SMS.1045`" in text and "INFERENCE" in text


def test_the_command_line_sets_the_limit(tmp_path):
    ready = tmp_path / "ready.json"
    process = subprocess.Popen([sys.executable, RUN, "--sources", "3", "--states", "waiting=1", "--max-running", "1",
                                "--ready-file", str(ready), "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        credentials = json.loads(ready.read_text())
        client = SignedClient(types.SimpleNamespace(url=credentials["endpoint"], project_id=credentials["project_id"],
                                                    access_key=credentials["access_key"], secret_key=credentials["secret_key"]))
        statuses = []
        for source in client.request("GET", "/v3/sources")[1]["source_servers"][:2]:
            record = client.request("GET", "/v3/sources/" + source["id"])[1]
            disks = [dict((key, disk[key]) for key in ("name", "size", "device_use", "used_size") if key in disk)
                     for disk in record["init_target_server"]["disks"]]
            body = {"name": "task-" + source["name"], "type": "MIGRATE_FILE" if record["os_type"] == "LINUX" else "MIGRATE_BLOCK",
                    "os_type": record["os_type"], "source_server": {"id": source["id"]},
                    "target_server": {"vm_id": "", "name": source["name"], "disks": disks}, "vm_template_id": "tmpl-1",
                    "region_name": credentials["region"], "region_id": credentials["region"],
                    "project_name": credentials["region"], "project_id": credentials["project_id"]}
            status, answer, _headers = client.request("POST", "/v3/tasks", body=body)
            assert status == 200, answer
            statuses.append(client.request("POST", "/v3/tasks/%s/action" % answer["id"], body={"operation": "start"})[:2])
        client.close()
        assert statuses[0][0] == 200
        assert (statuses[1][0], statuses[1][1]["error_code"]) == (400, "SMS.1045")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read()
    bad = subprocess.run([sys.executable, RUN, "--max-running", "0"], capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "--max-running must be at least 1" in bad.stderr
