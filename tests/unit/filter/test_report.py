# -*- coding: utf-8 -*-
"""The report filters: md_cell keeps a Markdown table intact, wave_task_problems names line, server
and task with the API's fields."""

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.report import md_cell, wave_task_problems


def _cells(row):
    return re.split(r"(?<!\\)\|", row)


@pytest.mark.parametrize("value", ["a|b", "a\nb", "a\r\nb|", "x\ry\u2028z", "trailing\\", "back\\|slash", "|", "\n"])
def test_a_value_stays_in_its_cell_on_its_row(value):
    row = "| %s | next |" % md_cell(value)
    assert len(row.splitlines()) == 1
    assert _cells(row) == ["", " %s " % md_cell(value), " next ", ""]


def test_md_cell_escapes_only_what_it_must():
    assert md_cell("a|b") == "a\\|b"
    assert md_cell("one\ntwo\r\nthree") == "one two three"
    assert md_cell("C:\\temp") == "C:\\\\temp"
    assert md_cell(None) == "" and md_cell(42.5) == "42.5" and md_cell("=SUM(A1)") == "=SUM(A1)"


ROWS = [{"line": 2, "source": "web-01"}, {"line": 4, "source": "10.0.0.7"}, {"line": 5, "source": "db-01"}]
TASK_RESULTS = [{"source_name": "web-01", "task": {"id": "t1"}}, {"source_name": "app-02", "task": {"id": "t2"}},
                {"source_name": "db-01", "task": {"id": None, "state": None, "phase": None}, "outcome": "failed"}]


def test_failed_gone_missing_and_pending_tasks_name_line_server_and_task():
    result = {"failed": True, "msg": "1 task reached failed",
              "failed_tasks": [{"id": "t1", "current_subtask": "MIGRATE_LINUX_FILE", "state": "MIGRATE_FAIL",
                                "error": {"error_code": "SMS.1106", "error_msg": "target disk too small"}}],
              "gone_tasks": [{"id": "t2"}], "missing_task_ids": ["t2", "t9"],
              "pending_tasks": [{"id": "t3", "phase": "replicating", "state": "RUNNING",
                                 "source_server": {"name": "other"}}]}
    assert wave_task_problems(result, ROWS, TASK_RESULTS) == [
        "line 2, server web-01, task t1: failed in MIGRATE_LINUX_FILE: error_code SMS.1106, error_msg target disk too small",
        "line 4, server 10.0.0.7, task t2: the task is gone (deleted while the wave waited)",
        "task t9: SMS has no such task",
        "server other, task t3: still replicating (state RUNNING) when the wait ended"]


def test_gone_tasks_may_be_ids():
    assert wave_task_problems({"gone_tasks": ["t1"]}, ROWS, TASK_RESULTS) == [
        "line 2, server web-01, task t1: the task is gone (deleted while the wave waited)"]


def test_refused_actions_give_every_api_field():
    result = {"failed": True, "results": [
        {"task_id": "t1", "outcome": "sent"},
        {"task_id": "t2", "source_name": "app-02", "outcome": "error",
         "error": {"msg": "refused", "status": 400, "error_code": "SMS.2204", "error_msg": "task is running",
                   "request_id": "req-7"}}]}
    assert wave_task_problems(result, ROWS, TASK_RESULTS) == [
        "line 4, server 10.0.0.7, task t2: status 400, error_code SMS.2204, error_msg task is running, request_id req-7"]


def test_a_failure_without_tasks_is_a_problem_and_success_is_none():
    failed = {"failed": True, "msg": "Waiting for the tasks failed", "status": 503, "error_code": "SMS.0001",
              "error_msg": "busy", "request_id": "r1"}
    assert wave_task_problems(failed, ROWS, TASK_RESULTS) == [
        "Waiting for the tasks failed (status 503, error_code SMS.0001, error_msg busy, request_id r1)"]
    assert wave_task_problems({"tasks": [], "failed": False}, ROWS, TASK_RESULTS) == []


def test_a_row_without_a_task_maps_no_line():
    assert wave_task_problems({"gone_tasks": [None]}, ROWS, TASK_RESULTS) == [
        "task None: the task is gone (deleted while the wave waited)"]


def test_the_input_must_be_a_result():
    with pytest.raises(AnsibleFilterError, match="registered module result"):
        wave_task_problems(["t1"], ROWS, TASK_RESULTS)


def test_tasks_refused_before_sending_name_line_server_state_and_reason():
    result = {"failed": True, "msg": "nothing was sent: 1 of 2 task(s) cannot take operation start: ...",
              "refused": [{"task_id": "t2", "source_name": "app-02", "state": "STOPPING", "phase": "stopping",
                           "reason": "operation start is not allowed for task t2 in state STOPPING"}]}
    assert wave_task_problems(result, ROWS, TASK_RESULTS) == [
        "line 4, server 10.0.0.7, task t2: refused in state STOPPING: operation start is not allowed for task t2"
        " in state STOPPING"]


def test_a_failure_with_api_fields_is_named_next_to_the_tasks_it_left_pending():
    result = {"failed": True, "msg": "polls failed for 5 s", "status": 503, "error_code": "SMS.0001",
              "request_id": "r2", "pending_tasks": [{"id": "t1", "phase": "replicating", "state": "RUNNING"}]}
    assert wave_task_problems(result, ROWS, TASK_RESULTS) == [
        "line 2, server web-01, task t1: still replicating (state RUNNING) when the wait ended",
        "polls failed for 5 s (status 503, error_code SMS.0001, request_id r2)"]


def test_a_403_without_a_task_list_gives_msg_and_api_fields():
    result = {"failed": True, "msg": "Waiting for the tasks failed: forbidden", "status": 403,
              "error_code": "SMS.0403", "error_msg": "no permission", "request_id": "r3"}
    assert wave_task_problems(result, ROWS, TASK_RESULTS) == [
        "Waiting for the tasks failed: forbidden (status 403, error_code SMS.0403, error_msg no permission,"
        " request_id r3)"]
