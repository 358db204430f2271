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


def _summary(run):
    return run.result("Print the summary")["msg"]


def test_process_commands_reports_results_the_emulator_records(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=8, seed=11, states={"waiting": 1.0})
    sources = [s for s in emulator.store.list_sources() if s["connected"]][:5]
    assert len(sources) == 5
    ok_source, failing_source, unmapped_source, idle_source, missing_action_source = sources
    tasks = {}
    for source in (ok_source, failing_source, unmapped_source, missing_action_source):
        tasks[source["id"]] = emulator.store.create_task({"name": "mig-" + source["name"], "type": "MIGRATE_FILE",
                                                          "source_server": {"id": source["id"]}, "auto_start": True})
        assert emulator.store.pending_command(source["id"])["command_name"] == "START"
    # The unmapped source's command becomes STOP, which has no action: it must stay pending.
    emulator.store.task_action(tasks[unmapped_source["id"]], "stop")
    assert emulator.store.pending_command(unmapped_source["id"])["command_name"] == "STOP"
    marker = tmp_path / "actions.log"
    journal = tmp_path / "journal.log"
    action = ["sh", "-c", 'echo "$SMS_SOURCE_ID $SMS_SOURCE_NAME $SMS_COMMAND_NAME $SMS_COMMAND_PARAM" >> %s; '
              'test "$SMS_SOURCE_ID" != %s || { echo "pre-start hook refused" >&2; exit 3; }; '
              'test "$SMS_SOURCE_ID" != %s || exec /nonexistent/hook'
              % (marker, failing_source["id"], missing_action_source["id"])]
    env = dict(helpers.CALLBACK_ENV, **emulator_env(emulator))
    run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env, extra_vars={
        "sms_command_actions": {"START": action}, "sms_command_journal": str(journal), "sms_command_workers": 2})
    assert run.rc == 0, helpers.failures(run)

    ok_results = emulator.store.command_results(ok_source["id"])
    assert [(r["command_name"], r["result"]) for r in ok_results] == [("START", "success")]
    assert ok_results[0]["result_detail"]["handled_by"] == "hwcloud.sms.process_commands"
    assert ok_results[0]["result_detail"]["rc"] == 0 and ok_results[0]["result_detail"]["action"] == action
    failed_results = emulator.store.command_results(failing_source["id"])
    assert [(r["command_name"], r["result"]) for r in failed_results] == [("START", "fail")]
    assert failed_results[0]["result_detail"]["rc"] == 3
    assert failed_results[0]["result_detail"]["message"] == "pre-start hook refused"
    missing = emulator.store.command_results(missing_action_source["id"])
    assert [(r["command_name"], r["result"]) for r in missing] == [("START", "fail")]
    assert missing[0]["result_detail"]["rc"] == 127
    # Nothing acknowledged without an action: no result, the command still pending.
    assert emulator.store.command_results(unmapped_source["id"]) == []
    assert emulator.store.pending_command(unmapped_source["id"])["command_name"] == "STOP"
    assert emulator.store.command_results(idle_source["id"]) == []
    for source in (ok_source, failing_source, missing_action_source):
        assert emulator.store.pending_command(source["id"]) is None
    assert emulator.store.get_source_record(ok_source["id"])["state"] == "replicate"
    assert emulator.store.get_source_record(failing_source["id"])["state"] == "error"
    lines = sorted(marker.read_text().splitlines())
    assert [line.split(" ")[0] for line in lines] == sorted(s["id"] for s in (ok_source, failing_source, missing_action_source))
    ok_line = [line for line in lines if line.startswith(ok_source["id"])][0]
    assert ok_line == '%s %s START {"task_id": "%s"}' % (ok_source["id"], ok_source["name"], tasks[ok_source["id"]])
    journal_lines = journal.read_text().splitlines()
    assert len(journal_lines) == 6
    for source, outcome in ((ok_source, "success rc=0"), (failing_source, "fail rc=3"), (missing_action_source, "fail rc=127")):
        mine = [line for line in journal_lines if " %s %s START " % (source["id"], source["name"]) in line]
        assert len(mine) == 2 and "received action=" in mine[0] and mine[1].endswith(outcome), mine
    summary = _summary(run)
    assert "commands pending: 4" in summary and "actions succeeded: 1" in summary and "actions failed: 2" in summary
    assert "left pending (no action mapped): 1" in summary and "  %s STOP" % unmapped_source["id"] in summary
    # The wave costs a fixed number of module runs, whatever its size: one read, one report.
    commands_read = [r for r in run.results if r["task"] == "Read the pending command of every selected source server"]
    assert len(commands_read) == 1 and len(commands_read[0]["result"]["commands"]) == len(
        [s for s in emulator.store.list_sources() if s["connected"]])


def test_process_commands_needs_explicit_actions_and_sends_nothing_without(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=2, seed=5, states={"waiting": 1.0})
    source = [s for s in emulator.store.list_sources() if s["connected"]][0]
    emulator.store.create_task({"name": "mig", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]},
                                "auto_start": True})
    emulator.clear_request_log()
    env = dict(helpers.CALLBACK_ENV, **emulator_env(emulator))
    env["PWD"] = str(tmp_path)
    for extra_vars in ({}, {"sms_command_actions": {"START": []}}, {"sms_command_actions": {"START": "true"}},
                       {"sms_command_actions": ["START"]},
                       {"sms_command_actions": {"START": ["true"]}, "sms_command_journal": os.path.join(PLAYBOOKS, "x.log")},
                       {"sms_command_actions": {"START": ["true"]}, "sms_command_journal": os.path.join(REPO_ROOT, "x.log")},
                       {"sms_command_actions": {"START": ["true"]}, "PWD": REPO_ROOT}):
        # The last case: the default journal (sms_commands.log in $PWD) started from the collection's root.
        run_env = dict(env, PWD=extra_vars.pop("PWD")) if "PWD" in extra_vars else env
        run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=run_env, extra_vars=extra_vars)
        assert run.rc != 0, extra_vars
        assert "sms_command_actions must be a mapping of command names to non-empty argv lists" in run.result(
            "Check the settings")["msg"]
    assert emulator.request_log() == []
    assert emulator.store.pending_command(source["id"])["command_name"] == "START"
    assert not os.path.exists(os.path.join(PLAYBOOKS, "x.log"))
    assert not os.path.exists(os.path.join(REPO_ROOT, "x.log"))
    assert not os.path.exists(os.path.join(REPO_ROOT, "sms_commands.log"))

    # An empty mapping shows what is pending and acknowledges nothing; no journal is written
    # into the collection, the default journal lands in the directory the user started from.
    run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env, extra_vars={"sms_command_actions": {}})
    assert run.rc == 0, helpers.failures(run)
    assert "left pending (no action mapped): 1" in _summary(run)
    assert emulator.store.command_results(source["id"]) == []
    assert emulator.store.pending_command(source["id"])["command_name"] == "START"
    assert [e["method"] for e in emulator.request_log() if e["method"] == "POST"] == []
    assert not os.path.exists(os.path.join(PLAYBOOKS, "sms_commands.log"))

    run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env,
                       extra_vars={"sms_command_actions": {"START": ["true"]}})
    assert run.rc == 0, helpers.failures(run)
    assert [(r["command_name"], r["result"]) for r in emulator.store.command_results(source["id"])] == [("START", "success")]
    assert len((tmp_path / "sms_commands.log").read_text().splitlines()) == 2
    assert not os.path.exists(os.path.join(PLAYBOOKS, "sms_commands.log"))


def test_process_commands_check_mode_runs_and_reports_nothing(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=2, seed=5, states={"waiting": 1.0})
    source = [s for s in emulator.store.list_sources() if s["connected"]][0]
    emulator.store.create_task({"name": "mig", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]},
                                "auto_start": True})
    marker = tmp_path / "ran"
    env = dict(helpers.CALLBACK_ENV, **emulator_env(emulator))
    run = run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env, check=True, extra_vars={
        "sms_command_actions": {"START": ["touch", str(marker)]}, "sms_command_journal": str(tmp_path / "j.log")})
    assert run.rc == 0, helpers.failures(run)
    assert "commands pending: 1" in _summary(run)
    assert not marker.exists() and not (tmp_path / "j.log").exists()
    assert emulator.store.command_results(source["id"]) == []
    assert emulator.store.pending_command(source["id"])["command_name"] == "START"


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
    # Registration is awaited per batch: one listing per poll for both good hosts of the first batch
    # (the second batch has no host left to wait for).
    waits = [r["result"] for r in run.results
             if r["task"].endswith("Wait until SMS lists every host of this batch as a connected source server")
             and not r["result"].get("skipped")]
    assert len(waits) == 1, waits
    log = emulator.request_log()
    listings = [e for e in log if e["method"] == "GET" and e["path"].endswith("/sources")
                and "hwcloud.sms" in str(e["headers"])]  # the agents' own credential checks are not ours
    # ... after the one listing of the source quota check (one account), made before any agent registered
    assert len(listings) == 1 + waits[0].get("attempts", 1), listings
    registrations = [index for index, e in enumerate(log) if e["method"] == "POST" and e["path"] == "/v3/sources"]
    assert registrations and log.index(listings[0]) < registrations[0]
    assert run.result("Report the source quota of each account")["msg"] == (
        "Account %s project %s: 0 source servers, 4 new agents, 996 of 1000 left after the installation."
        % (emulator.url, emulator.project_id))
    assert "larger than the number of forks" not in run.output
    assert emulator.secret_key not in run.output


def _quota_site(emulator, tmp_path, quota_hosts, quota):
    """An inventory of ``quota_hosts`` (name -> IP) that nothing can reach, and the secrets file."""
    hosts = dict((name, {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1,
                         "ansible_ssh_common_args": "-o ConnectTimeout=3 -o BatchMode=yes", "agent_source_ip": ip,
                         "agent_install_dir": str(tmp_path / name)})
                 for name, ip in quota_hosts.items())
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"sms_wave": {"hosts": hosts, "vars": {"sms_account": "acct-quota"}}}))
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({
        "agent_access_key": emulator.access_key, "agent_secret_key": emulator.secret_key,
        "agent_sms_domain": urllib.parse.urlsplit(emulator.url).netloc, "agent_api_endpoint": emulator.url,
        "agent_api_project_id": emulator.project_id, "agent_registration_timeout": 5, "agent_registration_delay": 1,
        "sms_source_quota": quota}))
    return str(inventory), ["-e", "@" + str(secrets)]


def test_install_agents_refuses_beyond_the_source_quota_before_touching_a_host(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=2, seed=3, random_credentials=True, source_quota=3)
    registered = emulator.store.list_sources()[0]
    # 3 hosts, one of them registered already: 2 held + 2 new = 4 > 3
    inventory, extra = _quota_site(emulator, tmp_path, {"q-1": registered["ip"], "q-2": "10.94.0.2", "q-3": "10.94.0.3"}, 3)
    emulator.clear_request_log()
    for check in (False, True):
        run = run_playbook(os.path.join(PLAYBOOKS, "install_agents.yml"), env=dict(helpers.CALLBACK_ENV), check=check,
                           inventory=inventory, extra_args=extra, timeout=300)
        assert run.rc != 0
        msg = run.result("Fail before touching any host when an account would exceed its source quota")["msg"]
        assert msg.startswith("Account acct-quota holds 2 source servers; installing 2 new agents (of 3 hosts, the others "
                              "are registered already) would make 4, more than its quota of 3 source servers per account."), msg
        assert "Nothing was installed" in msg and "wave_delete_sources=true" in msg
        assert [r for r in run.results if r["host"] != "localhost"] == []  # no task ran on a host
        assert not any((tmp_path / name).exists() for name in ("q-1", "q-2", "q-3"))
        assert emulator.secret_key not in run.output
    assert [e for e in emulator.request_log() if e["method"] != "GET"] == []
    listings = [e["path"] for e in emulator.request_log() if e["method"] == "GET" and "hwcloud.sms" in str(e["headers"])]
    assert listings and all(path.startswith("/v3/sources") for path in listings)
    assert emulator.store.count_sources() == 2


def test_install_agents_goes_on_when_the_new_agents_fit(emulator_factory, tmp_path):
    emulator = emulator_factory(sources=2, seed=3, random_credentials=True, source_quota=4)
    registered = emulator.store.list_sources()[0]
    inventory, extra = _quota_site(emulator, tmp_path, {"q-1": registered["ip"], "q-2": "10.94.0.2", "q-3": "10.94.0.3"}, 4)
    run = run_playbook(os.path.join(PLAYBOOKS, "install_agents.yml"), env=dict(helpers.CALLBACK_ENV), check=True,
                       inventory=inventory, extra_args=extra + ["-e", "sms_fail_on_install_errors=false"], timeout=300)
    assert run.rc == 0, helpers.failures(run)
    assert run.result("Report the source quota of each account")["msg"] == (
        "Account acct-quota: 2 source servers, 2 new agents, 0 of 4 left after the installation.")
    summary = run.result("Build the summary")["ansible_facts"]["sms_wave_summary"]
    assert sorted(r["host"] for r in summary["unreachable"]) == ["q-1", "q-2", "q-3"]  # the hosts were tried


def test_install_agents_checks_each_account_with_one_listing(emulator_factory, tmp_path):
    full = emulator_factory(sources=2, seed=3, random_credentials=True)
    roomy = emulator_factory(sources=5, seed=4, random_credentials=True)

    def account(emulator, name):
        return {"sms_account": name, "agent_access_key": emulator.access_key, "agent_secret_key": emulator.secret_key,
                "agent_api_endpoint": emulator.url, "agent_api_project_id": emulator.project_id}

    def host(ip, emulator, name):
        return dict(account(emulator, name), ansible_connection="ssh", ansible_host="127.0.0.1", ansible_port=1,
                    agent_source_ip=ip, agent_install_dir=str(tmp_path / ip))

    hosts = {"a-1": host("10.95.0.1", full, "acct-a"), "a-2": host("10.95.0.2", full, "acct-a"),
             "b-1": host("10.95.1.1", roomy, "acct-b"), "b-2": host("10.95.1.2", roomy, "acct-b")}
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"sms_wave": {"hosts": hosts}}))
    run = run_playbook(os.path.join(PLAYBOOKS, "install_agents.yml"), env=dict(helpers.CALLBACK_ENV),
                       inventory=str(inventory), extra_vars={"sms_source_quota": 5}, timeout=300)
    assert run.rc != 0
    msg = run.result("Fail before touching any host when an account would exceed its source quota")["msg"]
    assert msg.startswith("Account acct-b holds 5 source servers; installing 2 new agents (of 2 hosts, the others are "
                          "registered already) would make 7, more than its quota of 5"), msg
    assert "acct-a" not in msg
    assert [r for r in run.results if r["host"] != "localhost"] == []
    for emulator in (full, roomy):
        listed = [e for e in emulator.request_log() if e["path"] == "/v3/sources"]
        assert len(listed) == 1 and [e for e in emulator.request_log() if e["method"] != "GET"] == []
    assert full.secret_key not in run.output and roomy.secret_key not in run.output
