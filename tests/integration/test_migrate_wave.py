# -*- coding: utf-8 -*-
"""hwcloud.sms.migrate_wave end to end on a small fleet of the accelerated emulator, whose
agents answer their own commands: prepare, replicate, the cut-over gate, cutover, report."""

import json
import os

import pytest

from sms_emulator import Emulator
from support.ansible import REPO_ROOT, emulator_env, run_playbook
from support.fleet import take_fresh_sources

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "migrate_wave.yml")
WAIT_TASK = "Wait until every server has copied its data (progress in %s)"


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=24, seed=21, states="waiting=1", speedup=20000, auto_agent=True, agent_delay=1) as emulator:
        yield emulator


def _eligible(emu, count):
    return take_fresh_sources(emu, count)


def _write_plan(path, lines):
    path.write_text("source,template_id,syncing,priority,ok_to_cutover\n" + "".join(
        "%s,%s,%s,%s,%s\n" % line for line in lines))
    return str(path)


def _run(emu, plan, phase, report_dir, **extra):
    extra_vars = {"wave_plan": plan, "wave_phase": phase, "wave_report_dir": str(report_dir),
                  "wave_poll_interval": 0.2, "wave_timeout": 120, "wave_cutover_timeout": 120}
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, env=emulator_env(emu, HUAWEICLOUD_REGION=emu.region), extra_vars=extra_vars)


def _tasks_of(emu, sources):
    tasks = {}
    for source in sources:
        current = emu.store.get_source_record(source["id"])["current_task"]
        tasks[source["name"]] = emu.store.get_task(current["id"]) if current else None
    return tasks


def test_a_wave_from_plan_to_report(emu, tmp_path):
    sources = _eligible(emu, 6)
    # Sources named by name, IP and ID; four in continuous sync (the fourth by default), three of
    # them approved; the last two say syncing no, which the plan check points out (approved: SMS
    # launches their targets itself after the full copy, which an unapproved line must not allow).
    lines = [(sources[0]["name"], "tmpl-a", "true", "high", "yes"),
             (sources[1]["ip"], "tmpl-a", "true", "standard", "yes"),
             (sources[2]["id"], "tmpl-a", "true", "low", "yes"),
             (sources[3]["name"], "tmpl-a", "", "", ""),
             (sources[4]["name"], "tmpl-b", "false", "", "yes"),
             (sources[5]["name"], "tmpl-b", "no", "", "yes")]
    plan = _write_plan(tmp_path / "wave7.csv", lines)
    reports = tmp_path / "reports"

    prepared = _run(emu, plan, "prepare", reports)
    assert prepared.rc == 0, [(r["task"], r["result"].get("msg")) for r in prepared.results if r["result"].get("failed")]
    tasks = _tasks_of(emu, sources)
    assert all(task is not None and task["state"] == "READY" for task in tasks.values()), tasks
    assert [tasks[s["name"]]["syncing"] for s in sources] == [True, True, True, True, False, False]
    assert tasks[sources[0]["name"]]["priority"] == 2 and tasks[sources[2]["name"]]["priority"] == 0
    notes = prepared.result("Notes on the plan")["msg"]
    assert [note.split(":")[0] for note in notes] == ["line 6, column syncing", "line 7, column syncing"], notes
    assert "launches the target server as soon as the full copy ends" in notes[0]
    again = _run(emu, plan, "prepare", reports)
    assert again.rc == 0 and again.result("Check the whole plan and create the missing tasks")["changed"] is False

    replicated = _run(emu, plan, "replicate", reports)
    assert replicated.rc == 0, replicated
    # One wait per account (here the one account of the environment).
    [wait] = replicated.result(WAIT_TASK % (reports / "wave7-progress.txt"))["results"]
    phases = dict((t["source_server"]["name"], t["phase"]) for t in wait["tasks"])
    assert [phases[s["name"]] for s in sources[:4]] == ["syncing"] * 4
    assert {phases[s["name"]] for s in sources[4:]} <= {"replicated", "cutting_over", "finished"}
    # One listing per poll for the whole wave (six tasks fit one page).
    assert set(wait["requests_per_poll"]) == {1}, wait["requests_per_poll"]
    table = replicated.result("Replication progress")["msg"]
    assert table[1].split()[:2] == ["server", "phase"] and len(table) == 2 + 6
    assert (reports / "wave7-progress.txt").is_file()

    # No approval, no terminal: the gate stops the cut-over before anything is sent.
    emu.clear_request_log()
    refused = _run(emu, plan, "cutover", reports)
    assert refused.rc != 0
    assert "was not approved" in refused.result("The cut-over needs approval")["msg"]
    assert not [e for e in emu.request_log() if e["method"] == "POST"]

    approved = _run(emu, plan, "cutover", reports, wave_cutover_approved=True)
    assert approved.rc == 0, approved
    tasks = _tasks_of(emu, sources)
    for source in sources[:3]:
        record = emu.store.get_source_record(source["id"])
        assert record["state"] == "finished" and record["migration_cycle"] == "cutovered", record["state"]
    assert tasks[sources[3]["name"]]["state"] == "SYNCING"  # not approved in the plan: untouched
    cut = [json.loads(e["body"]) for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]
    assert cut == [{"operation": "cutover"}] * 3

    reported = _run(emu, plan, "report", reports)
    assert reported.rc == 0, reported
    data = json.loads((reports / "wave7-report.json").read_text())
    assert data["wave"] == "wave7" and len(data["servers"]) == 6
    by_name = dict((s["server"], s) for s in data["servers"])
    assert by_name[sources[0]["name"]]["phase"] == "finished"
    assert by_name[sources[3]["name"]]["phase"] == "syncing"
    assert by_name[sources[0]["name"]]["total_bytes"] > 0 and by_name[sources[0]["name"]]["started"]
    markdown = (reports / "wave7-report.md").read_text()
    assert all(s["name"] in markdown for s in sources)
    assert "| syncing | 1 |" in markdown


def test_prepare_reports_every_problem_of_the_plan_at_once(emu, tmp_path):
    good, twin = _eligible(emu, 2)
    plan = _write_plan(tmp_path / "bad.csv", [
        (good["name"], "t", "true", "", ""),
        ("nobody-here", "t", "true", "", ""),
        (good["ip"], "t", "true", "", ""),
        (twin["name"], "", "true", "", ""),
        (twin["id"], "t", "maybe", "urgent", ""),
    ])
    emu.clear_request_log()
    run = _run(emu, plan, "prepare", tmp_path / "r")
    assert run.rc != 0
    # One run, every problem, each named by the physical line of the file (the header is line 1).
    problems = run.result("The plan must have no problems")["msg"].split("\n- ")
    assert problems[0] == "6 problem(s) in wave bad, no task was created:", problems
    assert [problem.split(":")[0] for problem in problems[1:]] == [
        "line 3, column source (source nobody-here)", "line 4, column source (source %s)" % good["ip"], "line 5",
        "line 6, column syncing", "line 6, column priority", "line 6, column source (source %s)" % twin["id"]]
    assert "already planned in line 2" in problems[2] and "needs a target" in problems[3]
    assert not [e for e in emu.request_log() if e["method"] != "GET"]
    assert emu.store.get_source_record(good["id"])["current_task"] is None


def test_replicate_stops_at_a_failed_server_with_its_sms_error(emu, tmp_path):
    sources = _eligible(emu, 3)
    plan = _write_plan(tmp_path / "wave-f.csv", [(s["name"], "t", "true", "", "") for s in sources])
    reports = tmp_path / "reports"
    emu.set_task_fault(sources[1]["id"], fail_at="MIGRATE_LINUX_FILE" if sources[1]["os_type"] == "LINUX"
                       else "MIGRATE_WINDOWS_BLOCK", error_code="SMS.1106", error_msg="target disk too small")
    assert _run(emu, plan, "prepare", reports).rc == 0
    run = _run(emu, plan, "replicate", reports)
    assert run.rc != 0
    assert "reached failed" in run.output and sources[1]["name"] in run.output and "SMS.1106" in run.output
    [wait] = run.result(WAIT_TASK % (reports / "wave-f-progress.txt"))["results"]
    failed = wait["failed_tasks"]
    assert [t["source_server"]["name"] for t in failed] == [sources[1]["name"]]
    assert failed[0]["error"]["error_code"] == "SMS.1106"
    assert "failed=1" in (reports / "wave-f-progress.txt").read_text()


WAVE_TEMPLATE = {"name": "wave9-web", "availability_zone": "ap-southeast-3a", "flavor": "s6.large.2", "volumetype": "SAS",
                 "vpc": {"id": "autoCreate", "name": "vpc-wave9", "cidr": "192.168.0.0/16"},
                 "nics": [{"id": "autoCreate", "name": "subnet-wave9", "cidr": "192.168.0.0/24"}],
                 "security_groups": [{"id": "autoCreate", "name": "sg-wave9"}], "target_password": "Wave9-Passw0rd-77"}
WAVE_PROJECT = {"name": "wave9", "type": "MIGRATE_BLOCK", "syncing": True, "speed_limit": 300}


def test_prepare_creates_the_templates_and_projects_the_plan_names(emu, tmp_path):
    sources = _eligible(emu, 3)
    plan = tmp_path / "wave9.csv"
    plan.write_text("source,template,template_id,migproject,ok_to_cutover\n"
                    "%s,wave9-web,,wave9,\n%s,wave9-web,,,\n%s,,tmpl-console,wave9,\n"
                    % (sources[0]["name"], sources[1]["name"], sources[2]["name"]))
    reports = tmp_path / "reports"
    definitions = {"wave_templates": [WAVE_TEMPLATE], "wave_migprojects": [WAVE_PROJECT]}

    # An unknown template name is reported with the other problems of the plan; nothing is created.
    bad = tmp_path / "wave9-bad.csv"
    bad.write_text("source,template,ok_to_cutover\n%s,no-such-template,\nnobody-here,wave9-web,\n" % sources[0]["name"])
    emu.clear_request_log()
    refused = _run(emu, str(bad), "report", reports, **definitions)  # check mode: the definitions are only read
    assert refused.rc != 0
    msg = refused.result("The plan must have no problems")["msg"]
    assert "2 problem(s)" in msg, msg
    assert "\n- line 2, column template: template 'no-such-template' matches no server template" in msg
    assert "\n- line 3, column source (source nobody-here): no source server has name 'nobody-here'" in msg
    assert not [e for e in emu.request_log() if e["method"] != "GET"]

    prepared = _run(emu, str(plan), "prepare", reports, **definitions)
    assert prepared.rc == 0, [(r["task"], r["result"].get("msg")) for r in prepared.results if r["result"].get("failed")]
    assert "Wave9-Passw0rd-77" not in prepared.output  # the json callback shows every result, loop items too
    template_id = prepared.result("Create the server templates of the wave")["results"][0]["template"]["id"]
    project_id = prepared.result("Create the migration projects of the wave")["results"][0]["migproject"]["id"]
    assert template_id and project_id
    tasks = _tasks_of(emu, sources)
    assert tasks[sources[0]["name"]]["vm_template_id"] == template_id
    assert tasks[sources[1]["name"]]["vm_template_id"] == template_id
    assert tasks[sources[2]["name"]]["vm_template_id"] == "tmpl-console"
    # The project's settings fill what the plan leaves empty: block-level, continuous sync at 300 Mbit/s.
    first = tasks[sources[0]["name"]]
    assert first["syncing"] is True and first["speed_limit"] == 300 and first["type"] == "MIGRATE_BLOCK", first
    assert tasks[sources[1]["name"]]["syncing"] is True  # no project, no syncing column: continuous sync

    emu.clear_request_log()
    again = _run(emu, str(plan), "prepare", reports, **definitions)
    assert again.rc == 0, again
    assert again.result("Create the server templates of the wave")["changed"] is False
    assert again.result("Create the migration projects of the wave")["changed"] is False
    assert again.result("Check the whole plan and create the missing tasks")["changed"] is False
    assert not [e for e in emu.request_log() if e["method"] != "GET"]

    reported = _run(emu, str(plan), "report", reports, **definitions)
    assert reported.rc == 0, reported
    data = json.loads((reports / "wave9-report.json").read_text())
    assert [(t["name"], t["id"]) for t in data["templates"]] == [("wave9-web", template_id)]
    assert [(p["name"], p["id"]) for p in data["migprojects"]] == [("wave9", project_id)]
    markdown = (reports / "wave9-report.md").read_text()
    assert "| template | wave9-web | %s |" % template_id in markdown
    assert "| migration project | wave9 | %s |" % project_id in markdown


def test_prepare_runs_the_same_tasks_whatever_the_size_of_the_wave(emu, tmp_path):
    templates = [dict(WAVE_TEMPLATE, name="size-web"), dict(WAVE_TEMPLATE, name="size-db")]
    definitions = {"wave_templates": templates, "wave_migprojects": [dict(WAVE_PROJECT, name="size")]}
    result_counts = []
    for size in (2, 5):
        sources = _eligible(emu, size)
        plan = tmp_path / ("size%d.csv" % size)
        plan.write_text("source,template,migproject,ok_to_cutover\n" + "".join(
            "%s,size-web,size,\n" % source["name"] for source in sources))
        run = _run(emu, str(plan), "prepare", tmp_path / "reports", **definitions)
        assert run.rc == 0, [(r["task"], r["result"].get("msg")) for r in run.results if r["result"].get("failed")]
        assert all(task is not None for task in _tasks_of(emu, sources).values())
        # A loop over the servers of the wave would show here as more items than definitions (the
        # reports' loop has two: md and json). A module's own per-server "results" is not a loop.
        loops = dict((r["task"], len(r["result"]["results"])) for r in run.results
                     if any("ansible_loop_var" in item for item in r["result"].get("results") or [{}]))
        assert loops and max(loops.values()) <= len(templates), loops
        result_counts.append(len(run.results))
    assert result_counts[0] == result_counts[1], result_counts
