# -*- coding: utf-8 -*-
"""sms_task changing an existing task in place (PUT /v3/tasks/{id}) in process against the emulator
over real HTTP: what is put, what still needs the task created again, check mode, --diff."""

import json

import pytest

from sms_emulator import Emulator
from support.fleet import take_fresh_sources
from support.module_runner import emulator_args, run_module


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=30, seed=21, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _no_region_from_the_environment(monkeypatch):
    monkeypatch.delenv("HUAWEICLOUD_REGION", raising=False)


def _task(emu, args, **keywords):
    return run_module("sms_task", emulator_args(emu, region=emu.region, **args), **keywords)


def _writes(emu):
    return [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]


def _created(emu, **args):
    source = take_fresh_sources(emu, 1, os_type=args.pop("os_type", "LINUX"))[0]
    created = _task(emu, dict({"source_id": source["id"], "template_id": "t-1"}, **args))
    assert created["changed"] and not created.get("failed"), created
    emu.clear_request_log()
    return source, created["task"]


def _running(emu, source, task):
    """Start a ready task and let the agent take the START: the task replicates."""
    started = _task(emu, {"source_id": source["id"], "start": True})
    assert started["phase"] == "replicating", started
    emu.store.report_command_result(source["id"], {"command_name": "START", "result": "success", "result_detail": {}})
    emu.clear_request_log()
    return task


def test_check_mode_plans_one_put_with_just_the_changed_fields_and_sends_nothing(emu):
    source, task = _created(emu, name="app-a", speed_limit=0)
    result = _task(emu, {"source_id": source["id"], "template_id": "t-1", "name": "app-b", "speed_limit": 200,
                         "use_public_ip": False}, check_mode=True, diff=True)
    assert not result.get("failed"), result
    assert result["changed"] is True and result["outcome"] == "updated"
    assert result["updated"] == ["name", "speed_limit"]
    assert result["update_request"] == {"method": "PUT", "path": "/v3/tasks/%s" % task["id"],
                                        "body": {"name": "app-b", "speed_limit": 200}}
    assert [(d["option"], d["before"], d["after"], d["change"]) for d in result["differences"]] == [
        ("name", "app-a", "app-b", "updated in place"), ("speed_limit", 0, 200, "updated in place")]
    assert result["diff"] == {"before": {"name": "app-a", "speed_limit": 0}, "after": {"name": "app-b", "speed_limit": 200},
                              "before_header": "task %s" % task["id"], "after_header": "updated in place: name, speed_limit"}
    assert _writes(emu) == []
    assert emu.store.get_task(task["id"])["name"] == "app-a"


def test_a_difference_that_needs_recreate_fails_the_row_naming_each_field_and_nothing_is_sent(emu):
    source, task = _created(emu, name="app-c", priority="low")
    result = _task(emu, {"source_id": source["id"], "name": "app-d", "priority": "high", "syncing": True},
                   diff=True)
    assert result.get("failed"), result
    assert "name 'app-c' -> 'app-d' (updated in place)" in result["msg"]
    assert "priority 0 -> 2 (needs recreate)" in result["msg"] and "syncing False -> True (needs recreate)" in result["msg"]
    assert [(d["option"], d["change"]) for d in result["differences"]] == [
        ("name", "updated in place"), ("priority", "needs recreate"), ("syncing", "needs recreate")]
    assert result["diff"]["after_header"] == "updated in place: name; needs recreate: priority, syncing"
    assert _writes(emu) == []
    assert emu.store.get_task(task["id"])["name"] == "app-c"


def test_type_and_template_change_in_place_only_while_ready(emu):
    source, task = _created(emu)
    ready = _task(emu, {"source_id": source["id"], "template_id": "t-2", "type": "MIGRATE_BLOCK"}, check_mode=True)
    assert not ready.get("failed"), ready
    assert ready["update_request"]["body"] == {"type": "MIGRATE_BLOCK", "vm_template_id": "t-2"}
    _running(emu, source, task)
    running = _task(emu, {"source_id": source["id"], "template_id": "t-2", "type": "MIGRATE_BLOCK"}, check_mode=True)
    assert running.get("failed"), running
    assert [(d["option"], d["change"]) for d in running["differences"]] == [
        ("template_id", "needs recreate"), ("type", "needs recreate")]
    assert "the task is replicating" in running["differences"][0]["why"]
    assert [(p["option"], p["kind"]) for p in running["row_problems"]] == [(None, "sms")]
    # The speed limit still changes in place while the task replicates.
    speed = _task(emu, {"source_id": source["id"], "speed_limit": 30}, check_mode=True)
    assert speed["outcome"] == "updated" and speed["phase"] == "replicating" and speed["updated"] == ["speed_limit"]
    assert _writes(emu) == []


def test_migration_ip_needs_the_task_stopped_while_data_moves(emu):
    source, task = _created(emu, template_id=None, target_server_id="ecs-%s" % emu.region, target_server_name="mig-t",
                            migration_ip="192.168.7.1")
    ready = _task(emu, {"source_id": source["id"], "migration_ip": "192.168.7.2", "use_public_ip": False}, check_mode=True)
    assert ready["update_request"]["body"] == {"migration_ip": "192.168.7.2", "use_public_ip": False}, ready
    _running(emu, source, task)
    moving = _task(emu, {"source_id": source["id"], "migration_ip": "192.168.7.2"})
    assert moving.get("failed") and "migration_ip '192.168.7.1' -> '192.168.7.2' (needs stop)" in moving["msg"], moving
    assert "sms_task_action operation=stop" in moving["msg"] and "state=absent" not in moving["msg"]
    assert [(p["option"], p["kind"]) for p in moving["row_problems"]] == [("migration_ip", "sms")]
    assert _writes(emu) == []


@pytest.mark.parametrize("args, fragment", [
    ({"migration_ip": "not-an-ip"}, "migration_ip must be an IP address"),
    ({"migration_ip": "fd00::1"}, "is an IPv6 address: set use_ipv6=true"),
    ({"speed_limit": 10001}, "speed_limit must be 0 to 10000"),
    ({"name": "bad name"}, "may only hold letters"),
])
def test_bad_values_fail_before_any_write(emu, args, fragment):
    source, task = _created(emu)
    result = _task(emu, dict({"source_id": source["id"]}, **args))
    assert result.get("failed") and fragment in result["msg"], result
    assert [p["kind"] for p in result["row_problems"]] == ["value"]
    assert _writes(emu) == []


def test_a_windows_task_is_not_put_to_file_level(emu):
    source, _task_record = _created(emu, os_type="WINDOWS")
    result = _task(emu, {"source_id": source["id"], "type": "MIGRATE_FILE"}, check_mode=True)
    assert result.get("failed") and "supports only MIGRATE_BLOCK" in result["msg"], result
    assert result["differences"][0]["change"] == "updated in place"  # ready: only the OS refuses it


def test_a_wave_in_check_mode_says_per_row_what_is_put(emu):
    first, task_a = _created(emu, name="wave-a")
    second, _task_b = _created(emu, name="wave-b")
    result = _task(emu, {"tasks": [{"source_id": first["id"], "speed_limit": 40},
                                   {"source_id": second["id"], "name": "wave-b"}]}, check_mode=True, diff=True)
    assert not result.get("failed"), result
    assert [item["outcome"] for item in result["results"]] == ["updated", "unchanged"]
    assert result["results"][0]["update_request"]["path"] == "/v3/tasks/%s" % task_a["id"]
    assert [item["updated"] for item in result["results"]] == [["speed_limit"], []]
    assert result["summary"] == {"updated": 1, "unchanged": 1}
    # One diff per changed row (Ansible's callbacks show a list of diffs), its headers naming the row.
    label = "row 1 (source_id %s)" % first["id"]
    assert result["diff"] == [{"before": {"speed_limit": task_a["speed_limit"]}, "after": {"speed_limit": 40},
                               "before_header": "%s: task %s" % (label, task_a["id"]),
                               "after_header": "%s: updated in place: speed_limit" % label}]
    assert _writes(emu) == []
    # A row whose difference needs recreate fails the whole wave: every row's differences, by row.
    failed = _task(emu, {"tasks": [{"source_id": first["id"], "speed_limit": 40},
                                   {"source_id": second["id"], "priority": "high"}]}, check_mode=True)
    assert failed.get("failed") and failed["problems"] == [
        "row 2 (source_id %s): %s" % (second["id"], failed["row_problems"][0]["msg"])], failed
    assert [(d["row"], d["option"], d["change"]) for d in failed["differences"]] == [
        (1, "speed_limit", "updated in place"), (2, "priority", "needs recreate")]
    assert _writes(emu) == []


def _puts(emu):
    """The PUT requests of the log, their bodies parsed."""
    return [dict(e, body=json.loads(e["body"])) for e in emu.request_log() if e["method"] == "PUT"]


def test_only_in_place_differences_send_one_put_and_a_second_run_changes_nothing(emu):
    source, task = _created(emu, name="put-a", speed_limit=0)
    args = {"source_id": source["id"], "template_id": "t-1", "name": "put-b", "speed_limit": 250}
    result = _task(emu, args, diff=True)
    assert not result.get("failed"), result
    assert result["changed"] is True and result["outcome"] == "updated" and result["updated"] == ["name", "speed_limit"]
    assert _writes(emu) == [("PUT", "/v3/tasks/%s" % task["id"])]
    assert _puts(emu)[0]["body"] == {"name": "put-b", "speed_limit": 250}
    stored = emu.store.get_task(task["id"])
    assert (stored["name"], stored["speed_limit"]) == ("put-b", 250)
    # The result shows the task as SMS holds it after the PUT.
    assert result["task"]["name"] == "put-b" and result["task"]["speed_limit"] == 250
    emu.clear_request_log()
    again = _task(emu, args)
    assert again["changed"] is False and again["outcome"] == "unchanged" and again["updated"] == []
    assert again["update_request"] is None and again["differences"] == []
    assert _writes(emu) == []


def test_a_ready_task_gets_its_new_template_and_type_and_then_starts(emu):
    source, task = _created(emu)
    result = _task(emu, {"source_id": source["id"], "template_id": "t-9", "type": "MIGRATE_BLOCK", "start": True})
    assert not result.get("failed"), result
    assert result["outcome"] == "started" and result["updated"] == ["template_id", "type"]
    # The PUT first, then the start.
    assert _writes(emu) == [("PUT", "/v3/tasks/%s" % task["id"]), ("POST", "/v3/tasks/%s/action" % task["id"])]
    stored = emu.store.get_task(task["id"])
    assert stored["vm_template_id"] == "t-9" and stored["type"] == "MIGRATE_BLOCK"
    assert result["phase"] == "replicating"


def test_a_stopped_task_gets_a_new_migration_ip_with_the_network_options_sent_along(emu):
    source, task = _created(emu, template_id=None, target_server_id="ecs-stop-1", target_server_name="stop-t",
                            migration_ip="192.168.9.1")
    _running(emu, source, task)
    stop = run_module("sms_task_action", emulator_args(emu, task_ids=[task["id"]], operation="stop"))
    assert not stop.get("failed"), stop
    emu.store.report_command_result(source["id"], {"command_name": "STOP", "result": "success", "result_detail": {}})
    emu.clear_request_log()
    result = _task(emu, {"source_id": source["id"], "migration_ip": "192.168.9.2", "use_public_ip": False})
    assert not result.get("failed"), result
    assert result["phase"] == "stopped" and result["updated"] == ["migration_ip"]
    assert _puts(emu)[0]["body"] == {"migration_ip": "192.168.9.2", "use_public_ip": False}
    assert emu.store.get_task(task["id"])["migration_ip"] == "192.168.9.2"


def test_a_wave_puts_its_rows_concurrently_and_a_refused_put_fails_only_its_row(emu):
    sources_tasks = [_created(emu, name="wv-%d" % index) for index in range(3)]
    emu.clear_request_log()
    rows = [{"source_id": source["id"], "speed_limit": 10 * (index + 1)} for index, (source, _t) in enumerate(sources_tasks)]
    with emu.faults(methods=["PUT"], fail_next=[500]):
        result = _task(emu, {"tasks": rows, "workers": 3, "retries": 0})  # a PUT is retried: not this once
    assert result.get("failed"), result
    outcomes = sorted(item["outcome"] for item in result["results"])
    assert outcomes == ["failed", "updated", "updated"], result["results"]
    failed = [item for item in result["results"] if item["outcome"] == "failed"][0]
    assert failed["attempted"] == "updated" and failed["changed"] is False and failed["error"]["status"] == 500
    assert len(_puts(emu)) == 3 and result["summary"] == {"updated": 2, "failed": 1}
    emu.clear_request_log()
    again = _task(emu, {"tasks": rows, "workers": 3})
    assert not again.get("failed") and again["summary"] == {"updated": 1, "unchanged": 2}, again
