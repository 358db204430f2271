# -*- coding: utf-8 -*-
"""hwcloud.sms.migrate_wave when things go wrong or could: a line SMS refuses, a task deleted
during the wait, a plan without a syncing column (no target may boot before the approved cut-over),
an SMS message that would break the Markdown report; and what a wave leaves for wave_cleanup
(the servers are members of the plan's migration project). All against the emulator."""

import os
import re
import threading
import time

import json

import pytest

from sms_emulator import Emulator
from sms_emulator import errors as emulator_errors
from sms_emulator.faults import FaultKind
from support.ansible import REPO_ROOT, emulator_env, run_playbook
from support.fleet import take_fresh_sources

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "migrate_wave.yml")
CLEANUP = os.path.join(REPO_ROOT, "playbooks", "wave_cleanup.yml")
WAIT_TASK = "Wait until every server has copied its data (progress in %s)"
PROJECT = {"name": "fw", "type": "MIGRATE_FILE", "speed_limit": 200}
TEMPLATE = {"name": "fw-web", "availability_zone": "ap-southeast-3a", "flavor": "s6.large.2", "volumetype": "SAS",
            "vpc": {"id": "autoCreate", "name": "vpc-fw", "cidr": "192.168.0.0/16"},
            "nics": [{"id": "autoCreate", "name": "subnet-fw", "cidr": "192.168.0.0/24"}],
            "security_groups": [{"id": "autoCreate", "name": "sg-fw"}]}


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=24, seed=41, states="waiting=1", speedup=20000, auto_agent=True, agent_delay=1) as emulator:
        yield emulator


def _run(emu, plan, phase, report_dir, **extra):
    extra_vars = {"wave_plan": str(plan), "wave_phase": phase, "wave_report_dir": str(report_dir),
                  "wave_poll_interval": 0.2, "wave_timeout": 120, "wave_cutover_timeout": 120}
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, env=emulator_env(emu, HUAWEICLOUD_REGION=emu.region), extra_vars=extra_vars)


def _failures(run):
    return [(r["task"], r["result"].get("msg")) for r in run.results if r["result"].get("failed")] or run


def _await_the_wait(reports, wave, failure, seconds=200):
    """Return once the replicate wait of ``wave`` has begun. The rolling starts write the progress
    file too: the wait has begun when the file changes after the starts were recorded
    (<wave>-starts.json, written between the two)."""
    deadline = time.monotonic() + seconds
    starts, progress = reports / ("%s-starts.json" % wave), reports / ("%s-progress.txt" % wave)
    while not (starts.exists() and progress.exists() and progress.stat().st_mtime_ns > starts.stat().st_mtime_ns):
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.2)


def _task_of(emu, source):
    current = emu.store.get_source_record(source["id"])["current_task"]
    return emu.store.get_task(current["id"]) if current else None


def test_a_line_sms_refuses_is_reported_with_its_line_server_and_api_fields(emu, tmp_path):
    sources = take_fresh_sources(emu, 3, os_type="LINUX")
    plan = tmp_path / "refused.csv"
    plan.write_text("source,template_id,ok_to_cutover\n" + "".join("%s,tmpl-r,yes\n" % s["name"] for s in sources))
    with emu.faults(methods=["POST"], fail_next=[500]):  # one worker: the first creation is line 2's
        run = _run(emu, plan, "prepare", tmp_path / "reports", wave_workers=1)
    assert run.rc != 0
    assert "NoneType" not in run.output
    msg = run.result("The plan must have no problems")["msg"]
    problems = msg.split("\n- ")
    assert problems[0] == "1 problem(s) in wave refused:", msg
    line = problems[1]
    assert line.startswith("line 2 (source %s):" % sources[0]["name"]), line
    assert "status 500" in line and "error_code SMS.2007" in line and "error_msg " in line, line
    assert re.search(r"request_id \S+", line), line
    assert _task_of(emu, sources[0]) is None and _task_of(emu, sources[1]) and _task_of(emu, sources[2])
    # Run again: the refused line gets its task, the others are left alone.
    again = _run(emu, plan, "prepare", tmp_path / "reports")
    assert again.rc == 0, _failures(again)
    [checked] = again.result("Check the whole plan and create the missing tasks")["results"]  # one account
    assert [r["outcome"] for r in checked["results"]] == [
        "created", "unchanged", "unchanged"]


def test_without_a_syncing_column_replication_boots_no_target(emu, tmp_path):
    sources = take_fresh_sources(emu, 3)
    plan = tmp_path / "nosync.csv"
    plan.write_text("source,template_id,ok_to_cutover\n%s,tmpl-n,yes\n%s,tmpl-n,no\n%s,tmpl-n,\n"
                    % tuple(s["name"] for s in sources))
    reports = tmp_path / "reports"
    prepared = _run(emu, plan, "prepare", reports)
    assert prepared.rc == 0, _failures(prepared)
    replicated = _run(emu, plan, "replicate", reports)
    assert replicated.rc == 0, _failures(replicated)
    # Long after the copy (the emulator's clock runs 20,000 times faster), nothing was launched.
    time.sleep(2)
    for source in sources:
        task = _task_of(emu, source)
        record = emu.store.get_source_record(source["id"])
        assert task["syncing"] is True and task["state"] == "SYNCING", (source["name"], task["state"])
        assert record["migration_cycle"] != "cutovered" and record["state"] != "finished", record["state"]
    # Only the approved cut-over launches a target: the line with ok_to_cutover yes.
    cut = _run(emu, plan, "cutover", reports, wave_cutover_approved=True)
    assert cut.rc == 0, _failures(cut)
    assert [emu.store.get_source_record(s["id"])["migration_cycle"] == "cutovered" for s in sources] == [True, False, False]


def test_the_report_table_survives_a_pipe_and_a_line_break_in_an_sms_message(emu, tmp_path):
    sources = take_fresh_sources(emu, 2, os_type="LINUX")
    plan = tmp_path / "pipes.csv"
    plan.write_text("source,template_id,ok_to_cutover\n" + "".join("%s,tmpl-p,\n" % s["name"] for s in sources))
    reports = tmp_path / "reports"
    emu.set_task_fault(sources[1]["id"], fail_at="MIGRATE_LINUX_FILE", error_code="SMS.1106",
                       error_msg="disk | full\nsee =HYPERLINK(\"x\")\r\nline three")
    assert _run(emu, plan, "prepare", reports).rc == 0
    failed = _run(emu, plan, "replicate", reports)
    assert failed.rc != 0
    msg = failed.result("Stop when replication failed or timed out")["msg"]
    assert "line 3, server %s, task " % sources[1]["name"] in msg and "error_code SMS.1106" in msg, msg
    reported = _run(emu, plan, "report", reports)
    assert reported.rc == 0, _failures(reported)
    markdown = (reports / "pipes-report.md").read_text()
    table = markdown.split("## Servers\n", 1)[1].strip().splitlines()
    assert len(table) == 2 + len(sources), table
    for row in table:
        cells = re.split(r"(?<!\\)\|", row)
        assert cells[0] == "" and cells[-1] == "" and len(cells) == 14, row
    failed_row = next(row for row in table if sources[1]["name"] in row)
    assert "SMS.1106 disk \\| full see =HYPERLINK(\"x\") line three" in failed_row, failed_row


def test_prepare_moves_the_servers_into_their_project_so_wave_cleanup_finds_them(emu, tmp_path):
    sources = take_fresh_sources(emu, 3, os_type="LINUX")
    plan = tmp_path / "proj.csv"
    plan.write_text("source,template,migproject,ok_to_cutover\n%s,fw-web,fw,\n%s,fw-web,fw,\n%s,fw-web,,\n"
                    % tuple(s["name"] for s in sources))
    definitions = {"wave_templates": [TEMPLATE], "wave_migprojects": [PROJECT]}
    prepared = _run(emu, plan, "prepare", tmp_path / "reports", **definitions)
    assert prepared.rc == 0, _failures(prepared)
    # Spelled-out options: no templated task arguments, so no warning about them.
    assert "template for task args is unsafe" not in prepared.output, prepared.stderr[-2000:]
    project_id = prepared.result("Create the migration projects of the wave")["results"][0]["migproject"]["id"]
    members = sorted(s["id"] for s in emu.store.list_sources(migproject=project_id))
    assert members == sorted(s["id"] for s in sources[:2])
    assert _task_of(emu, sources[0])["speed_limit"] == 200
    emu.clear_request_log()
    again = _run(emu, plan, "prepare", tmp_path / "reports", **definitions)
    assert again.rc == 0, _failures(again)
    assert [r["changed"] for r in again.result("Move the servers into the migration projects their lines name")["results"]] == [False]
    assert not [e for e in emu.request_log() if e["method"] != "GET"]

    cleanup = run_playbook(CLEANUP, env=emulator_env(emu), extra_vars={"wave_migproject": project_id})
    assert cleanup.rc == 0, _failures(cleanup)
    listed = cleanup.result("Show what would be removed (dry run, set wave_cleanup_apply=true)")["wave_cleanup_plan"]
    states = ["%s: %s" % (s["name"], emu.store.get_source_record(s["id"])["state"]) for s in sources[:2]]
    assert sorted(listed["left_alone"]) == sorted(states)


def test_a_task_deleted_during_the_replicate_wait_ends_it_and_is_reported_gone(tmp_path):
    # A clock at normal speed: the copy takes hours, so the wait can only end because of the deletion.
    with Emulator(sources=4, seed=43, states="waiting=1", auto_agent=True, agent_delay=1) as slow:
        sources = take_fresh_sources(slow, 2)
        plan = tmp_path / "gone.csv"
        plan.write_text("source,template_id,ok_to_cutover\n" + "".join("%s,tmpl-g,\n" % s["name"] for s in sources))
        reports = tmp_path / "reports"
        assert _run(slow, plan, "prepare", reports).rc == 0
        doomed = _task_of(slow, sources[1])["id"]

        errors = []

        def delete_later():
            try:
                # ansible-playbook may take long to reach the wait on a loaded machine; never giving
                # up silently keeps a late start from reading as a wait that ended by itself.
                _await_the_wait(reports, "gone", "the replicate wait did not begin within 200 s: nothing was deleted")
                slow.remove_task(doomed)  # as a console deletion would, whatever its state
            except Exception as exc:  # pylint: disable=broad-except
                errors.append(exc)

        deleter = threading.Thread(target=delete_later)
        deleter.start()
        started = time.monotonic()
        run = _run(slow, plan, "replicate", reports, wave_timeout=900, wave_poll_interval=0.5)
        deleter.join()
        assert errors == [] and slow.store.get_task(doomed) is None
        assert run.rc != 0
        # Well below wave_timeout: the deletion ended the wait, with room for a loaded machine.
        assert time.monotonic() - started < 400
        msg = run.result("Stop when replication failed or timed out")["msg"]
        assert "line 3, server %s, task %s: the task is gone" % (sources[1]["name"], doomed) in msg, msg


def test_a_start_sms_refuses_stops_the_wave_before_the_wait_naming_the_line(emu, tmp_path):
    sources = take_fresh_sources(emu, 2)
    plan = tmp_path / "nostart.csv"
    plan.write_text("source,template_id,ok_to_cutover\n" + "".join("%s,tmpl-s,\n" % s["name"] for s in sources))
    reports = tmp_path / "reports"
    assert _run(emu, plan, "prepare", reports).rc == 0
    stuck = _task_of(emu, sources[1])["id"]
    emu.set_task_fault(stuck, raw_state="ABORTING")  # being stopped: SMS takes no start now
    try:
        run = _run(emu, plan, "replicate", reports, wave_timeout=30)
    finally:
        emu.clear_task_fault(stuck)
    assert run.rc != 0
    msg = run.result("Stop when SMS refused to start a task")["msg"]
    assert "line 3, server %s, task %s: refused in state ABORTING" % (sources[1]["name"], stuck) in msg, msg
    assert WAIT_TASK % (reports / "nostart-progress.txt") not in [r["task"] for r in run.results]


def test_a_cut_over_sms_refuses_fails_the_run_naming_the_lines(emu, tmp_path):
    sources = take_fresh_sources(emu, 2)
    plan = tmp_path / "early.csv"
    plan.write_text("source,template_id,ok_to_cutover\n" + "".join("%s,tmpl-e,yes\n" % s["name"] for s in sources))
    reports = tmp_path / "reports"
    assert _run(emu, plan, "prepare", reports).rc == 0
    # Never replicated: SMS launches no target from READY.
    run = _run(emu, plan, "cutover", reports, wave_cutover_approved=True, wave_outage_timeout=77)
    assert run.rc != 0
    [launch] = run.result("Launch the targets of the approved servers and wait until they run")["results"]
    assert launch["invocation"]["module_args"]["outage_timeout"] == 77
    msg = run.result("Stop when a cut-over failed")["msg"]
    for line, source in ((2, sources[0]), (3, sources[1])):
        task = _task_of(emu, source)
        assert "line %d, server %s, task %s: refused in state READY" % (line, source["name"], task["id"]) in msg, msg
        assert task["state"] == "READY"


class _NewTasksShowLater(FaultKind):
    """SMS's eventual consistency: the first GET of a task this emulator just created answers 404."""

    def __init__(self):
        self.unseen = set()

    def draw(self, config, rng, exchange):
        if exchange.method == "POST" and exchange.path == "/v3/tasks":
            return "created"
        task_id = exchange.path[len("/v3/tasks/"):] if exchange.path.startswith("/v3/tasks/") else None
        if exchange.method == "GET" and task_id in self.unseen:
            self.unseen.discard(task_id)
            return "hide"
        return None

    def before_acting(self, decision, config, exchange):
        if decision == "hide":
            exchange.entry["fault"] = "new task not listed yet"
            raise emulator_errors.not_found("task", exchange.path)

    def shape_response(self, decision, config, exchange, response):
        if decision == "created" and response.status < 300:
            self.unseen.add(json.loads(response.body)["id"])


def test_a_new_task_sms_does_not_answer_yet_fails_prepare_naming_its_line(emu, tmp_path):
    source = take_fresh_sources(emu, 1)[0]
    plan = tmp_path / "lag.csv"
    plan.write_text("source,template_id,ok_to_cutover\n%s,tmpl-l,yes\n" % source["name"])
    lagging = _NewTasksShowLater()
    emu.fault_injector.kinds.append(lagging)
    try:
        run = _run(emu, plan, "all", tmp_path / "reports", wave_cutover_approved=True)
    finally:
        emu.fault_injector.kinds.remove(lagging)
    assert any(e.get("fault") == "new task not listed yet" for e in emu.request_log())
    assert run.rc != 0
    msg = run.result("Every line of the plan has its task ID after prepare")["msg"]
    assert "SMS did not answer the task of line 2 (%s) after prepare" % source["name"] in msg, msg
    assert "Start replication (running tasks are left alone)" not in [r["task"] for r in run.results]
    # Run again: prepare finds the task it created.
    again = _run(emu, plan, "prepare", tmp_path / "reports")
    assert again.rc == 0, _failures(again)
    assert again.result("Check the whole plan and create the missing tasks")["results"][0]["results"][0]["outcome"] == \
        "unchanged"


def test_wave_outage_timeout_bounds_the_replicate_wait_through_an_outage(tmp_path):
    # A clock at normal speed: the copy takes hours, so only the outage bound can end the wait early.
    with Emulator(sources=3, seed=44, states="waiting=1", auto_agent=True, agent_delay=1) as slow:
        sources = take_fresh_sources(slow, 1)
        plan = tmp_path / "outage.csv"
        plan.write_text("source,template_id,ok_to_cutover\n%s,tmpl-o,\n" % sources[0]["name"])
        reports = tmp_path / "reports"
        assert _run(slow, plan, "prepare", reports).rc == 0
        errors = []

        def outage_once_waiting():
            try:
                _await_the_wait(reports, "outage", "the replicate wait never began")
                slow.set_faults(outage_seconds=120, outage_status=503)
            except Exception as exc:  # pylint: disable=broad-except
                errors.append(exc)

        trigger = threading.Thread(target=outage_once_waiting)
        trigger.start()
        try:
            started = time.monotonic()
            run = _run(slow, plan, "replicate", reports, wave_timeout=150, wave_poll_interval=0.5,
                       wave_outage_timeout=3)
            seconds = time.monotonic() - started
        finally:
            trigger.join()
            slow.reset_faults()
        assert errors == []
        assert run.rc != 0
        # Without the bound the wait rides through the whole outage (the module's default is 900 s).
        assert seconds < 100, seconds
        msg = run.result("Stop when replication failed or timed out")["msg"]
        assert "line 2, server %s, task " % sources[0]["name"] in msg and "status 503" in msg, msg
        assert "error_code SMS.2007" in msg, msg


def test_the_status_report_survives_a_pipe_and_a_line_break_in_a_name(emulator_factory, tmp_path):
    emu = emulator_factory(sources=4, seed=7, states="waiting=1")
    source = emu.store.list_sources()[0]
    emu.store.update_source(source["id"], lambda record: record.update(
        name="db|01\nold", checks=[{"name": "disk|space\r\nfree", "result": "ERROR", "error_code": "SMS.8|1"}]))
    report = tmp_path / "status.md"
    run = run_playbook(os.path.join(REPO_ROOT, "playbooks", "wave_status.yml"), env=emulator_env(emu),
                       extra_vars={"sms_wave_report": str(report)})
    assert run.rc == 0, _failures(run)
    text = report.read_text()
    assert not re.search(r"^(old|free)", text, re.M), text
    header_cells = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header_cells = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line))
        header_cells = header_cells or cells
        assert cells == header_cells and line.endswith("|"), line
    assert "| db\\|01 old | disk\\|space free | ERROR | SMS.8\\|1 |" in text, text


def test_a_plan_that_is_not_utf8_is_reported_as_such(emu, tmp_path):
    source = take_fresh_sources(emu, 1)[0]
    plan = tmp_path / "excel.csv"
    plan.write_bytes(("source,template_id,x_owner\n%s,tmpl-x,Jos\u00e9\n" % source["name"]).encode("cp1252"))
    emu.clear_request_log()
    run = _run(emu, plan, "prepare", tmp_path / "reports")
    assert run.rc != 0
    msg = run.result("Check the plan on its own")["msg"]
    assert "line 2: byte 0xe9 is not UTF-8" in msg and "CSV UTF-8" in msg, msg
    assert not [e for e in emu.request_log() if e["method"] != "GET"]
