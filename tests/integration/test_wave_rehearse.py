# -*- coding: utf-8 -*-
"""hwcloud.sms.migrate_wave rehearses and verifies a wave on the emulator, whose targets and clones
get the address 127.0.0.1 (Emulator(target_ip=...)): the "targets" are local HTTP servers this test
opens, one port per server (the plan's verify_port), checked with ansible_connection=local (for
tests only: a real wave connects over SSH or WinRM). prepare -> replicate -> test (clone, check,
delete the clone) -> cutover -> verify -> report, with a target that never answers and a check that
fails, the verification record blocking wave_cleanup, and --check sending no write."""

import http.server
import json
import os
import threading
import time

import pytest

from sms_emulator import Emulator
from support.ansible import REPO_ROOT, emulator_env, run_playbook
from support.fleet import take_fresh_sources

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "migrate_wave.yml")
CLEANUP = os.path.join(REPO_ROOT, "playbooks", "wave_cleanup.yml")
PROJECT = {"name": "rh", "type": "MIGRATE_FILE"}
# The user's checks (wave_verify_tasks): the application's health URL answers 200 on the target.
CHECKS = """---
- name: The health URL answers
  ansible.builtin.uri:
    url: "http://{{ ansible_host }}:{{ wave_verify_entry.port }}/health"
    timeout: 5
"""


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        status = self.server.status
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no")

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture()
def targets():
    """start(status) -> the port of a local HTTP server answering /health with ``status``."""
    servers = []

    def start(status):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
        server.status = status
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=16, seed=27, states="waiting=1", speedup=20000, auto_agent=True, agent_delay=1,
                  target_ip="127.0.0.1") as emulator:
        yield emulator


def _run(emu, plan, phase, reports, check=False, **extra):
    extra_vars = {"wave_plan": str(plan), "wave_phase": phase, "wave_report_dir": str(reports),
                  "wave_poll_interval": 0.2, "wave_timeout": 120, "wave_cutover_timeout": 120, "wave_test_timeout": 120,
                  "wave_verify_timeout": 3, "wave_migprojects": [PROJECT],
                  "wave_verify_host_vars": {"ansible_connection": "local"}}  # tests only
    extra_vars.update(extra)
    started = time.monotonic()
    # ECS (the test clones) is reached at the emulator's URL too.
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region, HUAWEICLOUD_ECS_ENDPOINT=emu.url)
    run = run_playbook(PLAYBOOK, env=env, extra_vars=extra_vars,
                       check=check, timeout=900)
    run.seconds = time.monotonic() - started
    return run


def _failures(run):
    return [(r["task"], r["host"], r["result"].get("msg")) for r in run.results if r["result"].get("failed")] or run


def _writes(emu):
    return [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]


def _task_of(emu, source):
    return emu.store.get_task(emu.store.get_source_record(source["id"])["current_task"]["id"])


def _by_server(record):
    return dict((server["server"], server) for server in record["servers"])


def test_rehearse_replicate_cut_over_verify_and_the_cleanup_gate(emu, tmp_path, targets):
    good, failing, silent, later = (s["name"] for s in take_fresh_sources(emu, 4, os_type="LINUX"))
    sources = dict((s["name"], s) for s in emu.store.list_sources())
    good_port, failing_port, silent_port, later_port = targets(200), targets(503), targets(200), targets(200)
    checks = tmp_path / "checks.yml"
    checks.write_text(CHECKS)
    clone_template = emu.store.create_template({"template": {"name": "rh-clone", "is_template": True}})
    plan = tmp_path / "rh1.csv"
    # clone_template_id: the template of the test clones (the tasks' clonevm_template_id).
    plan.write_text("source,template_id,clone_template_id,migproject,ok_to_test,ok_to_cutover,verify_port\n"
                    "%s,tmpl-rh,{0},rh,yes,yes,%d\n%s,tmpl-rh,{0},rh,yes,yes,%d\n%s,tmpl-rh,,rh,,yes,%d\n%s,tmpl-rh,,rh,,,%d\n"
                    .format(clone_template) % (good, good_port, failing, failing_port, silent, silent_port, later, later_port))
    reports = tmp_path / "reports"
    timings = {}
    for phase in ("prepare", "replicate"):
        run = _run(emu, plan, phase, reports)
        assert run.rc == 0, _failures(run)
        timings[phase] = run.seconds
    # The target of this server gets an address nothing answers on.
    emu.set_rehearsal_fault(sources[silent]["id"], unreachable=True)

    # The rehearsal: one clone_test per account for the lines with ok_to_test, the clones checked
    # (the failing server's health URL answers 503), then deleted.
    emu.clear_request_log()
    tested = _run(emu, plan, "test", reports, wave_verify_tasks=str(checks))
    timings["test"] = tested.seconds
    assert tested.rc != 0
    actions = [json.loads(e["body"]) for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]
    assert [a["operation"] for a in actions] == ["clone_test", "clone_test"], actions
    msg = tested.result("Stop when a server failed the rehearsal")["msg"]
    assert msg.startswith("1 server(s) of wave rh1 failed the rehearsal:"), msg
    assert "%s: task failed: The health URL answers: Status code was 503" % failing in msg, msg
    test_record = json.loads((reports / "rh1-test.json").read_text())
    by_server = _by_server(test_record)
    assert sorted(by_server) == sorted([good, failing])
    assert by_server[good]["outcome"] == "passed" and by_server[good]["kind"] == "clone"
    assert by_server[good]["target_ip"] == "127.0.0.1" and by_server[good]["clone_state"] == "FINISHED"
    assert [s["server"] for s in test_record["servers"]] == [failing, good]  # failures first
    # The clones are deleted through ECS (SMS keeps the task's clone_server record).
    deletes = [e for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/cloudservers/delete")]
    assert len(deletes) == 2, deletes
    assert tested.result("Delete the test clones (wave_keep_clones keeps them)")["results"][0]["changed"] is True

    # The account takes the enumeration's value `test` (the emulator takes both): the wave sends it.
    emu.clear_request_log()
    approved = _run(emu, plan, "cutover", reports, wave_cutover_approved=True, wave_launch_operation="test")
    assert approved.rc == 0, _failures(approved)
    launches = [json.loads(e["body"]) for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]
    assert launches and all(body == {"operation": "test"} for body in launches), launches
    timings["cutover"] = approved.seconds

    verified = _run(emu, plan, "verify", reports, wave_verify_tasks=str(checks))
    timings["verify"] = verified.seconds
    assert verified.rc != 0
    record = json.loads((reports / "rh1-verify.json").read_text())
    by_server = _by_server(record)
    assert by_server[good]["outcome"] == "passed", by_server[good]
    assert by_server[good]["target_ip"] == "127.0.0.1" and by_server[good]["port"] == good_port
    assert by_server[failing]["outcome"] == "failed"
    assert by_server[failing]["reason"].startswith("task failed: The health URL answers: Status code was 503"), by_server[failing]
    assert by_server[failing]["failed_task"] == "The health URL answers"
    assert by_server[silent]["outcome"] == "failed"
    assert by_server[silent]["reason"].startswith("unreachable: nothing answered on 192.0.2."), by_server[silent]
    assert by_server[silent]["reason"].endswith(":%d within 3 s" % silent_port)
    assert by_server[later]["outcome"] == "not_checked"
    assert by_server[later]["reason"] == "no target: SMS lists no launched target server for the task"
    assert record["summary"] == {"failed": 2, "not_checked": 1, "passed": 1}
    assert [s["outcome"] for s in record["servers"]] == ["failed", "failed", "not_checked", "passed"]
    msg = verified.result("Stop when a server failed the verification")["msg"]
    assert msg.startswith("2 server(s) of wave rh1 failed the verification:"), msg

    reported = _run(emu, plan, "report", reports)
    assert reported.rc == 0, _failures(reported)
    data = json.loads((reports / "rh1-report.json").read_text())
    # Servers that failed the verification first.
    assert sorted(s["server"] for s in data["servers"][:2]) == sorted([failing, silent])
    assert data["verification"]["summary"] == {"failed": 2, "not_checked": 1, "passed": 1}
    report = dict((s["server"], s) for s in data["servers"])
    assert report[good]["target_ip"] == "127.0.0.1" and report[good]["verification"]["outcome"] == "passed"
    assert report[good]["rehearsal"]["outcome"] == "passed" and report[failing]["rehearsal"]["outcome"] == "failed"
    assert report[later]["verification"]["outcome"] == "not_checked"
    markdown = (reports / "rh1-report.md").read_text()
    assert "## Verification" in markdown and "## Rehearsal: test clones" in markdown
    assert "1 passed, 2 failed, 1 not checked" in markdown
    assert "| %s | 127.0.0.1 | 127.0.0.1:%d | passed | every check of %s passed |" % (good, good_port, checks) in markdown
    table = markdown.split("## Servers")[-1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert {rows[0].split(" | ")[0][2:], rows[1].split(" | ")[0][2:]} == {failing, silent}, rows

    # The cleanup holds back the two servers that failed; only the verified one is cleaned up.
    project = reported.result("Read the migration projects")["results"][0]["migprojects"]
    project_id = [p["id"] for p in project if p["name"] == "rh"][0]
    emu.clear_request_log()
    cleanup = run_playbook(CLEANUP, env=emulator_env(emu), extra_vars={
        "wave_migproject": project_id, "wave_report_dir": str(reports), "wave_name": "rh1", "wave_remove_agents": False,
        "wave_cleanup_apply": True})
    assert cleanup.rc != 0
    plan_shown = cleanup.result("Show what is removed")["wave_cleanup_plan"]
    assert sorted(entry.split(":")[0] for entry in plan_shown["held_back"]) == sorted([failing, silent])
    assert plan_shown["snapshots_to_clear"] == [_task_of(emu, sources[good])["name"]]
    clears = [e["path"] for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]
    assert clears == ["/v3/tasks/%s/action" % _task_of(emu, sources[good])["id"]]
    assert "2 finished server(s) were not cleaned up" in cleanup.result(
        "Stop when finished servers were held back for their verification")["msg"]
    print("timings (s): %s" % ", ".join("%s %.1f" % item for item in timings.items()))


def test_test_and_verify_under_check_send_no_write(emu, tmp_path, targets):
    first, second = (s["name"] for s in take_fresh_sources(emu, 2, os_type="LINUX"))
    port = targets(200)
    plan = tmp_path / "rh2.csv"
    plan.write_text("source,template_id,ok_to_test,ok_to_cutover,verify_port\n%s,tmpl-rh,yes,yes,%d\n%s,tmpl-rh,,yes,%d\n"
                    % (first, port, second, port))
    reports = tmp_path / "reports"
    for phase in ("prepare", "replicate"):
        run = _run(emu, plan, phase, reports)
        assert run.rc == 0, _failures(run)
    runs = {}
    for phase in ("test", "verify"):
        emu.clear_request_log()
        run = runs[phase] = _run(emu, plan, phase, reports, check=True, wave_collect_logs_bucket="rh-logs")
        assert run.rc == 0, (phase, _failures(run))
        assert _writes(emu) == [], phase
        assert not (reports / ("rh2-%s.json" % phase)).exists()
        assert run.result("Under --check, nothing is checked in the %s" % ("rehearsal" if phase == "test" else "verification"))[
            "msg"].startswith(
            "--check: nothing is checked on the targets")
    msg = runs["test"].result("The drill and the clones under --check")["msg"]
    assert msg == "--check: the rehearsal would run clone_test for 1 server(s) (the lines with ok_to_test): line 2 (%s)" % first


def test_the_drill_and_the_logs_of_a_failed_task(emu, tmp_path):
    passing, failing = take_fresh_sources(emu, 2, os_type="WINDOWS")
    plan = tmp_path / "rh3.csv"
    # migration_test: the tasks are created with need_migration_test, which the drill needs.
    # consistency_check: the report reads the consistency results of that line's task.
    plan.write_text("source,template_id,ok_to_test,migration_test,consistency_check\n%s,tmpl-rh,yes,yes,yes\n%s,tmpl-rh,yes,yes,\n"
                    % (passing["name"], failing["name"]))
    reports = tmp_path / "reports"
    for phase in ("prepare", "replicate"):
        run = _run(emu, plan, phase, reports)
        assert run.rc == 0, _failures(run)
    assert _task_of(emu, passing)["need_migration_test"] is True
    emu.set_rehearsal_fault(failing["id"], drill_fails=True)
    emu.clear_request_log()
    drilled = _run(emu, plan, "test", reports, wave_test_operation="migration_test", wave_collect_logs_bucket="rh-logs")
    assert drilled.rc != 0
    actions = [json.loads(e["body"]) for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]
    assert actions == [{"operation": "migration_test"}] * 2, actions
    # The failed task's logs go to the bucket, one call for the account.
    logs = [(e["path"], json.loads(e["body"])) for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/log")]
    assert logs == [("/v3/tasks/%s/log" % _task_of(emu, failing)["id"], {"log_bucket": "rh-logs"})], logs
    record = json.loads((reports / "rh3-drill.json").read_text())
    assert [(s["server"], s["outcome"], s["drill"]) for s in record["servers"]] == [
        (failing["name"], "failed", "failed"), (passing["name"], "passed", "passed")]
    assert record["servers"][1]["reason"] == "the drill (migration_test) passed"
    # No clone was made, so none is checked or deleted.
    assert not [e for e in emu.request_log() if "cloudservers" in e["path"]]
    reported = _run(emu, plan, "report", reports)
    assert reported.rc == 0, _failures(reported)
    markdown = (reports / "rh3-report.md").read_text()
    assert "## Rehearsal: drill" in markdown and "| %s | failed | failed |" % failing["name"] in markdown
    assert "## Consistency checks" in markdown
    consistency = [e["path"] for e in emu.request_log() if e["path"].endswith("/consistency-result")]
    assert consistency == ["/v3/tasks/%s/consistency-result" % _task_of(emu, passing)["id"]], consistency
    data = dict((s["server"], s) for s in json.loads((reports / "rh3-report.json").read_text())["servers"])
    assert isinstance(data[passing["name"]]["consistency_results"], list)
    assert data[failing["name"]]["consistency_results"] is None and data[failing["name"]]["drill"]["outcome"] == "failed"
