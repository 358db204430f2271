# -*- coding: utf-8 -*-
"""A wave over several accounts: the plan's account column, unknown accounts, SMS's 1,000 source servers
per account, and the problems of calls looped over the accounts mapped back to plan lines."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.report import wave_task_problems
from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import wave_plan, wave_problems

PLAN = ("source,template,account\n"
        "web-01,web,east\n"
        "web-01,web,west\n"
        "db-01,web,\n")
ACCOUNTS = {"east": {"access_key": "a"}, "west": {"access_key": "b"}}


def _refusal(data, **keywords):
    with pytest.raises(AnsibleFilterError) as caught:
        wave_plan(data, **keywords)
    return str(caught.value)


def test_each_line_gets_its_account_and_the_templates_of_that_account():
    templates = {"east": [{"name": "web", "id": "t-east"}], "west": [{"name": "web", "id": "t-west"}]}
    rows = wave_plan("source,template,account\nweb-01,web,east\nweb-01,web,west\n", templates=templates,
                     accounts=ACCOUNTS)
    assert [(row["account"], row["task"]["template_id"]) for row in rows] == [("east", "t-east"), ("west", "t-west")]
    assert all(row["problems"] == [] for row in rows)
    # The same server name in two accounts is two servers: no problem of the plan.
    assert [row["source"] for row in rows] == ["web-01", "web-01"]


def test_without_accounts_every_line_is_the_default_account_and_a_named_one_is_a_problem():
    rows = wave_plan("source,template_id\nweb-01,t\n")
    assert rows[0]["account"] == "" and rows[0]["problems"] == []
    rows = wave_plan("source,template_id,account\nweb-01,t,\nweb-02,t,east\n")
    assert rows[0]["account"] == "" and rows[0]["problems"] == []
    assert rows[1]["problems"] == ["line 3, column account: names account 'east', but the wave has no accounts "
                                   "(set wave_accounts, or leave the column empty)"]


def test_an_empty_account_is_the_only_account_or_a_problem_among_several():
    only = wave_plan("source,template_id,account\nweb-01,t,\n", accounts=["solo"])
    assert only[0]["account"] == "solo" and only[0]["problems"] == []
    rows = wave_plan(PLAN, templates=[], accounts=ACCOUNTS)
    assert rows[2]["account"] is None
    assert rows[2]["problems"] == ["line 4, column account: empty, but the wave has 2 accounts (east, west): name one",
                                   "line 4, column template: template 'web' matches no server template"]


def test_an_unknown_account_is_a_problem_of_its_line_reported_with_the_others():
    rows = wave_plan("source,template_id,priority,account\nweb-01,t,urgent,eats\nweb-02,t,,north\nweb-03,t,,west\n",
                     accounts=ACCOUNTS)
    assert rows[0]["account"] is None and rows[2]["account"] == "west"
    # The account comes first: it says where the line goes.
    assert wave_problems(rows, {"results": []}) == [
        "line 2, column account: unknown account 'eats'; did you mean east? (the wave's accounts: east, west)",
        "line 2, column priority: priority must be one of low, standard, high, got 'urgent'",
        "line 3, column account: unknown account 'north' (the wave's accounts: east, west)",
    ]


def test_more_than_1000_servers_of_one_account_refuse_the_plan_naming_account_and_count():
    lines = "".join("web-%04d,t,east\n" % n for n in range(1001)) + "".join("db-%04d,t,west\n" % n for n in range(1000))
    message = _refusal("source,template_id,account\n" + lines, accounts=ACCOUNTS)
    assert message == ("the wave plan cannot be read, 1 problem(s):\n- account east: the plan puts 1001 servers in "
                       "flight, more than SMS's 1000 source servers per account: split the plan into waves, or spread "
                       "it over accounts")
    # 1,000 in each of two accounts is within the quota; without accounts the one account counts.
    assert len(wave_plan("source,template_id,account\n" + lines.replace("web-1000,t,east\n", ""),
                         accounts=ACCOUNTS)) == 2000
    assert "the account: the plan puts 3 servers" in _refusal("source,template_id\na,t\nb,t\nc,t\n", quota=2)
    assert "quota must be a whole number" in _refusal("source,template_id\na,t\n", quota=0)
    assert "accounts must name at least one account" in _refusal("source,template_id\na,t\n", accounts=[])


def _looped(*items):
    # As ansible registers a task looped over the accounts with loop_var wave_account.
    return {"changed": False, "msg": "All items completed", "results": [
        dict(item, ansible_loop_var="wave_account", wave_account=account) for account, item in items]}


def test_sms_task_problems_of_each_account_map_to_that_accounts_lines():
    rows = wave_plan("source,template_id,account\nweb-01,t,east\nweb-01,t,west\nweb-02,t,west\n", accounts=ACCOUNTS)
    checked = _looped(
        ("east", {"results": [{"index": 0, "outcome": "unchanged"}]}),
        # row 2 of west's call is the plan's line 4
        ("west", {"row_problems": [{"row": 2, "option": "source_name", "msg": "no source server has name 'web-02'",
                                    "kind": "sms"}]}))
    assert wave_problems(rows, checked) == [
        "line 4, column source (source web-02): no source server has name 'web-02'"]
    down = _looped(("east", {"results": [{"index": 0, "outcome": "unchanged"}]}),
                   ("west", {"msg": "Looking up the source servers failed", "status": 401, "error_code": "APIGW.0301"}))
    assert wave_problems(rows, down) == [
        "account west: sms_task failed: Looking up the source servers failed (status 401, error_code APIGW.0301)"]


def test_task_problems_of_each_account_name_the_account_even_when_task_ids_collide():
    rows = wave_plan("source,template_id,account\nweb-01,t,east\nweb-01,t,west\n", accounts=ACCOUNTS)
    # Two accounts may hold the same task ID (one fleet copied into two accounts): the account tells them apart.
    found = [{"task": {"id": "task-1"}}, {"task": {"id": "task-1"}}]
    waited = _looped(("east", {"failed_tasks": []}),
                     ("west", {"failed": True, "msg": "1 task failed", "failed_tasks": [
                         {"id": "task-1", "current_subtask": "MIGRATE_LINUX_FILE",
                          "error": {"error_code": "SMS.1106", "error_msg": "disk too small"}}]}))
    assert wave_task_problems(waited, rows, found) == [
        "account west, line 3, server web-01, task task-1: failed in MIGRATE_LINUX_FILE: error_code SMS.1106, "
        "error_msg disk too small"]
    # One call (no accounts): as before, no account named.
    single = wave_task_problems({"failed_tasks": [{"id": "task-1", "state": "ERROR"}]}, rows[:1], found[:1])
    assert single == ["line 2, server web-01, task task-1: failed: SMS gave no error (state ERROR)"]


def test_a_start_that_left_servers_queued_is_not_a_problem_but_a_refusal_is():
    rows = wave_plan("source,template_id,account\nweb-01,t,east\nweb-02,t,east\n", accounts=ACCOUNTS)
    found = [{"task": {"id": "task-1"}}, {"task": {"id": "task-2"}}]
    queued = {"failed": True, "msg": "1 task(s) still queued after 60 seconds", "queued_tasks": ["task-2"],
              "results": [{"task_id": "task-1", "started_at": "2026-12-03T11:47:39Z"}]}
    assert wave_task_problems(_looped(("east", queued)), rows, found) == []
    # The same end, but SMS's answer carries API fields (an outage): that is a problem.
    outage = dict(queued, status=503, error_code="SMS.2007")
    assert wave_task_problems(_looped(("east", outage)), rows, found) == [
        "account east: 1 task(s) still queued after 60 seconds (status 503, error_code SMS.2007)"]
    refused = dict(queued, refused=[{"task_id": "task-1", "state": "ABORTING", "reason": "being stopped"}])
    assert wave_task_problems(_looped(("east", refused)), rows, found) == [
        "account east, line 2, server web-01, task task-1: refused in state ABORTING: being stopped"]
