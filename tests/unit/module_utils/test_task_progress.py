# -*- coding: utf-8 -*-
"""Progress, time left, start and finish of a task as a user reads them next to "0.0 / 50.0 GiB",
derived only from the fields SMS documents (TasksResponseBody of GET /v3/tasks, ShowTaskResponse
of GET /v3/tasks/{id}, a source's replicatesize/totalsize and current_task), and absurd numbers
from the API that never crash anything (pure functions, no HTTP)."""

from datetime import datetime, timezone

import pytest

from ansible_collections.hwcloud.sms.plugins.inventory.sms_sources import with_migration_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe, iso_time, progress_percent, progress_table

NOW = datetime(2026, 11, 23, 20, 0, 0, tzinfo=timezone.utc)
NOW_MS = int(NOW.timestamp() * 1000)


def _sub(name, progress, start=None, end=None):
    return {"id": 1, "name": name, "progress": progress, "start_date": start, "end_date": end, "process_trace": ""}


# A full copy that has prepared the target (3 sub-tasks done, formatting half way) and copied nothing:
# the old average of the started sub-tasks said 87.5 %.
PREPARING = [_sub("CREATE_CLOUD_SERVER", 100, NOW_MS - 400000, NOW_MS - 300000),
             _sub("SSL_CONFIG", 100, NOW_MS - 300000, NOW_MS - 290000),
             _sub("ATTACH_AGENT_IMAGE", 100, NOW_MS - 290000, NOW_MS - 230000),
             _sub("FORMAT_DISK_LINUX_FILE", 50, NOW_MS - 230000)]


def test_nothing_copied_while_the_target_is_prepared():
    task = {"id": "t", "state": "RUNNING", "sub_tasks": PREPARING}
    described = describe(task, now=NOW)
    assert described["phase"] == "replicating"
    assert described["progress_percent"] == 0.0
    assert described["current_subtask"] == "FORMAT_DISK_LINUX_FILE"
    # the inventory shows the same, from the source's sizes
    source = {"id": "s", "state": "replicate", "migration_cycle": "replicating", "replicatesize": 0,
              "totalsize": 50 * 2 ** 30, "current_task": {"id": "t", "state": "RUNNING"}}
    assert with_migration_phase(source)["progress_percent"] == 0.0


def test_the_copy_subtask_is_the_share_of_data_copied_and_past_the_copy_all_is_copied():
    copying = {"id": "t", "state": "RUNNING", "sub_tasks": PREPARING[:3] + [
        _sub("FORMAT_DISK_LINUX_FILE", 100, 1, 2), _sub("MIGRATE_LINUX_FILE", 40, 3)]}
    assert describe(copying)["progress_percent"] == 40.0
    # a stopped or failed copy keeps what it copied
    assert describe(dict(copying, state="ABORT"))["progress_percent"] == 40.0
    assert describe(dict(copying, state="MIGRATE_FAIL"))["progress_percent"] == 40.0
    # a final sync's sub-task is not the full copy
    synced = dict(copying, state="SYNCING", sub_tasks=copying["sub_tasks"][:-1] + [
        _sub("MIGRATE_LINUX_FILE", 100, 3, 4), _sub("SYNC_LINUX_FILE", 10, 5)])
    assert describe(synced)["progress_percent"] == 100.0
    assert describe({"id": "t", "state": "MIGRATE_SUCCESS"})["progress_percent"] == 100.0
    assert describe({"id": "t", "state": "READY"})["progress_percent"] == 0.0
    # a failure before any sub-task, a deleting task, the inventory's running task without sizes: unknown
    assert describe({"id": "t", "state": "MIGRATE_FAIL"})["progress_percent"] is None
    assert describe({"id": "t", "state": "RUNNING"})["progress_percent"] is None
    assert describe({"id": "t", "state": "DELETING", "sub_tasks": PREPARING})["progress_percent"] is None
    assert progress_percent({"state": "RUNNING"}, "replicating", sizes=(None, 0)) is None
    assert progress_percent({"state": "RUNNING"}, "replicating", sizes=(10, 40)) == 25.0


def test_time_left_start_and_finish_from_the_listing_fields():
    """GET /v3/tasks documents estimate_complete_time and the sub-tasks' dates, not remain_seconds,
    start_date or finish_date (those are GET /v3/tasks/{id}'s)."""
    listed = {"id": "t", "state": "RUNNING", "estimate_complete_time": NOW_MS + 5400 * 1000, "sub_tasks": PREPARING}
    described = describe(listed, now=NOW)
    assert described["remain_seconds"] == 5400
    assert described["eta"] == "2026-11-23T21:30:00Z"
    assert described["start_time"] == iso_time(NOW_MS - 400000)
    assert described["finish_time"] is None
    done = {"id": "t", "state": "MIGRATE_SUCCESS", "estimate_complete_time": NOW_MS,
            "source_server": {"state": "finished", "migration_cycle": "cutovered"},
            "sub_tasks": PREPARING[:3] + [_sub("MIGRATE_LINUX_FILE", 100, NOW_MS - 200000, NOW_MS - 1000)]}
    described = describe(done, now=NOW)
    assert described["finish_time"] == iso_time(NOW_MS - 1000)
    assert described["remain_seconds"] is None and described["eta"] is None  # stale once done
    # GET /v3/tasks/{id} has the task's own dates and remain_seconds; they win
    shown = dict(done, start_date=NOW_MS - 500000, finish_date=NOW_MS - 500, remain_seconds=0)
    assert describe(shown)["start_time"] == iso_time(NOW_MS - 500000)
    assert describe(shown)["finish_time"] == iso_time(NOW_MS - 500)
    running = dict(listed, remain_seconds=60)
    assert describe(running, now=NOW)["remain_seconds"] == 60


ABSURD = [1e20, 1e300, -5, -1e300, "NaN", "nan", "inf", "-Infinity", "soon", {"ms": 1}, [1], True, 10 ** 400,
          float("nan"), float("inf")]


@pytest.mark.parametrize("value", ABSURD, ids=repr)
def test_absurd_numbers_become_null_with_a_note_never_an_exception(value):
    task = {"id": "t-odd", "state": "RUNNING", "estimate_complete_time": value, "remain_seconds": value,
            "migrate_speed": value, "start_date": value, "finish_date": value, "create_date": value,
            "sub_tasks": [_sub("MIGRATE_LINUX_FILE", value, value, value)],
            "source_server": {"name": "app-01", "state": "replicate"}}
    notes = []
    described = describe(task, now=NOW, notes=notes)
    for key in ("progress_percent", "remain_seconds", "eta", "speed_mbps", "start_time", "finish_time"):
        assert described[key] is None, key
    assert notes and all(note.startswith("task t-odd: ") and note.endswith("shown as null") for note in notes)
    assert any("migrate_speed" in note for note in notes)
    progress_table([described])  # the progress file's table takes it too
    done = describe(dict(task, state="MIGRATE_SUCCESS", source_server={"state": "finished"}))
    assert done["finish_time"] is None and done["progress_percent"] == 100.0
    source = {"id": "s", "state": "replicate", "replicatesize": value, "totalsize": value,
              "current_task": {"id": "t-odd", "state": "RUNNING", "estimate_complete_time": value,
                               "remain_seconds": value}}
    notes = []
    derived = with_migration_phase(source, notes)
    assert derived["progress_percent"] is None and derived["eta"] is None and notes


def test_sizes_and_dates_beyond_their_range():
    assert progress_percent({}, "replicating", sizes=(2 ** 64, 2 ** 65)) is None
    assert progress_percent({}, "replicating", sizes=(-1, 100)) is None
    assert progress_percent({}, "replicating", sizes=(150, 100)) == 100.0
    assert iso_time(253402300799 * 1000) == "9999-12-31T23:59:59Z"  # milliseconds, as SMS sends them
    assert iso_time(253402300800 * 1000) is None
    assert iso_time("2026-11-23T20:00:00Z") == "2026-11-23T20:00:00Z" and iso_time("yesterday") is None
    # remain_seconds so large that now + it passes the year 9999: no ETA rather than an OverflowError
    assert describe({"id": "t", "state": "RUNNING", "remain_seconds": 253402300000}, now=NOW)["eta"] is None
