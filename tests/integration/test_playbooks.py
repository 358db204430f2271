# -*- coding: utf-8 -*-
"""The collection's playbooks (hwcloud.sms.install_agents, wave_status, process_commands)
run with ansible-playbook against the emulator; assertions are on the emulator's store."""

import json
import os
import re
import sys
import urllib.parse

from support.ansible import REPO_ROOT, emulator_env, run_playbook

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "fake_agent"))
import helpers  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")


def _table(report, heading):
    """{first column: second column} of the Markdown table under ``heading``."""
    section = report.split("## " + heading, 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| (\d+) \|$", section, re.MULTILINE)
    return dict((name, int(count)) for name, count in rows)


def test_wave_status_report_matches_the_emulator(sms_emulator, tmp_path):
    report_path = tmp_path / "wave.md"
    env = dict(helpers.CALLBACK_ENV, **emulator_env(sms_emulator))
    run = run_playbook(os.path.join(PLAYBOOKS, "wave_status.yml"), env=env,
                       extra_vars={"sms_wave_report": str(report_path)})
    assert run.rc == 0, helpers.failures(run)
    report = report_path.read_text()
    servers = sms_emulator.store.list_sources()
    assert "Source servers: %d." % len(servers) in report

    def counts(field):
        result = {}
        for server in servers:
            key = server.get(field) or "none"
            result[key] = result.get(key, 0) + 1
        return result

    assert _table(report, "Source servers by state") == counts("state")
    assert _table(report, "Source servers by migration cycle") == counts("migration_cycle")
    disconnected = [s for s in servers if not s["connected"]]
    assert "## Disconnected agents (%d)" % len(disconnected) in report
    for server in disconnected:
        assert "- %s (" % server["name"] in report and server["id"] in report
    failed_checks = [(s["name"], c) for s in servers for c in (s.get("checks") or []) if c.get("result") in ("ERROR", "WARN")]
    check_section = report.split("## Failed environment checks", 1)[1].split("\n## ", 1)[0]
    check_rows = [line for line in check_section.splitlines() if line.startswith("| ") and not line.startswith("| server")]
    assert len(check_rows) == len(failed_checks)
    for name, check in failed_checks:
        assert "| %s | %s | %s |" % (name, check.get("name") or "-", check["result"]) in check_section
    replicated = sum(int(s.get("replicatesize") or 0) for s in servers)
    total = sum(int(s.get("totalsize") or 0) for s in servers)
    assert "Overall: %d of %d bytes" % (replicated, total) in report
    # The same report is printed.
    printed = run.result("Print the report")["msg"]
    assert printed == report.splitlines()


def test_process_commands_reports_results_the_emulator_records(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=6, seed=11, states={"waiting": 1.0})
    sources = [s for s in emulator.store.list_sources() if s["connected"]][:3]
    assert len(sources) == 3
    ok_source, failing_source, idle_source = sources
    for source in (ok_source, failing_source):
        emulator.store.create_task({"name": "mig-" + source["name"], "type": "MIGRATE_FILE",
                                    "source_server": {"id": source["id"]}, "auto_start": True})
        assert emulator.store.pending_command(source["id"])["command_name"] == "START"
    marker = tmp_path / "actions.log"
    journal = tmp_path / "journal.log"
    action = ["sh", "-c", 'echo "$SMS_SOURCE_ID $SMS_COMMAND_NAME" >> %s; test "$SMS_SOURCE_ID" != %s'
              % (marker, failing_source["id"])]
    env = dict(helpers.CALLBACK_ENV, **emulator_env(emulator))
    run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env, extra_vars={
        "sms_command_actions": {"START": action}, "sms_command_journal": str(journal)})
    assert run.rc == 0, helpers.failures(run)

    ok_results = emulator.store.command_results(ok_source["id"])
    assert [(r["command_name"], r["result"]) for r in ok_results] == [("START", "success")]
    assert ok_results[0]["result_detail"]["handled_by"] == "hwcloud.sms.process_commands"
    failed_results = emulator.store.command_results(failing_source["id"])
    assert [(r["command_name"], r["result"]) for r in failed_results] == [("START", "fail")]
    assert failed_results[0]["result_detail"]["rc"] == 1
    assert emulator.store.command_results(idle_source["id"]) == []
    for source in (ok_source, failing_source):
        assert emulator.store.pending_command(source["id"]) is None
    assert sorted(marker.read_text().split("\n")[:-1]) == sorted(
        ["%s START" % ok_source["id"], "%s START" % failing_source["id"]])
    assert len(journal.read_text().splitlines()) == 2


def test_process_commands_reports_unmapped_commands_as_failed(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=2, seed=5, states={"waiting": 1.0})
    source = [s for s in emulator.store.list_sources() if s["connected"]][0]
    emulator.store.create_task({"name": "mig", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]},
                                "auto_start": True})
    env = dict(helpers.CALLBACK_ENV, **emulator_env(emulator))
    run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env, extra_vars={
        "sms_command_actions": {"STOP": []}, "sms_command_journal": str(tmp_path / "journal.log")})
    assert run.rc == 0, helpers.failures(run)
    results = emulator.store.command_results(source["id"])
    assert [(r["command_name"], r["result"]) for r in results] == [("START", "fail")]
    assert "no local action is mapped to START" in results[0]["result_detail"]["message"]


def test_install_agents_summarizes_registered_failed_and_unreachable(emulator_factory, tmp_path):
    emulator = emulator_factory(random_credentials=True)
    package = helpers.build_package(str(tmp_path))
    root = tmp_path / "hosts"
    (root / "units").mkdir(parents=True)

    def local_host(name, ip, **extra):
        host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                "agent_install_dir": str(root / name), "agent_source_ip": ip, "agent_source_name": name,
                "agent_service_name": "sms-agent-" + name, "agent_systemd_unit_dir": str(root / "units"),
                "agent_startup_environment": {"SMS_STANDIN_IP": ip, "SMS_STANDIN_NAME": name}}
        host.update(extra)
        return host

    hosts = {
        "good-1": local_host("good-1", "10.92.0.1"),
        "good-2": local_host("good-2", "10.92.0.2"),
        "small-disk": local_host("small-disk", "10.92.0.3", agent_min_free_mb=10 ** 12),
        "dead": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1,
                 "ansible_ssh_common_args": "-o ConnectTimeout=3 -o BatchMode=yes"},
    }
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"sms_wave": {"hosts": hosts}}))
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({
        "agent_access_key": emulator.access_key, "agent_secret_key": emulator.secret_key,
        "agent_sms_domain": urllib.parse.urlsplit(emulator.url).netloc, "agent_api_endpoint": emulator.url,
        "agent_api_project_id": emulator.project_id, "agent_package_src": package,
        "agent_registration_timeout": 60, "agent_registration_delay": 1, "sms_batch_size": 2}))
    env = dict(helpers.CALLBACK_ENV)
    stub = helpers.rsync_path_dir(str(tmp_path))
    if stub:
        env["PATH"] = stub + os.pathsep + os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]
    try:
        run = run_playbook(os.path.join(PLAYBOOKS, "install_agents.yml"), env=env, inventory=str(inventory),
                           extra_args=["-e", "@" + str(secrets)], timeout=600)
    finally:
        helpers.kill_agents(str(root))
    assert run.rc != 0  # the playbook fails after the summary because two hosts did not register
    summary = run.result("Build the summary")["ansible_facts"]["sms_wave_summary"]
    stored = dict((s["name"], s["id"]) for s in emulator.store.list_sources())
    assert sorted(stored) == ["good-1", "good-2"]
    assert sorted((r["host"], r["source_id"]) for r in summary["registered"]) == sorted(stored.items())
    assert [r["host"] for r in summary["failed"]] == ["small-disk"]
    assert "agent_min_free_mb" in summary["failed"][0]["error"]
    assert [r["host"] for r in summary["unreachable"]] == ["dead"]
    printed = "\n".join(run.result("Print the summary")["msg"])
    assert "registered: 2" in printed and "failed: 1" in printed and "unreachable: 1" in printed
    assert "did not get a registered agent: small-disk, dead" in run.result("Fail when hosts did not register")["msg"]
    assert emulator.secret_key not in run.output
