# -*- coding: utf-8 -*-
"""hwcloud.sms.migrate_wave over two accounts: two emulators with the same fleet (colliding server
names and IDs), each with its own keys, given as wave_accounts; the plan's account column sends each
line to its account. Every phase runs per account in a fixed number of Ansible tasks, the report
groups by account and --check writes to neither account."""

import ast
import json
import os

import pytest
import yaml

from support.ansible import REPO_ROOT, run_playbook
from support.fleet import take_fresh_sources

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "migrate_wave.yml")
CHECK_TASK = "Check the whole plan and create the missing tasks"
WAIT_TASK = "Wait until every server has copied its data (progress in %s)"


def _module_options(name):
    with open(os.path.join(REPO_ROOT, "plugins", "modules", name + ".py")) as handle:
        tree = ast.parse(handle.read())
    docs = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and [target.id for target in node.targets if isinstance(target, ast.Name)] == ["DOCUMENTATION"]]
    return yaml.safe_load(docs[0])["options"]


# The rolling starts of sms_task_action (max_running) come with another branch of issue 20.
needs_rolling_starts = pytest.mark.skipif("max_running" not in _module_options("sms_task_action"),
                                          reason="hwcloud.sms.sms_task_action has no max_running yet")


@pytest.fixture
def twins(emulator_factory):
    # The same seed gives the same fleet: every name and ID of one account exists in the other.
    east = emulator_factory(sources=12, seed=61, states="waiting=1", speedup=20000, auto_agent=True, agent_delay=1,
                            random_credentials=True)
    west = emulator_factory(sources=12, seed=61, states="waiting=1", speedup=20000, auto_agent=True, agent_delay=1,
                            random_credentials=True)
    assert [(r["id"], r["name"]) for r in east.store.list_sources()] == \
        [(r["id"], r["name"]) for r in west.store.list_sources()]
    return east, west


def _accounts(east, west):
    return dict((name, {"endpoint": emu.url, "region": emu.region, "project_id": emu.project_id, "access_key": emu.access_key,
                        "secret_key": emu.secret_key}) for name, emu in (("east", east), ("west", west)))


def _plan(tmp_path, name, east_sources, west_sources):
    path = tmp_path / ("%s.csv" % name)
    path.write_text("source,template_id,account,ok_to_cutover\n" + "".join(
        "%s,tmpl-%s,%s,yes\n" % (source["name"], account, account)
        for account, sources in (("east", east_sources), ("west", west_sources)) for source in sources))
    return str(path)


def _run(accounts, plan, phase, reports, check=False, env=None, **extra):
    extra_vars = {"wave_plan": plan, "wave_phase": phase, "wave_report_dir": str(reports),
                  "wave_poll_interval": 0.2, "wave_timeout": 120, "wave_cutover_timeout": 120}
    if accounts is not None:
        extra_vars["wave_accounts"] = accounts
    extra_vars.update(extra)
    # No HUAWEICLOUD_* variables: each account has only its own connection.
    return run_playbook(PLAYBOOK, extra_vars=extra_vars, check=check, env=env)


def _failures(run):
    return [(r["task"], r["result"].get("msg")) for r in run.results if r["result"].get("failed")] or run


def _task_of(emu, source):
    current = emu.store.get_source_record(source["id"])["current_task"]
    return emu.store.get_task(current["id"]) if current else None


def _writes(emu):
    return [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]


def test_prepare_and_report_per_account_with_colliding_names(twins, tmp_path):
    east, west = twins
    # The same servers by name in both accounts; west plans one more.
    picked = take_fresh_sources(east, 3)
    take_fresh_sources(west, 3)
    plan = _plan(tmp_path, "twins", picked[:2], picked)
    reports = tmp_path / "reports"
    accounts = _accounts(east, west)

    prepared = _run(accounts, plan, "prepare", reports)
    assert prepared.rc == 0, _failures(prepared)
    checked = prepared.result(CHECK_TASK)["results"]
    assert [item["wave_account"] for item in checked] == ["east", "west"]
    assert [len(item["results"]) for item in checked] == [2, 3]
    assert [_task_of(east, s)["vm_template_id"] for s in picked[:2]] == ["tmpl-east"] * 2
    assert _task_of(east, picked[2]) is None
    assert [_task_of(west, s)["vm_template_id"] for s in picked] == ["tmpl-west"] * 3
    for emu in (east, west):
        assert emu.secret_key not in prepared.output

    reported = _run(accounts, plan, "report", reports)
    assert reported.rc == 0, _failures(reported)
    data = json.loads((reports / "twins-report.json").read_text())
    assert [(a["account"], a["servers"], a["summary"]["ready"]) for a in data["accounts"]] == [("east", 2, 2), ("west", 3, 3)]
    assert data["summary"]["ready"] == 5
    assert sorted((s["account"], s["server"]) for s in data["servers"]) == sorted(
        [("east", s["name"]) for s in picked[:2]] + [("west", s["name"]) for s in picked])
    assert dict((s["task_id"], s["account"]) for s in data["servers"]) == dict(
        [(_task_of(east, s)["id"], "east") for s in picked[:2]] + [(_task_of(west, s)["id"], "west") for s in picked])
    markdown = (reports / "twins-report.md").read_text()
    assert "| east | 2 | ready 2 | 0 |" in markdown and "| west | 3 | ready 3 | 0 |" in markdown, markdown
    east_part, west_part = markdown.split("## Servers of account east")[1].split("## Servers of account west")
    assert picked[2]["name"] not in east_part and picked[2]["name"] in west_part
    for emu in (east, west):
        assert emu.secret_key not in reported.output


def test_an_unknown_or_missing_account_is_a_plan_problem_and_nothing_is_written(twins, tmp_path):
    east, west = twins
    source = take_fresh_sources(east, 1)[0]
    plan = tmp_path / "lost.csv"
    plan.write_text("source,template_id,account\n%s,t,eats\n%s,t,\n%s,t,west\n" % ((source["name"],) * 3))
    for emu in (east, west):
        emu.clear_request_log()
    run = _run(_accounts(east, west), str(plan), "prepare", tmp_path / "reports")
    assert run.rc != 0
    problems = run.result("The plan must have no problems")["msg"].split("\n- ")
    assert problems[1:] == [
        "line 2, column account: unknown account 'eats'; did you mean east? (the wave's accounts: east, west)",
        "line 3, column account: empty, but the wave has 2 accounts (east, west): name one"], problems
    assert _writes(east) == [] and _writes(west) == []
    assert _task_of(west, source) is None


def test_accounts_without_their_own_credentials_are_refused_without_showing_secrets(twins, tmp_path):
    east, west = twins
    accounts = _accounts(east, west)
    del accounts["west"]["secret_key"]
    accounts["east"]["colour"] = "blue"
    plan = _plan(tmp_path, "creds", [], take_fresh_sources(east, 1))
    run = _run(accounts, plan, "prepare", tmp_path / "reports")
    assert run.rc != 0
    assert "Check the accounts" in [r["task"] for r in run.results if r["result"].get("failed")]
    assert east.secret_key not in run.output
    assert east.request_log() == [] and west.request_log() == []


def test_the_task_count_does_not_depend_on_the_number_of_servers(twins, tmp_path):
    east, west = twins
    accounts = _accounts(east, west)
    template = {"name": "acc-web", "availability_zone": "ap-southeast-3a", "flavor": "s6.large.2", "volumetype": "SAS",
                "vpc": {"id": "autoCreate", "name": "vpc-acc", "cidr": "192.168.0.0/16"},
                "nics": [{"id": "autoCreate", "name": "subnet-acc", "cidr": "192.168.0.0/24"}],
                "security_groups": [{"id": "autoCreate", "name": "sg-acc"}]}
    counts = []
    for size in (1, 4):
        picked = take_fresh_sources(east, size)
        take_fresh_sources(west, size)
        path = tmp_path / ("size%d.csv" % size)
        path.write_text("source,template,migproject,account\n" + "".join(
            "%s,acc-web,acc,%s\n" % (source["name"], account) for account in ("east", "west") for source in picked))
        run = _run(accounts, str(path), "prepare", tmp_path / "reports", wave_templates=[template],
                   wave_migprojects=[{"name": "acc", "type": "MIGRATE_BLOCK"}])
        assert run.rc == 0, _failures(run)
        assert all(_task_of(emu, s) is not None for emu in (east, west) for s in picked)
        # Loops run over the accounts (and a definition per account), never over servers.
        loops = dict((r["task"], len(r["result"]["results"])) for r in run.results
                     if any("ansible_loop_var" in item for item in r["result"].get("results") or [{}]))
        assert loops and max(loops.values()) == 2, loops
        counts.append(len(run.results))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("phase", ["prepare", pytest.param("all", marks=needs_rolling_starts)])
def test_check_writes_to_neither_account(twins, tmp_path, phase):
    east, west = twins
    plan = _plan(tmp_path, "chk", take_fresh_sources(east, 2), take_fresh_sources(west, 2))
    prepared = _run(_accounts(east, west), plan, "prepare", tmp_path / "reports") if phase == "all" else None
    assert prepared is None or prepared.rc == 0, _failures(prepared)
    for emu in (east, west):
        emu.clear_request_log()
    # The accounts from a file, as AWX's accounts credential (docs/awx/accounts_credential_type.yml) gives them.
    accounts_file = tmp_path / "accounts.yml"
    accounts_file.write_text(yaml.safe_dump(_accounts(east, west)))
    run = _run(None, plan, phase, tmp_path / "check-reports", check=True, wave_cutover_approved=True,
               env={"SMS_WAVE_ACCOUNTS_FILE": str(accounts_file)})
    assert run.rc == 0, _failures(run)
    assert [item["wave_account"] for item in run.result(CHECK_TASK)["results"]] == ["east", "west"]
    for emu in (east, west):
        assert emu.secret_key not in run.output
    assert _writes(east) == [] and _writes(west) == []
    assert east.request_log() and west.request_log()  # both accounts were read
    assert not (tmp_path / "check-reports").exists()


@needs_rolling_starts
def test_replicate_and_report_per_account_record_when_each_server_started(twins, tmp_path):
    east, west = twins
    picked = take_fresh_sources(east, 3)
    take_fresh_sources(west, 3)
    plan = _plan(tmp_path, "roll", picked, picked[:2])
    reports = tmp_path / "reports"
    accounts = _accounts(east, west)
    assert _run(accounts, plan, "prepare", reports).rc == 0
    replicated = _run(accounts, plan, "replicate", reports, wave_max_running=2)
    assert replicated.rc == 0, _failures(replicated)
    # The accounts' starts run at the same time (async jobs), each under its own limit.
    starts = replicated.result("Start replication (running tasks are left alone)")["results"]
    assert [(item["wave_account"], bool(item["ansible_job_id"])) for item in starts] == [("east", True), ("west", True)]
    status = replicated.result("Wait until the servers of every account are started or queued")["results"]
    assert [(item["wave_account"], item["rolling"]["max_running"]) for item in status] == [("east", 2), ("west", 2)]
    assert [item["rolling"]["peak_running"] <= 2 for item in status] == [True, True], status
    assert [len(item["results"]) for item in status] == [3, 2] and not any(item["queued_tasks"] for item in status)
    waits = replicated.result(WAIT_TASK % (reports / "roll-progress.txt"))["results"]
    assert [item["wave_account"] for item in waits] == ["east", "west"]
    assert [len(item["tasks"]) for item in waits] == [3, 2]
    assert (reports / "roll-east-progress.txt").is_file() and (reports / "roll-west-progress.txt").is_file()
    for source in picked:
        assert _task_of(east, source)["state"] == "SYNCING"

    assert _run(accounts, plan, "report", reports).rc == 0
    data = json.loads((reports / "roll-report.json").read_text())
    assert [(a["account"], a["servers"], a["queued"]) for a in data["accounts"]] == [("east", 3, 0), ("west", 2, 0)]
    assert all(s["started_at"] and not s["queued"] for s in data["servers"]), data["servers"]
    assert [a["rolling"]["max_running"] for a in data["accounts"]] == [2, 2]


@needs_rolling_starts
def test_starts_sms_refuses_for_its_limit_wait_for_a_slot_and_never_fail_the_wave(twins, tmp_path):
    east, west = twins
    picked = take_fresh_sources(east, 3)
    take_fresh_sources(west, 3)
    plan = _plan(tmp_path, "refused", picked, picked[:1])
    reports = tmp_path / "reports"
    accounts = _accounts(east, west)
    assert _run(accounts, plan, "prepare", reports).rc == 0
    # SMS's own limit in account east is below what the wave asks for: SMS refuses starts beyond one
    # migrating task, as when another job holds the other slots.
    east.set_max_running(1)
    replicated = _run(accounts, plan, "replicate", reports, wave_max_running=3)
    assert replicated.rc == 0, _failures(replicated)
    status = replicated.result("Wait until the servers of every account are started or queued")["results"]
    by_account = dict((item["wave_account"], item) for item in status)
    assert by_account["east"]["rolling"]["refused_for_limit"] >= 1, by_account["east"]["rolling"]
    assert not by_account["east"]["queued_tasks"] and not by_account["west"]["queued_tasks"]
    assert east.peak_running <= 1
    for source in picked:
        assert _task_of(east, source)["state"] == "SYNCING"
    assert _task_of(west, picked[0])["state"] == "SYNCING"
