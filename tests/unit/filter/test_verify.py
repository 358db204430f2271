# -*- coding: utf-8 -*-
"""The filters of the rehearsal and the verification: what is checked, the record, the cleanup gate,
the failed tasks whose logs are collected."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.verify import (wave_failed_task_ids, wave_test_outcomes, wave_unverified,
                                                                   wave_verify_record, wave_verify_targets)
from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import wave_plan

PLAN = ("source,template_id,ok_to_test,verify,verify_port,verify_address\n"
        "web-01,t,yes,,,\n"        # Linux: 22
        "win-01,t,yes,,,\n"        # Windows: 5986
        "db-01,t,,,2222,db.example\n"
        "old-01,t,yes,no,,\n"      # not checked: the plan says so
        "new-01,t,,,,\n")          # no target


def _pairs():
    rows = wave_plan(PLAN)
    results = [{"source_id": "s%d" % index, "task": {"id": "t%d" % index}} for index in range(len(rows))]
    return [[row, result] for row, result in zip(rows, results)]


def _targets(kind="cutover"):
    # As a loop of hwcloud.sms.sms_target_info over the accounts registers it.
    return {"results": [{"ansible_loop_var": "wave_account", "wave_account": "", "targets": [
        {"kind": kind, "task_id": "t%d" % index, "source_id": "s%d" % index, "source_name": name, "vm_id": "vm%d" % index,
         "name": name + "-target", "ip": "10.0.0.%d" % (index + 10)}
        for index, name in enumerate(["web-01", "win-01", "db-01", "old-01"])]}]}


SOURCES = {"source_servers": [{"id": "s0", "os_type": "LINUX"}, {"id": "s1", "os_type": "WINDOWS"},
                              {"id": "s2", "os_type": "LINUX"}, {"id": "s3", "os_type": "LINUX"}]}


def test_each_line_gets_its_target_address_and_port_or_why_it_is_not_checked():
    entries = wave_verify_targets(_pairs(), _targets(), SOURCES)
    assert [(e["server"], e["address"], e["port"], e["check"], e["reason"]) for e in entries] == [
        ("web-01", "10.0.0.10", 22, True, None),
        ("win-01", "10.0.0.11", 5986, True, None),
        ("db-01", "db.example", 2222, True, None),
        ("old-01", "10.0.0.13", 22, False, "the plan says verify no"),
        ("new-01", None, 22, False, "no target: SMS lists no launched target server for the task"),
    ]
    assert entries[0]["target_ip"] == "10.0.0.10" and entries[0]["kind"] == "cutover" and entries[0]["line"] == 2
    assert entries[2]["target_ip"] == "10.0.0.12" and entries[0]["host"] == "web-01"


def test_the_rehearsal_checks_the_clones_of_the_lines_with_ok_to_test():
    entries = wave_verify_targets(_pairs(), _targets("clone"), SOURCES, kind="clone", only_test=True)
    assert [e["server"] for e in entries] == ["web-01", "win-01", "old-01"]
    # A cut-over target is not a clone.
    entries = wave_verify_targets(_pairs(), _targets("cutover"), SOURCES, kind="clone", only_test=True)
    assert [e["reason"] for e in entries][:2] == ["no target: SMS lists no test clone for the task"] * 2
    with pytest.raises(AnsibleFilterError, match="kind must be clone or cutover"):
        wave_verify_targets(_pairs(), [], kind="drill")


def test_the_record_puts_failures_first_and_a_host_without_an_outcome_is_unreachable():
    entries = wave_verify_targets(_pairs(), _targets(), SOURCES)
    hostvars = {"web-01": {"wave_verify_result": {"outcome": "passed", "reason": "the port answers"}},
                "win-01": {"wave_verify_result": {"outcome": "failed", "reason": "task failed: IIS: stopped",
                                                  "failed_task": "IIS"}},
                "db-01": {}}
    record = wave_verify_record(entries, hostvars, wave="w1", phase="verify", now="2026-12-03T14:00:00Z")
    assert [(s["server"], s["outcome"]) for s in record["servers"]] == [
        ("win-01", "failed"), ("db-01", "failed"), ("old-01", "not_checked"), ("new-01", "not_checked"),
        ("web-01", "passed")]
    assert record["servers"][0]["failed_task"] == "IIS"
    assert record["servers"][1]["reason"].startswith("unreachable: the port answered, but Ansible could not connect")
    assert record["summary"] == {"failed": 2, "not_checked": 2, "passed": 1}
    assert record["wave"] == "w1" and record["generated"] == "2026-12-03T14:00:00Z"
    assert "check" not in record["servers"][0]


def test_a_failed_clone_or_drill_fails_the_server_in_the_test_record():
    cloned = {"results": [{"ansible_loop_var": "wave_account", "wave_account": "", "failed": True, "results": [
        {"task_id": "t0", "clone_server": {"vm_id": "c0", "name": "web-01-clone", "clone_state": "FINISHED"}},
        {"task_id": "t1", "clone_server": {"vm_id": None, "name": "win-01-clone", "clone_state": "ERROR",
                                           "clone_error": "SMS.6601", "error_msg": "no quota"}}]}]}
    drilled = {"results": [{"ansible_loop_var": "wave_account", "wave_account": "", "results": [
        {"task_id": "t0", "drill": "passed"}, {"task_id": "t3", "drill": "failed", "error": {"error_code": "SMS.9", "error_msg": "x"}}]}]}
    tests = wave_test_outcomes(cloned, drilled)
    assert tests["t0"] == {"clone_state": "FINISHED", "clone_vm_id": "c0", "clone_name": "web-01-clone", "clone_error": None,
                           "clone_error_msg": None, "drill": "passed", "drill_error": None}
    entries = wave_verify_targets(_pairs(), _targets("clone"), SOURCES, kind="clone", only_test=True)
    record = wave_verify_record(entries, {"web-01": {"wave_verify_result": {"outcome": "passed"}}}, phase="test", tests=tests)
    by_server = dict((s["server"], s) for s in record["servers"])
    assert by_server["win-01"]["outcome"] == "failed" and by_server["win-01"]["reason"] == "the clone failed: SMS.6601 no quota"
    assert by_server["old-01"]["reason"] == "the drill (migration_test) failed: SMS.9 x"
    assert by_server["web-01"]["outcome"] == "passed" and by_server["web-01"]["drill"] == "passed"
    assert wave_failed_task_ids(cloned) == [{"account": "", "task_ids": ["t1"]}]
    assert wave_failed_task_ids(drilled) == [{"account": "", "task_ids": ["t3"]}]


def test_the_cleanup_gate_holds_back_every_server_that_did_not_pass():
    servers = [{"id": "s0", "name": "web-01"}, {"id": "s1", "name": "win-01"}, {"id": "s2", "name": "db-01"},
               {"id": "s9", "name": "late-01"}]
    record = {"servers": [{"source_id": "s0", "server": "web-01", "outcome": "passed"},
                          {"source_id": "s1", "server": "win-01", "outcome": "failed", "reason": "unreachable: nothing answered"},
                          {"server": "db-01", "outcome": "not_checked", "reason": "no target"}]}
    assert wave_unverified(servers, record) == [
        {"id": "s1", "name": "win-01", "reason": "failed: unreachable: nothing answered"},
        {"id": "s2", "name": "db-01", "reason": "not checked: no target"},
        {"id": "s9", "name": "late-01", "reason": "not in the verification record"}]
    assert [entry["name"] for entry in wave_unverified(servers, None)] == ["web-01", "win-01", "db-01", "late-01"]
    assert wave_unverified(servers, None)[0]["reason"].startswith("no verification record")
    with pytest.raises(AnsibleFilterError, match="must be a dict"):
        wave_unverified(servers, "[]")


def test_failed_tasks_of_waits_and_refusals_by_account():
    waited = {"results": [
        {"ansible_loop_var": "wave_account", "wave_account": "east", "failed_tasks": [{"id": "a1"}, {"id": "a2"}]},
        {"ansible_loop_var": "wave_account", "wave_account": "west", "failed_tasks": []},
        {"ansible_loop_var": "wave_account", "wave_account": "south", "skipped": True},
        {"ansible_loop_var": "wave_account", "wave_account": "north",
         "results": [{"task_id": "n1", "error": {"status": 400}}, {"task_id": "n2", "changed": True}]}]}
    assert wave_failed_task_ids(waited) == [{"account": "east", "task_ids": ["a1", "a2"]},
                                            {"account": "north", "task_ids": ["n1"]}]
    assert wave_failed_task_ids({}) == [] and wave_failed_task_ids(None) == []


def test_a_refused_clone_or_drill_request_fails_the_server():
    cloned = {"failed": True, "results": [{"task_id": "t0", "outcome": "error", "error": {
        "status": 400, "error_code": "SMS.6101", "error_msg": "template_id required"}}]}
    drilled = {"failed": True, "refused": [{"task_id": "t1", "state": "READY", "reason": "allowed from SYNCING"}]}
    tests = wave_test_outcomes(cloned, drilled)
    assert tests["t0"]["clone_state"] == "ERROR"
    assert tests["t0"]["clone_error_msg"] == "SMS refused the request: 400 SMS.6101 template_id required"
    assert tests["t1"] == {"drill": "failed", "drill_error": "refused in state READY: allowed from SYNCING"}
    entries = wave_verify_targets(_pairs(), [], SOURCES, kind="clone", only_test=True)
    by_server = dict((s["server"], s) for s in wave_verify_record(entries, {}, phase="test", tests=tests)["servers"])
    assert by_server["web-01"]["reason"] == "the clone failed: SMS refused the request: 400 SMS.6101 template_id required"
    assert by_server["win-01"]["reason"] == "the drill (migration_test) failed: refused in state READY: allowed from SYNCING"


def test_a_drill_without_a_clone_gives_the_outcome():
    drilled = {"results": [{"task_id": "t0", "drill": "passed"}, {"task_id": "t1", "drill": "failed"}]}
    entries = wave_verify_targets(_pairs(), [], SOURCES, kind="clone", only_test=True)
    record = wave_verify_record(entries, {}, phase="drill", tests=wave_test_outcomes({}, drilled))
    by_server = dict((s["server"], (s["outcome"], s["reason"])) for s in record["servers"])
    assert by_server["web-01"] == ("passed", "the drill (migration_test) passed")
    assert by_server["win-01"] == ("failed", "the drill (migration_test) failed")
    assert by_server["old-01"] == ("not_checked", "the plan says verify no")
