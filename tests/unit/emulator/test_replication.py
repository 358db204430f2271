"""The progress model (pure functions of a run and the clock)."""

import pytest

from sms_emulator import replication

GIB = 2 ** 30


def _task(**fields):
    task = {"os_type": "LINUX", "type": "MIGRATE_FILE", "exist_server": False, "syncing": False,
            "target_server": {"disks": [{"name": "/dev/vda", "size": 40 * GIB, "used_size": 10 * GIB}]}}
    task.update(fields)
    return task


@pytest.mark.parametrize("fields, names", [
    ({}, ["CREATE_CLOUD_SERVER", "SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_LINUX_FILE", "MIGRATE_LINUX_FILE",
          "CONFIGURE_LINUX_FILE", "DETTACH_AGENT_IMAGE"]),
    ({"type": "MIGRATE_BLOCK", "syncing": True},
     ["CREATE_CLOUD_SERVER", "SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_LINUX_BLOCK", "MIGRATE_LINUX_BLOCK"]),
    ({"os_type": "WINDOWS", "type": "MIGRATE_BLOCK", "exist_server": True},
     ["SSL_CONFIG", "ATTACH_AGENT_IMAGE", "FORMAT_DISK_WINDOWS", "MIGRATE_WINDOWS_BLOCK", "CONFIGURE_WINDOWS",
      "DETTACH_AGENT_IMAGE"])])
def test_full_plans_use_the_documented_subtask_names(fields, names):
    plan = replication.plan("full", _task(**fields), 10 * GIB, 100)
    assert [step[0] for step in plan] == names
    assert set(names) <= set(replication.SUBTASK_NAMES)


def test_copy_bytes_file_level_uses_used_bytes_block_level_whole_disks():
    assert replication.copy_bytes(_task(), None) == 10 * GIB
    assert replication.copy_bytes(_task(type="MIGRATE_BLOCK"), None) == 40 * GIB
    source = {"init_target_server": {"disks": [{"size": 8 * GIB}, {"size": 2 * GIB}]}}
    assert replication.copy_bytes(_task(target_server={"disks": []}), source) == 10 * GIB


def test_snapshot_moves_forward_and_ends():
    run = replication.new_run("full", _task(), 10 * GIB, 100, now=1000.0)
    total = sum(step[1] for step in run["plan"])
    previous = None
    for seconds in (0, 100, 250, 500, 900, total - 1, total):
        snap = replication.snapshot(run, 1000.0 + seconds)
        if previous is not None:
            assert snap["copied_bytes"] >= previous["copied_bytes"]
            assert snap["remain_seconds"] <= previous["remain_seconds"]
        assert snap["estimate_complete_time"] == int((1000.0 + total) * 1000)
        previous = snap
    assert previous["done"] and previous["copied_bytes"] == 10 * GIB and previous["remain_seconds"] == 0
    middle = replication.snapshot(run, 1000.0 + 220 + 429.5)  # halfway through the 859 s copy
    assert middle["current"] == "MIGRATE_LINUX_FILE" and middle["migrate_speed"] == 100
    assert abs(middle["copied_bytes"] - 5 * GIB) < GIB / 100


def test_a_paused_run_stands_still():
    run = replication.new_run("full", _task(), 10 * GIB, 100, now=0.0)
    run["paused"] = 500.0
    first, later = replication.snapshot(run, 600.0), replication.snapshot(run, 99999.0)
    assert first["copied_bytes"] == later["copied_bytes"] > 0
    assert first["remain_seconds"] is None and first["next_event"] is None


def test_fault_points_are_halfway_through_the_named_subtask():
    run = replication.new_run("full", _task(), 10 * GIB, 100, now=0.0, fault={"fail_at": "SSL_CONFIG"})
    assert replication.fault_point(run) == (125.0, "fail_at")
    snap = replication.snapshot(run, 10000.0)
    assert snap["fired"] == "fail_at" and snap["elapsed"] == 125.0 and not snap["done"]
    assert snap["sub_tasks"][-1] == dict(snap["sub_tasks"][-1], name="SSL_CONFIG", progress=50)
    run["fault"] = {"raw_state": "CUTOVER_READY"}
    assert replication.fault_point(run) == (0.0, "raw_state")
    run["fault"] = {"fail_at": "SYNC_LINUX_FILE"}  # not part of a full copy: never fires
    assert replication.fault_point(run) is None and replication.snapshot(run, 10000.0)["done"]
