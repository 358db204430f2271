"""The migration lifecycle over HTTP: time-driven progress, completion with and without continuous
sync, cutover, stop/resume, incremental sync, the auto agent and per-task faults.

The emulator's clock is moved with ``emu.advance`` so every step is deterministic."""

import json
import time
import urllib.request

import pytest

from sms_emulator import replication

from support.emulator_client import LINUX_BODY, SignedClient, task_body

AGENT_DELAY = 5
DAY = 86400


@pytest.fixture
def auto(emulator_factory):
    emu = emulator_factory(sources=0, auto_agent=True, agent_delay=AGENT_DELAY)
    emu.client = SignedClient(emu)
    return emu


_macs = iter(range(1, 10000))


def _task(emu, linux=True, **changes):
    """A registered source (connected, clean checks) and a READY task for it: (source_id, task_id)."""
    number = next(_macs)
    if linux:
        body = dict(LINUX_BODY, name="host-%d" % number, networks=[{"mac": "fa:16:3e:00:10:%02x" % number}],
                    disks=[{"name": "/dev/vda", "size": 40 * 2 ** 30, "used_size": 10 * 2 ** 30, "device_use": "BOOT",
                            "physical_volumes": [{"name": "/dev/vda1", "size": 40 * 2 ** 30, "mount_point": "/"}]}])
    else:
        body = {"name": "win-%d" % number, "os_type": "WINDOWS", "os_version": "WINDOWS2019_64BIT",
                "agent_version": "25.3.0", "networks": [{"mac": "fa:16:3e:00:20:%02x" % number}],
                "disks": [{"name": "Disk 0", "size": 20 * 2 ** 30, "device_use": "OS"}]}
    status, answer, _headers = emu.client.request("POST", "/v3/sources", body=body)
    assert status == 200, answer
    source_id = answer["id"]
    status, answer, _headers = emu.client.request("POST", "/v3/tasks", body=task_body(emu, source_id, **changes))
    assert status == 200, answer
    return source_id, answer["id"]


def _get(emu, task_id):
    status, task, _headers = emu.client.request("GET", "/v3/tasks/" + task_id)
    assert status == 200, task
    return task


def _source(emu, source_id):
    return emu.client.request("GET", "/v3/sources/" + source_id)[1]


def _act(emu, task_id, operation):
    return emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": operation})


def _seconds(names, migrate_seconds):
    return sum(migrate_seconds if name.startswith("MIGRATE_") else replication.FIXED_SECONDS[
        "FORMAT_DISK" if name.startswith("FORMAT_DISK") else name.split("_LINUX")[0].split("_WINDOWS")[0]]
        for name in names)


def test_full_copy_without_sync_progresses_then_launches(auto):
    source_id, task_id = _task(auto)
    copied = 10 * 2 ** 30  # file-level: the used bytes
    migrate_seconds = copied * 8 / (replication.DEFAULT_SPEED_MBPS * 1e6)
    assert _act(auto, task_id, "start")[0] == 200
    assert (_get(auto, task_id)["state"], _source(auto, source_id)["state"]) == ("RUNNING", "initialize")
    auto.advance(AGENT_DELAY)  # the auto agent answers START: the copy begins
    source = _source(auto, source_id)
    assert (source["state"], source["migration_cycle"]) == ("replicate", "replicating")
    assert auto.store.command_results(source_id)[0]["command_name"] == "START"

    before = ["CREATE_CLOUD_SERVER", "SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_LINUX_FILE"]
    auto.advance(_seconds(before, 0) + migrate_seconds / 2)
    task = _get(auto, task_id)
    assert [sub["name"] for sub in task["sub_tasks"]] == before + ["MIGRATE_LINUX_FILE"]
    assert [sub["progress"] for sub in task["sub_tasks"][:4]] == [100] * 4
    assert all(sub["end_date"] for sub in task["sub_tasks"][:4]) and task["sub_tasks"][4]["end_date"] is None
    assert 45 <= task["sub_tasks"][4]["progress"] <= 55 and task["subtask_info"] == "MIGRATE_LINUX_FILE"
    assert task["state"] == "RUNNING" and task["migrate_speed"] == replication.DEFAULT_SPEED_MBPS
    expected_remaining = migrate_seconds / 2 + _seconds(["CONFIGURE_LINUX_FILE", "DETTACH_AGENT_IMAGE"], 0)
    assert abs(task["remain_seconds"] - expected_remaining) < 5
    assert abs(task["estimate_complete_time"] - (auto.clock.now_ms() + task["remain_seconds"] * 1000)) < 5000
    source = _source(auto, source_id)
    assert source["totalsize"] == copied and 0.45 < source["replicatesize"] / copied < 0.55
    listed = auto.client.request("GET", "/v3/sources", {"id": source_id})[1]["source_servers"][0]
    assert listed["current_task"]["remain_seconds"] == pytest.approx(task["remain_seconds"], abs=2)
    assert "remain_seconds" not in source["current_task"]  # ShowServer's TaskByServerSource has none
    assert listed["replicatesize"] == pytest.approx(source["replicatesize"], rel=0.01)
    assert auto.client.request("GET", "/v3/tasks", {"id": task_id})[1]["tasks"][0]["sub_tasks"][4]["progress"] >= 45

    auto.advance(expected_remaining)  # copy, configure and detach done: the target launches
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert task["state"] == "MIGRATE_SUCCESS" and task["finish_date"]
    assert (source["state"], source["migration_cycle"]) == ("cutovering", "cutovering")
    assert source["replicatesize"] == source["totalsize"] == copied
    auto.advance(replication.FIXED_SECONDS["LAUNCH"])
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("MIGRATE_SUCCESS", "finished", "cutovered")
    assert [sub["progress"] for sub in task["sub_tasks"]] == [100] * 7
    assert task["sub_tasks"][-1]["name"] == "DETTACH_AGENT_IMAGE"


def test_windows_block_copies_whole_disks_and_an_existing_server_skips_creation(auto):
    _source_id, task_id = _task(auto, linux=False, exist_server=True,
                                target_server={"vm_id": "ecs-1", "name": "win", "disks": [
                                    {"name": "Disk 0", "size": 20 * 2 ** 30, "device_use": "OS"}]})
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY + 200)
    names = [sub["name"] for sub in _get(auto, task_id)["sub_tasks"]]
    assert names == ["SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_WINDOWS", "MIGRATE_WINDOWS_BLOCK"]
    auto.advance(DAY)
    names = [sub["name"] for sub in _get(auto, task_id)["sub_tasks"]]
    assert names[-2:] == ["CONFIGURE_WINDOWS", "DETTACH_AGENT_IMAGE"]


def test_continuous_sync_waits_for_cutover(auto):
    source_id, task_id = _task(auto, syncing=True)
    _act(auto, task_id, "start")
    status, body, _headers = _act(auto, task_id, "cutover")
    assert (status, body["error_code"]) == (400, "SMS.1044")  # still replicating
    auto.advance(AGENT_DELAY)
    auto.advance(DAY)
    auto.advance(DAY)  # continuous sync lasts until the user launches the target
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("SYNCING", "syncing", "syncing")
    assert [sub["name"] for sub in task["sub_tasks"]][-1] == "MIGRATE_LINUX_FILE"
    assert _act(auto, task_id, "cutover")[0] == 200
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("SYNCING", "cutovering", "cutovering")
    assert _act(auto, task_id, "cutover")[1]["error_code"] == "SMS.1044"  # already launching
    auto.advance(DAY)
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("MIGRATE_SUCCESS", "finished", "cutovered")
    assert [sub["name"] for sub in task["sub_tasks"]][-3:] == ["SYNC_LINUX_FILE", "CONFIGURE_LINUX_FILE", "DETTACH_AGENT_IMAGE"]


def test_without_start_target_server_it_ends_replicated_and_cutover_launches(auto):
    source_id, task_id = _task(auto, start_target_server=False)
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    auto.advance(DAY)
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("MIGRATE_SUCCESS", "replicate", "replicating")
    assert _act(auto, task_id, "test")[0] == 200  # the older documents' name for the launch
    assert _source(auto, source_id)["state"] == "cutovering"
    auto.advance(replication.FIXED_SECONDS["LAUNCH"])
    assert _source(auto, source_id)["state"] == "finished"


def test_stop_freezes_progress_and_start_resumes_it(auto):
    source_id, task_id = _task(auto)
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    auto.advance(600)
    assert _act(auto, task_id, "stop")[0] == 200
    stopping = _get(auto, task_id)
    assert stopping["state"] == "ABORTING" and _source(auto, source_id)["state"] == "stopping"
    auto.advance(AGENT_DELAY)
    replicated = _source(auto, source_id)["replicatesize"]
    assert _get(auto, task_id)["state"] == "ABORT" and _source(auto, source_id)["state"] == "stopped" and replicated > 0
    auto.advance(DAY)
    assert _source(auto, source_id)["replicatesize"] == replicated
    assert _get(auto, task_id)["remain_seconds"] == stopping["remain_seconds"]
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    assert _source(auto, source_id)["replicatesize"] == pytest.approx(replicated, rel=0.01)
    auto.advance(60)
    assert _source(auto, source_id)["replicatesize"] > replicated
    auto.advance(DAY)
    assert _source(auto, source_id)["state"] == "finished"


@pytest.mark.parametrize("operation", ["sync", "start"])
def test_incremental_sync_of_a_finished_migration(auto, operation):
    source_id, task_id = _task(auto)
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    auto.advance(600)
    assert _act(auto, task_id, "sync")[1]["error_code"] == "SMS.1043"  # not finished yet
    auto.advance(DAY)
    assert _source(auto, source_id)["state"] == "finished"
    assert _act(auto, task_id, operation)[0] == 200
    assert auto.store.pending_command(source_id)["command_name"] == "START"
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("SYNCING", "syncing", "syncing")
    auto.advance(AGENT_DELAY)
    assert _get(auto, task_id)["sub_tasks"][-1]["name"] == "SYNC_LINUX_FILE"
    auto.advance(DAY)
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert (task["state"], source["state"], source["migration_cycle"]) == ("SYNC_SUCCESS", "finished", "cutovered")
    assert _act(auto, task_id, operation)[0] == 200  # a finished migration can sync again


def _admin(emu, method, path, payload=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(emu.url + "/_emulator/" + path, data=data, method=method)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_failure_at_a_subtask_with_error_json_then_restart(auto):
    number = next(_macs)
    body = dict(LINUX_BODY, name="fails", networks=[{"mac": "fa:16:3e:00:30:%02x" % number}])
    source_id = auto.client.request("POST", "/v3/sources", body=body)[1]["id"]
    # set through the admin API before the task exists, keyed by the source
    _admin(auto, "POST", "task_faults", {"source_id": source_id, "fail_at": "SSL_CONFIG"})
    task_id = auto.client.request("POST", "/v3/tasks", body=task_body(auto, source_id))[1]["id"]
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    auto.advance(replication.FIXED_SECONDS["CREATE_CLOUD_SERVER"] + 4)
    assert _get(auto, task_id)["state"] == "RUNNING"
    auto.advance(2)
    task = _get(auto, task_id)
    assert task["state"] == "MIGRATE_FAIL" and _source(auto, source_id)["state"] == "error"
    assert json.loads(task["error_json"]) == {
        "error_code": "SMS.1901", "error_msg": "Failed to connect to the target server: check ports 22, 8899 and 8900",
        "error_params": ["SSL_CONFIG"]}
    assert task["sub_tasks"][-1]["name"] == "SSL_CONFIG" and task["sub_tasks"][-1]["progress"] == 50
    assert _act(auto, task_id, "restart")[0] == 200
    assert _get(auto, task_id)["error_json"] == ""
    auto.advance(AGENT_DELAY)
    auto.advance(DAY)  # the fault fired once: the retry goes through
    assert _source(auto, source_id)["state"] == "finished"


def test_failure_in_the_copy_with_another_code_from_python(auto):
    source_id, task_id = _task(auto)
    auto.set_task_fault(task_id, fail_at="MIGRATE_LINUX_FILE", error_code="SMS.1106")
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    auto.advance(DAY)
    task = _get(auto, task_id)
    assert task["state"] == "MIGRATE_FAIL" and json.loads(task["error_json"])["error_code"] == "SMS.1106"
    assert 0.45 < _source(auto, source_id)["replicatesize"] / _source(auto, source_id)["totalsize"] < 0.55
    with pytest.raises(ValueError):
        auto.set_task_fault(task_id, fail_at="COFFEE_BREAK")


def test_agent_disconnects_mid_copy_and_the_copy_stalls_until_it_polls(auto):
    source_id, task_id = _task(auto)
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    auto.set_task_fault(task_id, disconnect_at="MIGRATE_LINUX_FILE")
    auto.advance(DAY)
    task, source = _get(auto, task_id), _source(auto, source_id)
    assert task["state"] == "RUNNING" and task["connected"] is False and source["connected"] is False
    assert task["remain_seconds"] is None and task["migrate_speed"] == 0.0
    stalled = source["replicatesize"]
    auto.advance(DAY)
    assert _source(auto, source_id)["replicatesize"] == stalled
    _act(auto, task_id, "stop")  # a disconnected agent answers nothing, even with the auto agent
    auto.advance(DAY)
    assert _get(auto, task_id)["state"] == "ABORTING"
    auto.client.request("GET", "/v3/sources/%s/command" % source_id)  # the agent is back
    assert _source(auto, source_id)["connected"] is True
    auto.advance(AGENT_DELAY)
    assert _get(auto, task_id)["state"] == "ABORT"


def test_unknown_raw_state_is_served_and_taken_back(auto):
    sdk = pytest.importorskip("huaweicloudsdksms.v3")
    core = pytest.importorskip("huaweicloudsdkcore.auth.credentials")
    source_id, task_id = _task(auto)
    _act(auto, task_id, "start")
    auto.advance(AGENT_DELAY)
    _admin(auto, "POST", "task_faults", {"task_id": task_id, "raw_state": "CUTOVER_READY"})
    auto.advance(1)
    client = sdk.SmsClient.new_builder().with_endpoint(auto.url).with_credentials(
        core.BasicCredentials(auto.access_key, auto.secret_key, auto.project_id)).build()
    assert client.show_task(sdk.ShowTaskRequest(task_id=task_id)).state == "CUTOVER_READY"
    listed = client.list_tasks(sdk.ListTasksRequest(source_server_id=source_id)).tasks
    assert [task.state for task in listed] == ["CUTOVER_READY"]
    frozen = _source(auto, source_id)["replicatesize"]
    auto.advance(DAY)
    assert _source(auto, source_id)["replicatesize"] == frozen
    _admin(auto, "DELETE", "task_faults?task_id=" + task_id)
    assert _get(auto, task_id)["state"] == "RUNNING"
    auto.advance(DAY)
    assert _source(auto, source_id)["state"] == "finished"
    _other_source, ready = _task(auto)
    auto.set_task_fault(ready, raw_state="PAUSED_BY_OPS")  # at once, even without a run
    assert _get(auto, ready)["state"] == "PAUSED_BY_OPS"
    auto.clear_task_fault(ready)
    assert _get(auto, ready)["state"] == "READY"


def test_without_the_auto_agent_commands_wait_for_a_real_agent(emulator_factory):
    emu = emulator_factory(sources=0)
    emu.client = SignedClient(emu)
    source_id, task_id = _task(emu)
    _act(emu, task_id, "start")
    emu.advance(DAY)
    assert emu.store.pending_command(source_id)["command_name"] == "START" and _get(emu, task_id)["sub_tasks"] == []
    emu.set_agent(auto_agent=True, agent_delay=0)
    assert _get(emu, task_id)["sub_tasks"][0]["name"] == "CREATE_CLOUD_SERVER"


def test_speedup_runs_a_whole_migration_in_moments(emulator_factory):
    emu = emulator_factory(sources=0, auto_agent=True, speedup=100000)
    emu.client = SignedClient(emu)
    source_id, task_id = _task(emu)
    _act(emu, task_id, "start")
    deadline = time.monotonic() + 30
    while _source(emu, source_id)["state"] != "finished" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _source(emu, source_id)["state"] == "finished" and _get(emu, task_id)["state"] == "MIGRATE_SUCCESS"
    overview = emu.client.request("GET", "/v3/sources/overview")[1]
    assert overview["finished"] == 1 and sum(overview[key] for key in overview if key != "unconfigured") == 1
