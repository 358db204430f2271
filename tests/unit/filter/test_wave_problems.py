# -*- coding: utf-8 -*-
"""The wave_problems filter: the plan's problems and sms_task's, mapped to plan lines, in one sorted list."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import wave_plan, wave_problems

PLAN = ("# wave\n"
        "source,source_ip,template,priority\n"
        "web-01,,web,high\n"
        "web-02,,web,urgent\n"
        "\n"
        "web-03,,web,\n"
        ",10.0.0.4,web,\n"
        "web-11,,web,\n")
TEMPLATES = [{"name": "web", "id": "t-1"}]


def _rows():
    return wave_plan(PLAN, templates=TEMPLATES)


def test_sms_task_problems_are_mapped_to_lines_and_plan_columns():
    rows = _rows()
    assert [row["line"] for row in rows] == [3, 4, 6, 7, 8]
    checked = {"failed": True, "msg": "...", "row_problems": [
        {"row": 1, "option": "source_name", "msg": "no source server has name 'web-01'", "kind": "sms"},
        {"row": 3, "option": "source_name", "msg": "source server web-03 (i-3) is already planned in row 1 "
                                                   "(source_name web-01)", "kind": "sms"},
        {"row": 4, "option": "source_ip", "msg": "ip '10.0.0.4' is ambiguous", "kind": "sms"},
        {"row": 4, "option": "template_id", "msg": "a new task needs a target", "kind": "value"},
        {"row": 5, "option": None, "msg": "the agent of source server web-11 is not connected", "kind": "sms"},
        # Row 2 has its own problem (priority): what sms_task says about its values is a consequence.
        {"row": 2, "option": "priority", "msg": "priority must be one of ...", "kind": "value"},
        {"row": 2, "option": "source_name", "msg": "no source server has name 'web-02'", "kind": "sms"},
    ]}
    assert wave_problems(rows, checked) == [
        "line 3, column source (source web-01): no source server has name 'web-01'",
        "line 4, column priority: priority must be one of low, standard, high, got 'urgent'",
        "line 4, column source (source web-02): no source server has name 'web-02'",
        "line 6, column source (source web-03): source server web-03 (i-3) is already planned in line 3 "
        "(source_name web-01)",
        "line 7, column source_ip (source 10.0.0.4): ip '10.0.0.4' is ambiguous",
        "line 7, column template (source 10.0.0.4): a new task needs a target",
        "line 8 (source web-11): the agent of source server web-11 is not connected",
    ]


def test_rows_sms_failed_on_name_line_server_and_every_api_field():
    rows = _rows()
    result = {"failed": True, "msg": "1 of 5 row(s) failed", "results": [
        {"index": 0, "outcome": "created", "source_name": "web-01"},
        {"index": 3, "outcome": "failed", "attempted": "created", "source_name": "web-09",
         "error": {"msg": "x", "status": 400, "error_code": "SMS.0515", "error_msg": "Missing disk",
                   "request_id": "req-7"}},
        {"index": 4, "outcome": "exists", "source_name": "web-11", "create_error": {"status": 400}},
    ]}
    assert wave_problems(rows, result) == [
        "line 4, column priority: priority must be one of low, standard, high, got 'urgent'",
        "line 7 (source 10.0.0.4): created failed: status 400, error_code SMS.0515, error_msg Missing disk, "
        "request_id req-7",
    ]


def test_a_call_that_ended_without_rows_is_a_problem_failed_or_not_and_nothing_is_lost():
    rows = _rows()
    # As the wave playbook registers it (failed_when: false): not marked failed, msg and API fields kept.
    registered = {"failed": False, "failed_when_result": False, "changed": False,
                  "msg": "Looking up the source servers failed", "status": 503,
                  "error_code": "SMS.2007", "error_msg": "busy", "request_id": "r-1"}
    expected = ("sms_task failed: Looking up the source servers failed (status 503, error_code SMS.2007, "
                "error_msg busy, request_id r-1)")
    assert wave_problems(rows, registered)[0] == expected
    assert wave_problems(rows, dict(registered, failed=True))[0] == expected
    assert wave_problems(rows, {"msg": "tasks must list at least one row"})[0] == (
        "sms_task failed: tasks must list at least one row")
    # A call with rows says what it did in its rows, not in msg.
    assert wave_problems(rows, {"msg": "done", "results": [{"index": 0, "outcome": "created"}]}) == [
        "line 4, column priority: priority must be one of low, standard, high, got 'urgent'"]
    # Skipped or absent sms_task results: only the plan's own problems.
    assert wave_problems(rows, {"skipped": True}) == wave_problems(rows) == [
        "line 4, column priority: priority must be one of low, standard, high, got 'urgent'"]
    with pytest.raises(AnsibleFilterError, match="expects the rows"):
        wave_problems("not rows", {})


def test_problems_sort_by_line_number_not_as_text():
    rows = wave_plan("source,template_id\n" + "".join("web-%02d,t\n" % n for n in range(1, 12)))
    checked = {"row_problems": [{"row": n, "option": None, "msg": "m", "kind": "sms"} for n in (10, 2, 1)]}
    assert [text.split(" (")[0] for text in wave_problems(rows, checked)] == ["line 2", "line 3", "line 11"]


def test_a_problem_of_a_renamed_option_names_its_plan_column():
    rows = wave_plan("source,template_id,migration_test,clone_template_id\nweb-01,t,yes,c-1\n")
    checked = {"row_problems": [
        {"row": 1, "option": "need_migration_test", "msg": "need_migration_test differs from the task's", "kind": "sms"},
        {"row": 1, "option": "clonevm_template_id", "msg": "no template c-1", "kind": "sms"}]}
    assert wave_problems(rows, checked) == [
        "line 2, column migration_test (source web-01): need_migration_test differs from the task's",
        "line 2, column clone_template_id (source web-01): no template c-1"]
