# -*- coding: utf-8 -*-
"""sms_source in-process against the emulator: rename, move to a project, disk adjustments before
the target is configured, deletion with the restart warning; idempotence, check mode, diff, errors.
(Moved from tests/integration/test_sms_source.py, where each test was one playbook of these runs
in order, with every assertion; sms_source through ansible-playbook: test_sms_migproject.py.)"""

import json

import pytest

from huaweicloudsdksms.v3 import PutSourceServerBody

from support.module_runner import emulator_args, run_module


class _Play:
    """Module runs in order, each result kept under its name, as the tasks of one playbook."""

    def __init__(self, emu, tasks):
        self._results = {}
        for name, args, keywords in tasks:
            self._results[name] = run_module("sms_source", emulator_args(emu, **args), check_mode=keywords.get("check_mode", False),
                                             diff=keywords.get("diff", False))

    def result(self, name):
        return self._results[name]


def _play(emu, tasks):
    return _Play(emu, tasks)


def _task(name, args, **keywords):
    return name, args, keywords


def _warnings(result):
    """The texts of a result's warnings: ansible-core 2.19 and later print a module's warnings as
    WarningSummary objects, which the controller turns into the texts a playbook's result holds."""
    return [w if isinstance(w, str) else w["event"]["msg"] for w in result.get("warnings", [])]


def _puts(emu, source_id):
    return [json.loads(e["body"]) for e in emu.request_log() if e["method"] == "PUT" and e["path"] == "/v3/sources/%s" % source_id]


def test_rename_project_disks_idempotence_check_and_diff(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    source = next(s for s in emu.store.list_sources() if len(s["init_target_server"]["disks"]) > 1)
    disk = emu.store.get_source(source["id"])["disks"][-1]["name"]
    project_id = emu.store.create_project({"name": "wave-1", "region": emu.region, "type": "MIGRATE_FILE"})
    run = _play(emu, [
        _task("check rename", {"id": source["id"], "name": "finance-db-01"}, check_mode=True, diff=True),
        _task("rename", {"id": source["id"], "name": "finance-db-01"}, diff=True),
        _task("rename again", {"id": source["id"], "name": "finance-db-01"}),
        _task("project", {"name": "finance-db-01", "migproject": "wave-1"}, diff=True),
        _task("project again", {"name": "finance-db-01", "migproject": project_id}),
        _task("check disk", {"name": "finance-db-01", "disks": [{"id": disk, "need_migration": False}]}, check_mode=True),
        _task("disk", {"name": "finance-db-01", "disks": [{"id": disk, "need_migration": False, "adjust_size": 0}]},
              diff=True),
        _task("disk again", {"name": "finance-db-01", "disks": [{"id": disk, "need_migration": False, "adjust_size": 0}]}),
        _task("unknown disk", {"name": "finance-db-01", "disks": [{"id": "/dev/nope", "need_migration": False}]}),
        _task("negative size", {"name": "finance-db-01", "disks": [{"id": disk, "adjust_size": -1}]}),
        _task("unknown project", {"name": "finance-db-01", "migproject": "no-such-project"}),
        _task("unknown name", {"name": "no-such-server", "migproject": "wave-1"}),
        _task("neither", {"migproject": "wave-1"}),
    ])
    check = run.result("check rename")
    assert check["changed"] is True and check["source"]["name"] == "finance-db-01"
    assert check["diff"] == {"before": {"name": source["name"]}, "after": {"name": "finance-db-01"}}
    rename = run.result("rename")
    assert rename["changed"] is True and rename["changed_fields"] == ["name"]
    assert rename["source"]["name"] == "finance-db-01"
    assert run.result("rename again")["changed"] is False
    project = run.result("project")
    assert project["changed_fields"] == ["migprojectid"] and project["diff"]["after"]["migproject"] == "wave-1"
    assert run.result("project again")["changed"] is False
    assert [s["id"] for s in emu.store.list_sources(migproject=project_id)] == [source["id"]]
    assert run.result("check disk")["changed_fields"] == ["disks"]
    disk_result = run.result("disk")
    assert disk_result["changed"] is True
    assert [(d["need_migration"], d["adjust_size"]) for d in disk_result["source"]["disks"] if d["name"] == disk] == [(False, 0)]
    assert run.result("disk again")["changed"] is False
    assert "has no disk /dev/nope" in run.result("unknown disk")["msg"]
    assert "adjust_size must be 0 or more" in run.result("negative size")["msg"]
    assert "no-such-project" in run.result("unknown project")["msg"]
    assert "No source server is named 'no-such-server'" in run.result("unknown name")["msg"]
    assert "one of the following is required: id, name" in run.result("neither")["msg"]
    puts = _puts(emu, source["id"])
    assert puts == [{"name": "finance-db-01"}, {"migprojectid": project_id},
                    {"disks": [{"id": disk, "need_migration": False, "adjust_size": 0}]}]
    for body in puts:
        assert set(body) <= set(PutSourceServerBody.attribute_map)


def test_disks_refused_once_a_task_exists_and_deletion(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    busy, idle, _other = emu.store.list_sources()
    emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": busy["id"]}})
    disk = emu.store.get_source(busy["id"])["disks"][0]["name"]
    emu.clear_request_log()
    run = _play(emu, [
        _task("disk with task", {"id": busy["id"], "disks": [{"id": disk, "need_migration": False}]}),
        _task("check delete", {"id": idle["id"], "state": "absent"}, check_mode=True),
        _task("delete", {"name": idle["name"], "state": "absent"}),
        _task("delete again by id", {"id": idle["id"], "state": "absent"}),
        _task("delete again by name", {"name": idle["name"], "state": "absent"}),
    ])
    refused = run.result("disk with task")
    assert refused["failed"] and "before the target server is configured" in refused["msg"]
    assert run.result("check delete")["changed"] is True
    deleted = run.result("delete")
    assert deleted["changed"] is True and deleted["source"]["id"] == idle["id"]
    assert any("restarted" in warning for warning in _warnings(deleted))
    assert emu.store.get_source(idle["id"]) is None
    assert run.result("delete again by id")["changed"] is False
    assert run.result("delete again by name")["changed"] is False
    assert [e["method"] for e in emu.request_log() if e["method"] != "GET"] == ["DELETE"]


def test_deletion_refused_while_the_task_is_moving_unless_forced(emulator_factory):
    emu = emulator_factory(sources=20, states="replicate=1,syncing=1,cutovering=1")
    records = {}
    for source in emu.store.list_sources():
        records.setdefault(source["state"], emu.store.get_source_record(source["id"]))
    assert set(records) == {"replicate", "syncing", "cutovering"}, records.keys()
    replicating = records["replicate"]
    emu.clear_request_log()
    run = _play(emu, [
        _task("delete replicating", {"id": replicating["id"], "state": "absent"}),
        _task("check delete replicating", {"name": replicating["name"], "state": "absent"}, check_mode=True),
        _task("delete syncing", {"id": records["syncing"]["id"], "state": "absent"}),
        _task("delete cutting over", {"id": records["cutovering"]["id"], "state": "absent"}),
        _task("forced", {"id": replicating["id"], "state": "absent", "force": True}),
    ])
    task_id = replicating["current_task"]["id"]
    for name in ("delete replicating", "check delete replicating"):
        refused = run.result(name)
        assert refused["failed"] and not refused.get("changed"), refused  # Ansible adds changed=false to a failure
        assert "source server %s (%s) is migrating: its task %s is replicating (task state RUNNING, source state replicate" % (
            replicating["name"], replicating["id"], task_id) in refused["msg"], refused["msg"]
        assert "force=true" in refused["msg"]
    assert "is syncing (task state SYNCING" in run.result("delete syncing")["msg"]
    assert "is cutting_over (task state RUNNING, source state cutovering" in run.result("delete cutting over")["msg"]
    forced = run.result("forced")
    assert not forced.get("failed") and forced["changed"] is True, forced
    assert [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"] == [
        ("DELETE", "/v3/sources/%s" % replicating["id"])]
    assert emu.store.get_source(replicating["id"]) is None
    assert emu.store.get_source(records["syncing"]["id"]) is not None


@pytest.mark.parametrize("args, message", [
    ({"id": " padded"}, "id must not start or end with white space"),
    ({"id": ".."}, "id must not be '.' or '..'"),
    ({"name": ""}, "name must be a non-empty source server name"),
    ({"id": "abc", "name": "x" * 256}, "name must be at most 255 characters, got 256"),
    ({"name": "web-01", "migproject": "wave-1 "}, "migproject must not start or end with white space"),
    ({"name": "web-01", "volume_groups": [{"id": "vg0", "logical_volumes": [{"id": "lv0", "adjust_size": -1}]}]},
     "volume_groups vg0 logical_volumes lv0: adjust_size must be 0 or more bytes"),
    ({"ids": ["abc"]}, "ids deletes source servers: it needs state=absent"),
    ({"ids": ["abc", ".."], "state": "absent"}, "ids must not be '.' or '..'"),
    ({"ids": ["abc"], "name": "web-01", "state": "absent"}, "parameters are mutually exclusive: ids|name"),
    ({"ids": ["abc"], "disks": [{"id": "/dev/vda"}], "state": "absent"}, "parameters are mutually exclusive: ids|disks"),
])
def test_bad_input_fails_naming_the_option_and_the_rule_before_any_request(sms_emulator, args, message):
    before = len(sms_emulator.request_log())
    result = run_module("sms_source", emulator_args(sms_emulator, **args))
    assert result["failed"] and message in result["msg"], result
    assert len(sms_emulator.request_log()) == before


def _batch_deletes(emu):
    """The bodies of POST /v3/sources/delete as sent (the request log keeps 4,096 characters of each)."""
    return [e["body"] for e in emu.request_log() if e["method"] == "POST" and e["path"] == "/v3/sources/delete"]


def test_ids_delete_the_records_in_batches_of_200(emulator_factory):
    emu = emulator_factory(sources=205, seed=4, states="finished=1")
    ids = [s["id"] for s in emu.store.list_sources()]
    emu.clear_request_log()
    run = _play(emu, [
        _task("check", {"ids": ids + ["no-such-source"], "state": "absent"}, check_mode=True, diff=True),
        _task("delete", {"ids": ids + ["no-such-source"], "state": "absent"}),
        _task("again", {"ids": ids, "state": "absent"}),
        _task("none", {"ids": [], "state": "absent"}),
    ])
    check = run.result("check")
    assert check["changed"] is True and [s["id"] for s in check["sources"]] == ids
    assert check["missing_ids"] == ["no-such-source"] and len(check["diff"]["before"]["sources"]) == 205
    deleted = run.result("delete")
    assert deleted["changed"] is True and [s["id"] for s in deleted["sources"]] == ids
    assert deleted["sources"][0]["state"] == "finished" and deleted["missing_ids"] == ["no-such-source"]
    assert any("205 source servers were deleted" in warning for warning in _warnings(deleted))
    # one request per batch of 200 (none from the check run), no DELETE per server
    first, second = _batch_deletes(emu)
    assert first.startswith(json.dumps({"ids": ids[:100]}, separators=(",", ":"))[:-2]) and first.count('"') > 200
    assert json.loads(second) == {"ids": ids[200:]}
    assert [e["method"] for e in emu.request_log() if e["method"] != "GET"] == ["POST", "POST"]
    assert emu.store.count_sources() == 0
    again = run.result("again")
    assert again["changed"] is False and again["sources"] == [] and sorted(again["missing_ids"]) == sorted(ids)
    assert run.result("none")["changed"] is False


def test_ids_delete_nothing_while_a_task_is_moving_unless_forced(emulator_factory):
    emu = emulator_factory(sources=12, seed=6, states="finished=0.5,replicate=0.5")
    finished = [s["id"] for s in emu.store.list_sources(state="finished")]
    moving = emu.store.list_sources(state="replicate")[0]
    emu.clear_request_log()
    run = _play(emu, [
        _task("refused", {"ids": finished + [moving["id"]], "state": "absent"}),
        _task("finished only", {"ids": finished, "state": "absent"}),
        _task("forced", {"ids": [moving["id"]], "state": "absent", "force": True}),
    ])
    refused = run.result("refused")
    assert refused["failed"] and refused["msg"].startswith("nothing was deleted: source server %s (%s) is migrating"
                                                           % (moving["name"], moving["id"])), refused["msg"]
    assert run.result("finished only")["changed"] is True and run.result("forced")["changed"] is True
    assert [json.loads(body)["ids"] for body in _batch_deletes(emu)] == [finished, [moving["id"]]]
    assert emu.store.count_sources() == 12 - len(finished) - 1


def test_ids_report_what_was_deleted_when_a_batch_fails(emulator_factory):
    emu = emulator_factory(sources=201, seed=8, states="finished=1")
    ids = [s["id"] for s in emu.store.list_sources()]
    emu.clear_request_log()
    emu.add_user("RO", "read-only-secret-0000000000000000000000", denied_actions=["sms:server:delete"])
    result = run_module("sms_source", emulator_args(emu, ids=ids, state="absent", access_key="RO",
                                                    secret_key="read-only-secret-0000000000000000000000"))
    assert result["failed"] and "batch 1 of 2 failed (0 deleted before it" in result["msg"], result["msg"]
    assert result["status"] == 403 and result["error_code"] == "SMS.9004" and result["deleted_ids"] == []
    assert emu.store.count_sources() == 201
