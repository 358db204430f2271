# -*- coding: utf-8 -*-
"""The fast compatibility suite: run by tests/compat/run_compat.sh on the oldest and the newest
ansible-core the collection supports (each in its own virtualenv), and by the main suite's venv
when pointed at it. Everything goes through real ansible subprocesses against the emulator, and
nothing depends on the `invocation` key of results or on ansible-doc output formats."""

import json
import os
import subprocess

import pytest

from support.ansible import BIN_DIR, base_env, emulator_env, run_playbook
from support.awx import awx_import

from ansible.release import __version__ as ANSIBLE_CORE_VERSION

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNSUPPORTED_WARNING = "does not support Ansible version"


@pytest.fixture
def fleet(emulator_factory):
    return emulator_factory(sources=40, seed=21, states={"waiting": 0.5, "replicate": 0.3, "error": 0.2})


def test_suite_runs_on_the_core_it_was_started_for():
    # The runner exports the target's version prefix; a venv mix-up must not pass silently.
    wanted = os.environ.get("COMPAT_EXPECT_CORE")
    if wanted:
        assert ANSIBLE_CORE_VERSION.startswith(wanted + "."), (ANSIBLE_CORE_VERSION, wanted)
    version = subprocess.check_output([os.path.join(BIN_DIR, "ansible-playbook"), "--version"], text=True)
    assert "core %s]" % ANSIBLE_CORE_VERSION in version.splitlines()[0]


def connection(emu):
    creds = emu.credentials
    return {"endpoint": creds["endpoint"], "access_key": creds["access_key"], "secret_key": creds["secret_key"],
            "project_id": creds["project_id"], "retries": 1}


MODULES_PLAY = """
- hosts: localhost
  gather_facts: false
  connection: local
  module_defaults:
    group/hwcloud.sms.sms: "{{ sms_connection }}"
  tasks:
    - name: list all
      hwcloud.sms.sms_source_info:
      register: everything
    - name: list waiting in check mode
      hwcloud.sms.sms_source_info:
        state: waiting
      check_mode: true
    - name: report in check mode
      hwcloud.sms.sms_command_result:
        server_id: "{{ everything.source_servers[0].id }}"
        command_name: START
        result: success
      check_mode: true
    - name: bad argument
      hwcloud.sms.sms_source_info:
        state: sleeping
      ignore_errors: true
"""


def test_modules_with_module_defaults_and_check_mode(fleet):
    # No HUAWEICLOUD_* in the environment: only module_defaults (the action group) connects.
    fleet.clear_request_log()
    run = run_playbook(MODULES_PLAY, extra_vars={"sms_connection": connection(fleet)})
    assert run.rc == 0, run.output[-4000:]
    stored = fleet.store.list_sources()
    everything = run.result("list all")
    assert everything["count"] == len(stored) == 40
    assert sorted(s["id"] for s in everything["source_servers"]) == sorted(s["id"] for s in stored)
    waiting = run.result("list waiting in check mode")
    assert sorted(s["id"] for s in waiting["source_servers"]) == sorted(
        s["id"] for s in fleet.store.list_sources(state="waiting"))
    report = run.result("report in check mode")
    assert report.get("failed") is not True and report["changed"] is True
    assert [e for e in fleet.request_log() if e["method"] == "POST"] == []
    bad = run.result("bad argument")
    assert bad["failed"] is True and "state" in bad["msg"]
    assert UNSUPPORTED_WARNING not in run.output


def test_inventory_export_imports_plainly_into_awx(fleet, tmp_path):
    payload = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % (tmp_path / "templated")
    source_id, _created = fleet.store.register_source({
        "name": payload, "os_type": "LINUX", "os_version": "UBUNTU_22_64BIT", "agent_version": "25.1.0",
        "ip": "10.77.0.1", "networks": [{"name": "eth0", "ip": "10.77.0.1", "mac": "fa:16:3e:77:00:01"}]})
    config = tmp_path / "wave.sms_sources.yml"
    config.write_text("plugin: hwcloud.sms.sms_sources\nkeyed_groups:\n  - key: sms_migration_cycle\n"
                      "    prefix: cycle\ngroups:\n  needs_attention: sms_state == 'error'\n"
                      "compose:\n  label: sms_name ~ '-x'\n  windows: sms_os_type == 'WINDOWS'\n")
    env = base_env(emulator_env(fleet))
    env.update({"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_INVENTORY_EXPORT": "True",
                "ANSIBLE_VERBOSE_TO_STDERR": "True"})
    output = tmp_path / "output.json"
    process = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "-i", str(config), "--list", "--export",
                              "--output", str(output), "--playbook-dir", str(tmp_path)],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-4000:]
    assert UNSUPPORTED_WARNING not in process.stderr
    imported = awx_import(json.loads(output.read_text()), enabled_var="sms_state", enabled_value="waiting",
                          instance_id_var="sms_id")
    stored = dict((r["id"], r) for r in fleet.store.list_sources())
    hosts = imported["hosts"]
    assert sorted(h["instance_id"] for h in hosts.values()) == sorted(stored)
    for name, host in hosts.items():
        record = stored[host["instance_id"]]
        assert host["enabled"] is (record["state"] == "waiting"), name
        if record["id"] == source_id:
            assert name == "10.77.0.1" and host["variables"]["sms_name"] == {"__ansible_unsafe": payload}
            assert host["variables"]["label"] == {"__ansible_unsafe": payload + "-x"}
            continue
        assert name == record["name"]
        assert host["variables"]["label"] == record["name"] + "-x"
        assert host["variables"]["windows"] is (record["os_type"] == "WINDOWS")
        for field in ("id", "name", "ip", "state", "os_type", "connected", "migration_cycle"):
            assert host["variables"]["sms_" + field] == record[field], (name, field)
    groups = imported["groups"]
    assert set(groups["needs_attention"]["hosts"]) == set(r["name"] for r in stored.values() if r["state"] == "error")
    for state in set(r["state"] for r in stored.values()):
        expected = set(r["name"] if r["id"] != source_id else "10.77.0.1" for r in stored.values() if r["state"] == state)
        assert set(groups["state_" + state]["hosts"]) == expected
    assert not (tmp_path / "templated").exists()


def test_process_commands_reports_success_only_when_the_action_exits_0(emulator_factory, tmp_path):
    """A playbook whose logic reads a command's rc: before 2.19 a registered rc could reach the
    playbook as the text "0", and a healthy source was reported as failed."""
    emu = emulator_factory(sources=4, seed=11, states={"waiting": 1.0})
    ok_source, failing_source = [s for s in emu.store.list_sources() if s["connected"]][:2]
    for source in (ok_source, failing_source):
        emu.store.create_task({"name": "mig-" + source["name"], "type": "MIGRATE_FILE",
                               "source_server": {"id": source["id"]}, "auto_start": True})
    action = ["sh", "-c", 'test "$SMS_SOURCE_ID" != %s' % failing_source["id"]]
    run = run_playbook(os.path.join(REPO_ROOT, "playbooks", "process_commands.yml"), env=emulator_env(emu),
                       extra_vars={"sms_command_actions": {"START": action},
                                   "sms_command_journal": str(tmp_path / "journal.log"),
                                   "sms_command_source_ids": [ok_source["id"], failing_source["id"]]})
    assert run.rc == 0, run.output[-4000:]
    assert [(r["command_name"], r["result"]) for r in emu.store.command_results(ok_source["id"])] == [("START", "success")]
    assert [(r["command_name"], r["result"]) for r in emu.store.command_results(failing_source["id"])] == [("START", "fail")]


def test_inventory_credentials_from_a_lookup_and_a_vault(emulator_factory, tmp_path):
    emu = emulator_factory(sources=3, seed=2)
    password_file = tmp_path / "vault-password"
    password_file.write_text("correct horse\n")
    vaulted = subprocess.run([os.path.join(BIN_DIR, "ansible-vault"), "encrypt_string", "--vault-password-file",
                              str(password_file), "--name", "access_key", "--", emu.access_key],
                             env=base_env(), capture_output=True, text=True, timeout=120, check=True).stdout
    config = tmp_path / "creds.sms_sources.yml"
    config.write_text("plugin: hwcloud.sms.sms_sources\nsecret_key: \"{{ lookup('ansible.builtin.env', 'MY_SK') }}\"\n"
                      + vaulted)
    env = base_env(emulator_env(emu, HUAWEICLOUD_ACCESS_KEY=None, HUAWEICLOUD_SECRET_KEY=None))
    env["MY_SK"] = emu.secret_key
    process = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "-i", str(config), "--list",
                              "--vault-password-file", str(password_file)],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-4000:]
    assert len(json.loads(process.stdout)["_meta"]["hostvars"]) == 3
    assert emu.secret_key not in process.stdout + process.stderr


def test_inventory_accounts_with_vaulted_and_templated_keys_export_plainly(emulator_factory, tmp_path):
    # Two accounts with the same fleet (same seed): names and IDs collide across them.
    east = emulator_factory(sources=3, seed=5, random_credentials=True)
    west = emulator_factory(sources=3, seed=5, random_credentials=True)
    password_file = tmp_path / "vault-password"
    password_file.write_text("correct horse\n")
    vaulted = subprocess.run([os.path.join(BIN_DIR, "ansible-vault"), "encrypt_string", "--vault-password-file",
                              str(password_file), "--", west.secret_key],  # "--": a random key may start with "-"
                             env=base_env(), capture_output=True, text=True, timeout=120, check=True).stdout
    config = tmp_path / "program.sms_sources.yml"
    config.write_text(
        "plugin: hwcloud.sms.sms_sources\naccounts:\n"
        "  - name: east\n    endpoint: %s\n    project_id: %s\n    access_key: %s\n"
        "    secret_key: \"{{ lookup('ansible.builtin.env', 'EAST_SK') }}\"\n"
        "  - name: west\n    endpoint: %s\n    project_id: %s\n    access_key: %s\n    secret_key: %s\n"
        % (east.url, east.project_id, east.access_key, west.url, west.project_id, west.access_key,
           vaulted.strip().replace("\n", "\n  ")))
    env = base_env()
    env.update({"EAST_SK": east.secret_key, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
                "ANSIBLE_VERBOSE_TO_STDERR": "True"})
    process = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "-i", str(config), "--list", "--export",
                              "--vault-password-file", str(password_file)],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-4000:]
    imported = awx_import(json.loads(process.stdout), instance_id_var="sms_id")
    names = sorted(r["name"] for r in east.store.list_sources())
    assert sorted(imported["hosts"]) == sorted(names + [name + "_west" for name in names])
    for name in names:
        assert imported["hosts"][name]["variables"]["sms_account"] == "east"
        assert imported["hosts"][name + "_west"]["variables"]["sms_account"] == "west"
    assert sorted(imported["groups"]["account_west"]["hosts"]) == [name + "_west" for name in names]
    for emu in (east, west):
        assert emu.secret_key not in process.stdout + process.stderr
