# -*- coding: utf-8 -*-
"""Phases from task state + source state + migration cycle, and the task descriptions and
operation guards built on them (pure functions, no HTTP)."""

from datetime import datetime, timezone

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import PHASES, TASK_STATES, phase, phase_summary, task_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe, iso_time, parse_error, progress_percent, progress_table
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import OPERATIONS, guard


@pytest.mark.parametrize("task_state, source_state, cycle, expected", [
    ("READY", "waiting", "setting", "ready"),
    ("RUNNING", "initialize", "replicating", "replicating"),
    ("RUNNING", "replicate", "replicating", "replicating"),
    ("SKIPPING", "skipping", "replicating", "replicating"),
    ("SYNCING", "syncing", "syncing", "syncing"),
    ("MIGRATE_SUCCESS", "waiting", "replicating", "replicated"),
    # The task stays MIGRATE_SUCCESS while the source shows the launch.
    ("MIGRATE_SUCCESS", "cutovering", "cutovering", "cutting_over"),
    ("MIGRATE_SUCCESS", "finished", "cutovered", "finished"),
    ("MIGRATE_SUCCESS", "cleared", "cutovered", "finished"),
    ("SYNCING", "cutovering", "cutovering", "cutting_over"),
    ("RUNNING", "cutovering", "replicating", "cutting_over"),
    ("SYNC_SUCCESS", "finished", "cutovered", "finished"),
    ("MIGRATE_FAIL", "error", "replicating", "failed"),
    ("SYNC_FAIL", "finished", "cutovered", "failed"),
    ("SYNC_F_ROLLBACKING", "syncing", "syncing", "failed"),
    ("ABORTING", "stopping", "replicating", "stopping"),
    ("ABORT", "stopped", "replicating", "stopped"),
    ("DELETING", "deleting", "replicating", "deleting"),
    ("CUTOVER_READY", "syncing", "syncing", "unknown"),
    ("", None, None, "unknown"),
    (None, None, None, "unknown"),
    (42, "finished", "cutovered", "unknown"),
])
def test_phase_from_task_and_source(task_state, source_state, cycle, expected):
    assert phase(task_state, source_state, cycle) == expected


def test_every_documented_task_state_has_a_known_phase():
    assert set(TASK_STATES) >= {"READY", "RUNNING", "SYNCING", "MIGRATE_SUCCESS", "SYNC_SUCCESS", "MIGRATE_FAIL",
                                "SYNC_FAIL", "ABORTING", "ABORT", "SKIPPING", "DELETING", "RESETING"}
    assert all(phase(state) in PHASES and phase(state) != "unknown" for state in TASK_STATES)


def test_task_phase_reads_the_source_inside_the_task_and_survives_odd_records():
    assert task_phase({"state": "MIGRATE_SUCCESS", "source_server": {"state": "finished"}}) == "finished"
    assert task_phase({"state": "MIGRATE_SUCCESS", "source_server": None}) == "replicated"
    assert task_phase({"state": "RUNNING"}) == "replicating"
    assert task_phase(None) == "unknown"
    assert task_phase("RUNNING") == "unknown"


def test_summary_counts_every_phase_and_folds_strangers_into_unknown():
    summary = phase_summary(["ready", "ready", "failed", "martian"])
    assert list(summary) == list(PHASES)
    assert summary["ready"] == 2 and summary["failed"] == 1 and summary["unknown"] == 1
    assert sum(summary.values()) == 4


def test_describe_adds_progress_eta_speed_and_parsed_error_and_keeps_raw_fields():
    task = {
        "id": "t1", "state": "RUNNING", "migrate_speed": 312.5, "remain_seconds": 600,
        "estimate_complete_time": 1795000000000, "error_json": "", "vendor_field": {"x": 1},
        "source_server": {"name": "app-01", "state": "replicate", "migration_cycle": "replicating"},
        "sub_tasks": [
            {"name": "CREATE_CLOUD_SERVER", "progress": 100, "start_date": 1, "end_date": 2},
            {"name": "MIGRATE_LINUX_FILE", "progress": 42, "start_date": 3, "end_date": None},
            {"name": "CONFIGURE_LINUX_FILE", "progress": 0, "start_date": None, "end_date": None},
        ],
    }
    described = describe(task)
    assert described["vendor_field"] == {"x": 1} and described["state"] == "RUNNING"
    assert described["phase"] == "replicating"
    assert described["progress_percent"] == 42.0
    assert described["current_subtask"] == "MIGRATE_LINUX_FILE"
    assert described["remain_seconds"] == 600
    assert described["eta"] == datetime.fromtimestamp(1795000000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert described["speed_mbps"] == 312.5
    assert described["error"] is None


def test_sizes_win_over_subtasks_and_eta_falls_back_to_remaining_seconds():
    now = datetime(2026, 11, 23, 20, 0, 0, tzinfo=timezone.utc)
    task = {"id": "t", "state": "RUNNING", "remain_seconds": 90, "sub_tasks": [{"name": "MIGRATE_LINUX_BLOCK", "progress": 99}]}
    assert progress_percent(task, "replicating", sizes=(25, 200)) == 12.5
    described = describe(task, now=now)
    assert described["progress_percent"] == 99.0
    assert described["eta"] == "2026-11-23T20:01:30Z"


@pytest.mark.parametrize("raw, expected", [
    ('{"error_code": "SMS.1901", "error_msg": "target unreachable"}', {"error_code": "SMS.1901", "error_msg": "target unreachable"}),
    ("disk too small", {"error_msg": "disk too small"}),
    ("[1, 2]", {"error_msg": "[1, 2]", "details": [1, 2]}),
    ("", None), (None, None), ("{}", None),
])
def test_error_json_is_parsed_or_kept_as_text(raw, expected):
    assert parse_error(raw) == expected


def test_iso_time_accepts_milliseconds_seconds_and_text():
    assert iso_time(1700000000000) == iso_time(1700000000) == "2023-11-14T22:13:20Z"
    assert iso_time("2026-11-23T20:00:00Z") == "2026-11-23T20:00:00Z"
    assert iso_time(None) is None and iso_time(0) is None


@pytest.mark.parametrize("operation, state, source_state, verdict", [
    ("start", "READY", "waiting", "send"),
    ("start", "ABORT", "stopped", "send"),
    ("start", "RUNNING", "replicate", "done"),
    ("start", "MIGRATE_SUCCESS", "finished", "done"),
    ("start", "DELETING", "deleting", "refused"),
    ("stop", "RUNNING", "replicate", "send"),
    ("stop", "ABORT", "stopped", "done"),
    ("stop", "READY", "waiting", "refused"),
    ("cutover", "SYNCING", "syncing", "send"),
    ("cutover", "MIGRATE_SUCCESS", "waiting", "send"),
    ("cutover", "MIGRATE_SUCCESS", "finished", "done"),
    ("cutover", "RUNNING", "replicate", "refused"),
    ("sync", "MIGRATE_SUCCESS", "finished", "send"),
    ("sync", "SYNCING", "syncing", "done"),
    ("sync", "RUNNING", "replicate", "refused"),
    ("restart", "MIGRATE_FAIL", "error", "send"),
    ("clone_test", "SYNCING", "syncing", "send"),
    ("clone_test", "RUNNING", "replicate", "refused"),
    ("network_check", "CUTOVER_READY", "syncing", "send"),
    ("start", "CUTOVER_READY", "syncing", "refused"),
])
def test_guards(operation, state, source_state, verdict):
    task = describe({"id": "t1", "state": state, "source_server": {"state": source_state}})
    got, reason = guard(operation, task)
    assert got == verdict
    if verdict == "refused":
        assert state in reason and operation in reason
        allowed = OPERATIONS[operation]["allowed"]
        assert all(name in reason for name in allowed)


def test_progress_table_has_a_row_per_task_sorted_by_phase():
    tasks = [describe({"id": "a", "state": "RUNNING", "sub_tasks": [{"name": "MIGRATE_LINUX_FILE", "progress": 25}],
                       "source_server": {"name": "web-2"}}),
             describe({"id": "b", "state": "READY", "source_server": {"name": "web-1"}})]
    lines = progress_table(tasks).splitlines()
    assert lines[0].split() == ["server", "phase", "%", "eta", "state"]
    assert lines[1].split()[:2] == ["web-1", "ready"]
    assert lines[2].split()[:3] == ["web-2", "replicating", "25.0"]


def test_eta_only_for_work_in_progress():
    done = describe({"id": "t", "state": "MIGRATE_SUCCESS", "estimate_complete_time": 1700000000000,
                     "source_server": {"state": "finished"}})
    assert done["phase"] == "finished" and done["eta"] is None
    syncing = describe({"id": "t", "state": "SYNCING", "estimate_complete_time": 1700000000000})
    assert syncing["eta"] == "2023-11-14T22:13:20Z"


def test_the_named_phase_sets_hold_only_phases_and_settled_and_moving_split_the_known_ones():
    from ansible_collections.hwcloud.sms.plugins.module_utils import _phases
    named = [name for name in dir(_phases) if name.endswith("_PHASES") and name != "TASK_STATE_PHASES"]
    assert {"STARTED_PHASES", "COPIED_PHASES", "IN_PROGRESS_PHASES", "SETTLED_PHASES", "MOVING_PHASES"} <= set(named)
    for name in named:
        assert set(getattr(_phases, name)) <= set(PHASES), name
    assert set(_phases.COPY_PENDING_STATES) <= set(TASK_STATES)
    # A phase is settled or moving, never both; only unknown (a state SMS may add) is neither.
    assert not set(_phases.SETTLED_PHASES) & set(_phases.MOVING_PHASES)
    assert set(PHASES) - set(_phases.SETTLED_PHASES) - set(_phases.MOVING_PHASES) == {"unknown"}


def test_plan_operation_sends_what_the_guard_allows_and_refuses_before_anything_is_sent():
    from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError
    from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import plan_operation
    tasks = [describe({"id": "a", "state": "RUNNING", "source_server": {"name": "app-01"}}),
             describe({"id": "b", "state": "ABORT"}),
             describe({"id": "c", "state": "READY"})]
    body = {"operation": "stop"}
    with pytest.raises(SmsError) as caught:
        plan_operation("stop", tasks, body)
    assert str(caught.value).startswith("nothing was sent: 1 of 3 task(s) cannot take operation stop: ")
    assert caught.value.result["refused"] == [dict(task_id="c", source_name=None, state="READY", phase="ready",
                                                   reason=guard("stop", tasks[2])[1])]
    results, to_send = plan_operation("stop", tasks, body, force=True)
    assert [r["outcome"] for r in results] == ["sent", "already", "forced"]
    assert results[0]["source_name"] == "app-01" and results[1]["request"] is None and results[2]["request"] == body
    assert to_send == [results[0], results[2]]
    results, to_send = plan_operation("stop", tasks[:2], body, check_mode=True)
    assert [r["outcome"] for r in results] == ["would_send", "already"] and to_send == [results[0]]


def test_the_slot_table_says_for_every_task_state_whether_it_takes_a_slot_and_why():
    from ansible_collections.hwcloud.sms.plugins.module_utils import _phases
    assert set(_phases.SLOT_TABLE) == set(TASK_STATES)
    assert all(isinstance(takes, bool) and why for takes, why in _phases.SLOT_TABLE.values())
    assert _phases.SLOT_STATES == ("RUNNING", "SKIPPING", "RESETING", "ABORTING")
    # Only RUNNING is documented; every other verdict says it is an inference, or is plain (never started, stopped).
    assert "INFERENCE" not in _phases.SLOT_TABLE["RUNNING"][1]
    assert all("INFERENCE" in why for state, (takes, why) in _phases.SLOT_TABLE.items() if takes and state != "RUNNING")
    # The full copy is over in continuous sync, so slots free as tasks leave it.
    assert not _phases.SLOT_TABLE["SYNCING"][0] and not _phases.SLOT_TABLE["MIGRATE_SUCCESS"][0]
    records = ({"state": "RUNNING"}, {"state": "SYNCING"}, {"state": "CUTOVER_READY"}, {"state": None}, {}, "RUNNING", None)
    assert [_phases.takes_slot(record) for record in records] == [True] + [False] * 6
    # A described task (sms_task_info's shape) keeps its raw state, so the same test applies.
    assert _phases.takes_slot(describe({"id": "t", "state": "ABORTING"}))


@pytest.mark.parametrize("task_state, source_state, cycle, clone_state, expected", [
    # A clone is made in continuous sync: the source shows it, then clone_state does.
    ("SYNCING", "cloning", "syncing", None, "cloning"),
    ("SYNCING", "syncing", "syncing", "PREPARING", "cloning"),
    ("SYNCING", "cloning", "syncing", "CREATING", "cloning"),
    ("SYNCING", "syncing", "syncing", "FINISHED", "cloned"),
    ("MIGRATE_SUCCESS", "waiting", "replicating", "FINISHED", "cloned"),
    # A failed clone leaves the base phase: sms_task_action reports it.
    ("SYNCING", "syncing", "syncing", "ERROR", "syncing"),
    # The drill, from continuous sync or replicated.
    ("SYNCING", "premigready", "syncing", None, "drilling"),
    ("SYNCING", "premiging", "syncing", None, "drilling"),
    ("MIGRATE_SUCCESS", "premiged", "replicating", None, "drilled"),
    ("SYNCING", "premigfailed", "syncing", None, "drill_failed"),
    # The drill's source state is newer news than a clone made earlier (SMS keeps its record).
    ("SYNCING", "premiged", "syncing", "FINISHED", "drilled"),
    ("SYNCING", "premiging", "syncing", "CREATING", "cloning"),
    # Only a task whose full copy ended gets a test phase.
    ("RUNNING", "premiging", "replicating", None, "replicating"),
    ("RUNNING", "cloning", "replicating", "PREPARING", "replicating"),
    ("ABORT", "stopped", "syncing", "FINISHED", "stopped"),
    ("MIGRATE_FAIL", "error", "replicating", "FINISHED", "failed"),
    ("READY", "waiting", "setting", "PREPARING", "ready"),
    # A launch always wins over a test phase.
    ("SYNCING", "cutovering", "cutovering", "FINISHED", "cutting_over"),
    ("MIGRATE_SUCCESS", "finished", "cutovered", "FINISHED", "finished"),
    ("MIGRATE_SUCCESS", "premiged", "cutovered", None, "finished"),
    ("SYNC_SUCCESS", "finished", "cutovered", "FINISHED", "finished"),
    # States SMS may add are passed through.
    ("SYNCING", "syncing", "syncing", "MARTIAN", "syncing"),
])
def test_test_phases_from_source_state_and_clone_state(task_state, source_state, cycle, clone_state, expected):
    assert phase(task_state, source_state, cycle, clone_state=clone_state) == expected


def test_task_phase_reads_the_clone_state_itself_and_the_listing_brief_clone_has_none():
    full = {"state": "SYNCING", "source_server": {"state": "syncing"},
            "clone_server": {"vm_id": "v1", "name": "app-01-clone", "clone_state": "FINISHED", "clone_error": None}}
    assert task_phase(full) == "cloned"
    # GET /v3/tasks gives CloneServerBrief (vm_id, name): no clone_state, so the base phase.
    assert task_phase(dict(full, clone_server={"vm_id": "v1", "name": "app-01-clone"})) == "syncing"
    assert task_phase(dict(full, clone_server=None)) == "syncing"
    assert task_phase(dict(full, clone_server="FINISHED")) == "syncing"
    assert task_phase(dict(full, clone_server={"clone_state": 7})) == "syncing"


# Where each test phase stands in every named set, as the contract of issue 21 says: a clone or a
# drill comes after the full copy (started, copied), a clone is made and a drill runs while SMS
# refuses deletes (moving), a tested task can be launched unless its test still runs.
TEST_PHASE_SETS = {
    "STARTED_PHASES": {"cloning", "cloned", "drilling", "drilled", "drill_failed"},
    "COPIED_PHASES": {"cloning", "cloned", "drilling", "drilled", "drill_failed"},
    "IN_PROGRESS_PHASES": {"cloning", "cloned", "drilling"},
    "COMPLETED_PHASES": {"drilled", "drill_failed"},
    "LAUNCHABLE_PHASES": {"cloned", "drilled", "drill_failed"},
    "LAUNCHED_PHASES": set(),
    "STOPPED_PHASES": set(),
    "SETTLED_PHASES": {"drilled", "drill_failed"},
    "MOVING_PHASES": {"cloning", "cloned", "drilling"},
    "TEST_PHASES": {"cloning", "cloned", "drilling", "drilled", "drill_failed"},
}


def test_every_named_phase_set_places_the_test_phases_as_the_contract_says():
    from ansible_collections.hwcloud.sms.plugins.module_utils import _phases
    named = set(name for name in dir(_phases) if name.endswith("_PHASES") and name != "TASK_STATE_PHASES")
    # A new set must say here where the test phases stand in it.
    assert named == set(TEST_PHASE_SETS)
    for name, expected in TEST_PHASE_SETS.items():
        members = set(getattr(_phases, name))
        assert members & set(_phases.TEST_PHASES) == expected, name
    # The sets the phases existed in before hold as they were.
    assert set(_phases.LAUNCHABLE_PHASES) >= {"syncing", "replicated"}
    assert set(_phases.MOVING_PHASES) >= {"replicating", "syncing", "cutting_over", "stopping", "deleting"}
    assert set(_phases.SETTLED_PHASES) >= {"ready", "replicated", "finished", "stopped", "failed"}
    assert list(_phases.PHASES).index("drill_failed") < list(_phases.PHASES).index("stopping")


def test_the_summary_counts_the_test_phases():
    summary = phase_summary(["cloning", "cloned", "cloned", "drill_failed"])
    assert summary["cloning"] == 1 and summary["cloned"] == 2 and summary["drill_failed"] == 1
    assert summary["drilling"] == 0 and summary["drilled"] == 0 and list(summary) == list(PHASES)


def test_a_cloned_task_keeps_the_eta_of_its_continuous_sync_and_a_drilled_one_its_finish_time():
    cloned = describe({"id": "t", "state": "SYNCING", "estimate_complete_time": 1700000000000,
                       "source_server": {"state": "syncing"}, "clone_server": {"clone_state": "FINISHED"}})
    assert cloned["phase"] == "cloned" and cloned["eta"] == "2023-11-14T22:13:20Z"
    assert cloned["progress_percent"] == 100.0
    drilled = describe({"id": "t", "state": "MIGRATE_SUCCESS", "source_server": {"state": "premiged"},
                        "sub_tasks": [{"name": "MIGRATE_LINUX_FILE", "progress": 100, "start_date": 1700000000000,
                                       "end_date": 1700000600000}]})
    assert drilled["phase"] == "drilled" and drilled["finish_time"] == "2023-11-14T22:23:20Z"
    assert drilled["eta"] is None
