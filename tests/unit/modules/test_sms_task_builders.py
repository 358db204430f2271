# -*- coding: utf-8 -*-
"""sms_task's pure parts without HTTP: the checks of rows (_task_rows) and the builders of request
bodies, diffs and results (_task_body)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_update import differences
from ansible_collections.hwcloud.sms.plugins.module_utils._task_body import (
    add_settings,
    combined_diff,
    creation_body,
    immutable_diff,
    is_stopped,
    plan_absent,
    plan_present,
    row_result,
    stop_poll_interval,
    summary_of,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_rows import (
    TASK_OPTIONS,
    Problems,
    Row,
    check_creation,
    check_plan,
    check_row_values,
    default_task_name,
    merge_rows,
    source_problem,
)

SOURCE = {
    "id": "src-1", "name": "web-01", "os_type": "LINUX", "connected": True, "checks": [],
    "init_target_server": {
        "disks": [{"name": "/dev/vda", "size": 10, "device_use": "BOOT", "extra": 1,
                   "physical_volumes": [{"name": "/dev/vda1", "size": 5, "mount_point": "/", "secret": "x"}]},
                  {"name": "/dev/vdb", "size": 20, "device_use": "NORMAL"}],
        "volume_groups": [{"name": "vg0", "size": 3, "components": "/dev/vdb", "unknown": True}],
    },
}


def _params(**options):
    params = dict((key, None) for key in TASK_OPTIONS)
    params["tasks"] = None
    params.update(options)
    return params


def _row(index=None, **options):
    row = Row(index, dict(_params(**options)))
    row.options.pop("tasks")
    return row


def _checked(state="present", **options):
    row, problems = _row(**options), Problems()
    check_row_values(row, state, problems)
    return row, [(option, msg, kind) for _row, option, msg, kind in problems.items]


def test_default_task_names_replace_what_sms_refuses():
    assert default_task_name("web 01.example") == "web-01-example"
    assert default_task_name(u"\u5e94\u7528_1") == u"\u5e94\u7528_1"
    assert default_task_name("") == "MigrationTask" and default_task_name(None) == "MigrationTask"
    assert len(default_task_name("x" * 300)) == 255


def test_rows_take_the_module_options_as_defaults_but_name_their_own_source():
    rows = merge_rows(_params(source_name="ignored", syncing=True, priority="high",
                              tasks=[{"source_id": "a", "priority": "low", "name": ""}, {"source_ip": "10.0.0.1", "name": None}, "x"]))
    assert [row.index for row in rows] == [0, 1, 2]
    assert [(row.options["source_id"], row.options["source_name"], row.options["source_ip"]) for row in rows] == [
        ("a", None, None), (None, None, "10.0.0.1"), (None, None, None)]
    assert [row.options["priority"] for row in rows] == ["low", "high", "high"]
    assert all(row.options["syncing"] is True and row.options["name"] is None for row in rows)
    assert [row.label for row in rows] == ["row 1 (source_id a)", "row 2 (source_ip 10.0.0.1)", "row 3"]
    single = merge_rows(_params(source_name="web-01"))
    assert len(single) == 1 and single[0].index is None and single[0].label == "(source_name web-01)"


def test_row_values_are_typed_by_ansible_and_every_bad_one_is_reported_and_dropped():
    row, problems = _checked(source_name="web-01", template_id="t", syncing="yes", speed_limit="5",
                             over_speed_threshold="2.5", priority="urgent", start_target_server="perhaps",
                             need_migration_test=[1])
    assert (row.options["syncing"], row.options["speed_limit"], row.options["over_speed_threshold"]) == (True, 5, 2.5)
    assert row.options["priority"] is None and row.options["start_target_server"] is None
    assert [option for option, _msg, _kind in problems] == ["need_migration_test", "priority", "start_target_server"]
    assert all(kind == "value" for _option, _msg, kind in problems)
    messages = dict((option, msg) for option, msg, _kind in problems)
    assert messages["priority"] == "value of priority must be one of: high, low, standard, got: urgent"
    assert "start_target_server" in messages["start_target_server"] and "bool" in messages["start_target_server"]


@pytest.mark.parametrize("options, option, fragment", [
    ({"source_name": " web-01 "}, "source_name", "source_name must not start or end with white space"),
    ({"source_name": "w" * 256}, "source_name", "source_name must be at most 255 characters, got 256"),
    ({"source_name": 7}, "source_name", "source_name must be a non-empty string"),
    ({"over_speed_threshold": "nan"}, "over_speed_threshold", "over_speed_threshold must be a number, got nan"),
    ({"speed_limit": 10001}, "speed_limit", "speed_limit must be 0 to 10000 Mbit/s, got 10001"),
    ({"name": "bad name!"}, "name", "may only hold letters, digits, Chinese characters"),
    ({"target_server_id": "ecs-1", "template_id": None}, "target_server_name",
     "target_server_name is required with target_server_id"),
    ({"target_server_id": "ecs-1", "target_server_name": "x"}, "target_server_id", "mutually exclusive"),
    ({"prority": "high"}, "prority", "unknown key prority; did you mean priority?"),
    ({"speed_windows": [{"start": "09:00", "end": "08:00", "speed": 1}]}, "speed_windows", "start before end"),
    ({"configurations": {"TURBO": 1}}, "configurations", "unknown key TURBO"),
    ({"target_disks": [{"size": 1}]}, "target_disks", "every target_disks item needs a name"),
    ({"target_disks": [{"name": "/dev/vda", "colour": 1}]}, "target_disks", "target_disks item /dev/vda has unknown keys colour"),
    ({"migration_ip": "192.168.0.300"}, "migration_ip", "migration_ip must be an IP address, got '192.168.0.300'"),
    ({"migration_ip": "fd00::5"}, "migration_ip", "migration_ip fd00::5 is an IPv6 address: set use_ipv6=true"),
    ({"migration_ip": "10.0.0.5", "use_ipv6": True}, "migration_ip", "is an IPv4 address, but use_ipv6=true asks for IPv6"),
])
def test_a_bad_value_names_the_option_and_the_rule(options, option, fragment):
    options = dict(dict(source_id="src-1", template_id="t"), **options)
    row, problems = _checked(**options)
    assert [(found, kind) for found, _msg, kind in problems] == [(option, "value")], problems
    assert fragment in problems[0][1], problems
    if option not in ("target_server_id", "target_server_name", "prority"):
        assert row.options[option] is None  # dropped: nothing is built from it


def test_a_row_needs_a_source_and_absent_skips_the_target_checks():
    _row_, problems = _checked(template_id="t")
    assert problems == [(None, "one of source_id, source_name or source_ip is required", "value")]
    _row_, problems = _checked(state="absent", source_id="a", target_server_id="ecs-1", speed_limit=99999)
    assert problems == []


def test_rows_may_not_share_a_source_or_a_target():
    rows = [_row(0, source_name="web-01", target_server_id="ecs-1", target_server_name="n"),
            _row(1, source_id="src-1", target_server_id="ecs-1", target_server_name="n"), _row(2, source_id="x")]
    rows[0].source = rows[1].source = SOURCE
    problems = Problems()
    check_plan(rows, problems)
    assert [(row.index, option) for row, option, _msg, _kind in problems.items] == [
        (1, "source_id"), (1, "target_server_id"), (1, "target_server_name")]
    assert problems.texts()[0] == "row 2 (source_id src-1): source server web-01 (src-1) is already planned in " \
                                  "row 1 (source_name web-01)"


def test_a_task_to_create_is_checked_against_its_source():
    source = dict(SOURCE, os_type="WINDOWS", connected=False, checks=[{"name": "disk", "result": "ERROR"}])
    row = _row(source_id="src-1", type="MIGRATE_FILE", target_disks=[{"name": "/dev/sdz"}])
    row.source = source
    problems = Problems()
    check_creation(row, True, problems)
    found = [(option, msg) for _row_, option, msg, _kind in problems.items]
    assert found == [
        ("template_id", "a new task needs a target: template_id, or target_server_id and target_server_name"),
        ("type", "Windows source server web-01 supports only MIGRATE_BLOCK"),
        (None, "the agent of source server web-01 is not connected"),
        (None, "source server web-01 failed its environment checks (disk)"),
        ("target_disks", "target_disks names disk /dev/sdz, but source server web-01 has /dev/vda, /dev/vdb"),
    ]
    relaxed = Problems()
    row.options.update(type=None, target_disks=None, template_id="t")
    check_creation(row, False, relaxed)
    assert not relaxed


def test_the_source_options_of_a_row_must_name_one_server():
    row = _row(source_name="web-01", source_ip="10.0.0.1")
    assert source_problem(("name", "web-01"), {"problem": "unknown"}, row) == "no source server has name 'web-01'"
    assert source_problem(("name", "web-01"), {"problem": "ambiguous", "ids": ["a", "b"]}, row) == \
        "name 'web-01' is ambiguous, it matches 2 source servers (a, b); use source_id"
    assert source_problem(("name", "web-01"), {"source": SOURCE}, row) is None and row.source is SOURCE
    other = {"id": "src-2", "name": "web-02"}
    assert source_problem(("ip", "10.0.0.1"), {"source": other}, row) == \
        "ip '10.0.0.1' is source server web-02 (src-2), but the row also names source server web-01 (src-1)"
    assert row.source is False
    assert source_problem(("id", "src-1"), {"source": SOURCE}, row) is None and row.source is False


def test_the_create_body_holds_only_sdk_fields_and_applies_disk_overrides():
    options = _params(template_id="tmpl", priority="high", syncing=True, start=True, speed_limit=0,
                      target_disks=[{"name": "/dev/vdb", "size_gb": 1, "disk_id": "evs-1"}])
    body = creation_body(options, SOURCE, "ap-southeast-3", "proj")
    assert body == {
        "name": "web-01", "type": "MIGRATE_FILE", "os_type": "LINUX", "source_server": {"id": "src-1"},
        "target_server": {
            "name": "web-01", "vm_id": "",
            "disks": [{"name": "/dev/vda", "size": 10, "device_use": "BOOT",
                       "physical_volumes": [{"name": "/dev/vda1", "size": 5, "mount_point": "/"}]},
                      {"name": "/dev/vdb", "size": 1024 ** 3, "device_use": "NORMAL"}],  # disk_id: no existing target
            "volume_groups": [{"name": "vg0", "size": 3, "components": "/dev/vdb"}]},
        "region_name": "ap-southeast-3", "region_id": "ap-southeast-3", "project_name": "ap-southeast-3",
        "project_id": "proj", "exist_server": False, "syncing": True, "priority": 2, "vm_template_id": "tmpl",
        "speed_limit": 0, "auto_start": True,
    }
    existing = creation_body(_params(target_server_id="ecs-1", target_server_name="new", name="t1",
                                     target_disks=[{"name": "/dev/vdb", "disk_id": "evs-1", "size": "30"}]),
                             dict(SOURCE, os_type="WINDOWS"), "r", "p")
    assert (existing["type"], existing["exist_server"], existing["name"], existing["priority"]) == ("MIGRATE_BLOCK", True, "t1", 1)
    assert existing["target_server"]["vm_id"] == "ecs-1" and existing["target_server"]["name"] == "new"
    assert existing["target_server"]["disks"][1] == {"name": "/dev/vdb", "size": 30, "device_use": "NORMAL", "disk_id": "evs-1"}
    assert "auto_start" not in existing and "vm_template_id" not in existing


def test_only_differences_the_records_show_count():
    task = {"id": "t-1", "name": "web-01", "type": "MIGRATE_FILE", "priority": 1, "syncing": False,
            "target_server": {"vm_id": "ecs-1", "name": "web-01"}}
    before, after = immutable_diff(_params(priority="high", syncing=True, speed_limit=5, name="web-01"), task)
    assert (before, after) == ({"priority": 1, "syncing": False}, {"priority": 2, "syncing": True})  # speed_limit unseen
    assert immutable_diff(_params(template_id="b"), task) == ({}, {})  # not in the listing, no GET given
    assert immutable_diff(_params(template_id="b"), task, {"vm_template_id": "a"}) == ({"template_id": "a"}, {"template_id": "b"})
    assert immutable_diff(_params(type="MIGRATE_BLOCK"), dict(task, type=None)) == (
        {"type": None}, {"type": "MIGRATE_BLOCK"})  # name and type are always compared


def _with_task(task, **options):
    row = _row(0, source_id="src-1", **options)
    row.source, row.task = SOURCE, task
    return row


def test_what_a_row_plans_to_send():
    new = _with_task(None, template_id="t")
    plan_present(new, "r", "p")
    assert new.result["outcome"] == "created" and new.result["request"]["path"] == "/v3/tasks"
    assert new.result["diff"] == {"before": {}, "after": new.result["request"]["body"]}
    ready = _with_task({"id": "t-1", "state": "READY"}, start=True)
    plan_present(ready, "r", "p")
    assert ready.result["outcome"] == "started" and ready.result["request"] == {
        "method": "POST", "path": "/v3/tasks/t-1/action", "body": {"operation": "start"}}
    running = _with_task({"id": "t-2", "state": "RUNNING"}, start=True)
    plan_present(running, "r", "p")
    assert running.result == {"changed": False, "task_id": "t-2", "outcome": "unchanged"}

    plan_absent(running, force=False)
    assert running.result["outcome"] == "deleted" and running.result["stop_first"] is True
    assert running.result["refused"] == "task t-2 is replicating (state RUNNING, source None); stop it first or set force=true"
    stopped = _with_task({"id": "t-3", "state": "ABORT", "source_server": {"state": "stopped"}})
    plan_absent(stopped, force=False)
    assert "refused" not in stopped.result and stopped.result["stop_first"] is False
    none = _with_task(None)
    plan_absent(none, force=True)
    assert none.result == {"changed": False, "outcome": "absent"}


def test_settings_join_the_plan_without_changing_the_create_body():
    row = _with_task(None, template_id="t")
    plan_present(row, "r", "p")
    body = row.result["request"]["body"]
    snapshot = dict(body)
    add_settings(row.result, None)
    assert "settings_plan" not in row.result
    add_settings(row.result, {"plan": [("/v3/tasks/{0}/speed-limit", {"speed_limit": []})], "requests": ["r"],
                              "before": {"speed_windows": []}, "after": {"speed_windows": [1]}})
    assert row.result["outcome"] == "created" and body == snapshot
    assert row.result["diff"]["after"] == dict(snapshot, speed_windows=[1]) and row.result["settings_requests"] == ["r"]
    unchanged = _with_task({"id": "t-1", "state": "READY"})
    plan_present(unchanged, "r", "p")
    add_settings(unchanged.result, {"plan": [], "requests": [], "before": {"configurations": {}}, "after": {"configurations": {"A": "1"}}})
    assert unchanged.result["outcome"] == "updated" and unchanged.result["changed"] is True
    assert unchanged.result["diff"] == {"before": {"configurations": {}}, "after": {"configurations": {"A": "1"}}}


def test_a_stopped_task_and_the_poll_interval():
    assert is_stopped({"phase": "stopped", "source_server": {"state": "stopped"}})
    assert not is_stopped({"phase": "stopped", "source_server": {"state": "stopping"}})
    assert not is_stopped({"phase": "stopping"})
    assert (stop_poll_interval(1), stop_poll_interval(100), stop_poll_interval(3600)) == (0.2, 1.0, 5.0)


def test_row_results_and_the_call_diff():
    created = _with_task(None, template_id="t")
    plan_present(created, "r", "p")
    planned = row_result(created, check_mode=True)
    assert planned["task"]["id"] is None and planned["task"]["state"] == "READY" and planned["phase"] == "ready"
    assert planned["index"] == 0 and planned["source_name"] == "web-01" and planned["settings_requests"] == []
    created.result.update(error={"msg": "boom"}, msg="row 1 (source_id src-1): boom")
    failed = row_result(created, check_mode=False)
    assert failed["outcome"] == "failed" and failed["attempted"] == "created" and failed["changed"] is False
    assert failed["task"] == {"id": None, "state": None, "phase": None}
    deleted = _with_task({"id": "t-1", "state": "ABORT"})
    plan_absent(deleted, force=True)
    assert row_result(deleted, check_mode=False)["task"] is None
    assert row_result(deleted, check_mode=True)["task"]["id"] == "t-1"
    assert summary_of([planned, failed, failed]) == {"created": 1, "failed": 2}
    assert combined_diff([created]) == created.result["diff"]
    assert combined_diff([deleted, _with_task(None)]) == [{"before": {"id": "t-1", "state": "ABORT"}, "after": {},
                                                           "before_header": "row 1 (source_id src-1)",
                                                           "after_header": "row 1 (source_id src-1)"}]
    assert combined_diff([_with_task(None), _with_task(None)]) == {}


def test_problems_are_raised_at_once_with_their_rows():
    problems = Problems()
    problems.raise_if_any()  # none: nothing raised
    problems.add(_row(2, source_name="web-03"), "no source server has name 'web-03'", "source_name")
    problems.add(None, "a call-wide problem", kind="value")
    with pytest.raises(SmsInputError) as raised:
        problems.raise_if_any(diff={})
    assert str(raised.value) == "2 problem(s), nothing was sent:\n- row 3 (source_name web-03): no source server has " \
                                "name 'web-03'\n- a call-wide problem"
    assert raised.value.result == {
        "diff": {}, "problems": ["row 3 (source_name web-03): no source server has name 'web-03'", "a call-wide problem"],
        "row_problems": [{"row": 3, "option": "source_name", "msg": "no source server has name 'web-03'", "kind": "sms"},
                         {"row": None, "option": None, "msg": "a call-wide problem", "kind": "value"}]}


def test_an_existing_task_that_differs_only_in_place_plans_one_put_with_just_those_fields():
    task = {"id": "t-1", "state": "READY", "name": "a", "speed_limit": 0}
    row = _with_task(task, name="b", speed_limit=50, use_public_ip=False, start=True)
    row.result["differences"] = differences({"name": "a", "speed_limit": 0}, {"name": "b", "speed_limit": 50}, "ready")
    plan_present(row, "r", "p")
    # use_public_ip goes only with a migration_ip change: not here.
    assert row.result["update_request"] == {"method": "PUT", "path": "/v3/tasks/t-1", "body": {"name": "b", "speed_limit": 50}}
    assert row.result["updated"] == ["name", "speed_limit"] and row.result["changed"] is True
    # start=True on a ready task: started too, and the diff holds both.
    assert row.result["outcome"] == "started" and row.result["request"]["body"] == {"operation": "start"}
    assert row.result["diff"] == {"before": {"name": "a", "speed_limit": 0, "state": "READY"},
                                  "after": {"name": "b", "speed_limit": 50, "state": "RUNNING"},
                                  "before_header": "task t-1", "after_header": "updated in place: name, speed_limit"}
    item = row_result(row, check_mode=True)
    assert item["updated"] == ["name", "speed_limit"] and item["update_request"] == row.result["update_request"]
    assert [d["change"] for d in item["differences"]] == ["updated in place", "updated in place"]
    # The PUT went through, the start failed: the row still changed the task.
    row.result.update(update_sent=True, error={"msg": "boom"}, msg="boom")
    assert row_result(row, check_mode=False)["changed"] is True

    only = _with_task(dict(task, state="RUNNING"), speed_limit=5)
    only.result["differences"] = differences({"speed_limit": 0}, {"speed_limit": 5}, "replicating")
    plan_present(only, "r", "p")
    assert only.result["outcome"] == "updated" and only.result["update_request"]["body"] == {"speed_limit": 5}
    assert summary_of([row_result(only, check_mode=True)]) == {"updated": 1}
    blocked = _with_task(dict(task, state="RUNNING"), type="MIGRATE_BLOCK")
    blocked.result["differences"] = differences({"type": "MIGRATE_FILE"}, {"type": "MIGRATE_BLOCK"}, "replicating")
    plan_present(blocked, "r", "p")  # (its check failed the call before any plan: planned, it sends nothing)
    assert blocked.result["outcome"] == "unchanged" and "update_request" not in blocked.result
    assert row_result(blocked, check_mode=True)["updated"] == []
