# -*- coding: utf-8 -*-
"""sms_sources: the migration phase, progress and ETA of a source's current task as host
variables and phase_<phase> groups (the phases of plugins/module_utils/_phases.py)."""

from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.tests.unit.inventory.test_sms_sources import populate, record, trusted


def test_phase_progress_and_eta_from_the_current_task():
    records = [
        record("1", "copying", state="replicate", migration_cycle="replicating", replicatesize=25, totalsize=100,
               current_task={"id": "t1", "state": "RUNNING", "estimate_complete_time": 1700000000000}),
        record("2", "synced", state="syncing", migration_cycle="syncing", current_task={"id": "t2", "state": "SYNCING"}),
        record("3", "launched", state="finished", migration_cycle="cutovered",
               current_task={"id": "t3", "state": "MIGRATE_SUCCESS"}),
        record("4", "no-task", current_task=None),
        record("5", "odd", current_task={"id": "t5", "state": "CUTOVER_READY"}),
    ]
    inventory, warnings = populate({}, records)
    assert not warnings
    host = inventory.hosts["copying"].vars
    assert host["sms_phase"] == "replicating" and host["sms_progress_percent"] == 25.0
    assert host["sms_eta"] == "2023-11-14T22:13:20Z"
    assert inventory.hosts["synced"].vars["sms_phase"] == "syncing"
    # as sms_task_info gives it: the full copy is done once the task syncs
    assert inventory.hosts["synced"].vars["sms_progress_percent"] == 100.0
    assert describe({"id": "t2", "state": "SYNCING"})["progress_percent"] == 100.0
    assert inventory.hosts["launched"].vars["sms_phase"] == "finished"
    assert inventory.hosts["launched"].vars["sms_progress_percent"] == 100.0
    assert inventory.hosts["no-task"].vars["sms_phase"] is None and inventory.hosts["no-task"].vars["sms_eta"] is None
    assert inventory.hosts["odd"].vars["sms_phase"] == "unknown"
    members = dict((name, sorted(h.name for h in group.get_hosts()))
                   for name, group in inventory.groups.items() if name.startswith("phase_"))
    assert members == {"phase_replicating": ["copying"], "phase_syncing": ["synced"], "phase_finished": ["launched"],
                       "phase_unknown": ["odd"]}


def test_phase_groups_follow_the_prefix_and_the_switch_and_fields_can_be_left_out():
    records = [record("1", "a", current_task={"id": "t", "state": "SYNCING"}, state="syncing")]
    inventory, _w = populate({"default_groups_prefix": "sms_"}, records)
    assert "sms_phase_syncing" in inventory.groups and "phase_syncing" not in inventory.groups
    inventory, _w = populate({"default_groups": False, "hostvar_fields": ["id"]}, records)
    assert not [g for g in inventory.groups if g.startswith("phase_")]
    assert "sms_phase" not in inventory.hosts["a"].vars
    # Left out of the host variables, the phase still serves expressions.
    inventory, _w = populate({"hostvar_fields": ["id"], "groups": {"cutover_candidates": trusted("sms_phase == 'syncing'")}},
                             records)
    assert [h.name for h in inventory.groups["cutover_candidates"].get_hosts()] == ["a"]


def test_absurd_sizes_and_dates_make_null_variables_and_one_warning_not_a_failed_inventory():
    records = [
        record("1", "huge", state="replicate", replicatesize=1e300, totalsize=1e300,
               current_task={"id": "t1", "state": "RUNNING", "estimate_complete_time": 1e20, "remain_seconds": -1}),
        record("2", "nan", state="replicate", replicatesize="NaN", totalsize=-5,
               current_task={"id": "t2", "state": "RUNNING", "estimate_complete_time": "NaN"}),
        record("3", "fine", state="replicate", replicatesize=1, totalsize=4,
               current_task={"id": "t3", "state": "RUNNING", "estimate_complete_time": 1700000000000}),
    ]
    inventory, warnings = populate({}, records)
    for name in ("huge", "nan"):
        host = inventory.hosts[name].vars
        assert host["sms_phase"] == "replicating"
        assert host["sms_progress_percent"] is None and host["sms_eta"] is None
    assert inventory.hosts["fine"].vars["sms_progress_percent"] == 25.0
    assert inventory.hosts["fine"].vars["sms_eta"] == "2023-11-14T22:13:20Z"
    notes = [w for w in warnings if "not usable data" in w]
    assert len(notes) == 1 and "estimate_complete_time" in notes[0] and "t1" in notes[0]


def test_test_phases_from_the_current_tasks_clone_and_the_source_state():
    def clone(state):
        return {"vm_id": "vm-" + state, "name": "c", "clone_state": state, "clone_error": None, "error_msg": None}
    records = [
        record("1", "preparing", state="cloning", migration_cycle="syncing",
               current_task={"id": "t1", "state": "SYNCING", "clone_server": clone("PREPARING")}),
        record("2", "creating", state="cloning", migration_cycle="syncing",
               current_task={"id": "t2", "state": "SYNCING", "clone_server": clone("CREATING")}),
        record("3", "cloned", state="syncing", migration_cycle="syncing",
               current_task={"id": "t3", "state": "SYNCING", "clone_server": clone("FINISHED")}),
        record("4", "clone-failed", state="syncing", migration_cycle="syncing",
               current_task={"id": "t4", "state": "SYNCING", "clone_server": clone("ERROR")}),
        record("5", "drilled", state="premiged", migration_cycle="syncing",
               current_task={"id": "t5", "state": "SYNCING", "clone_server": None}),
        record("6", "launched", state="finished", migration_cycle="cutovered",
               current_task={"id": "t6", "state": "MIGRATE_SUCCESS", "clone_server": clone("FINISHED")}),
    ]
    inventory, warnings = populate({}, records)
    assert not warnings
    members = dict((name, sorted(h.name for h in group.get_hosts()))
                   for name, group in inventory.groups.items() if name.startswith("phase_"))
    # a failed clone leaves the task syncing; a launch wins over a test phase
    assert members == {"phase_cloning": ["creating", "preparing"], "phase_cloned": ["cloned"],
                       "phase_syncing": ["clone-failed"], "phase_drilled": ["drilled"], "phase_finished": ["launched"]}
    assert inventory.hosts["cloned"].vars["sms_phase"] == "cloned"
