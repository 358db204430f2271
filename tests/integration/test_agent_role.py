# -*- coding: utf-8 -*-
"""The hwcloud.sms.agent role against the emulator, with the stand-in agent package.

Every "host" is a local connection with its own install root, IP and name, so several
agents run side by side on this machine and register with the emulator as different
source servers. systemd does not run here: the unit file is installed for real and its
ExecStart is run by hand to prove a boot start needs no secrets.
"""

import json
import os
import sys
import urllib.parse

import pytest

from support.ansible import run_playbook

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "fake_agent"))
import helpers  # noqa: E402  pylint: disable=wrong-import-position

HOSTS = {"src-a": "10.91.0.11", "src-b": "10.91.0.12", "src-c": "10.91.0.13"}

ROLE_PLAYBOOK = """
- name: Apply hwcloud.sms.agent
  hosts: sms_wave
  gather_facts: false
  roles:
    - hwcloud.sms.agent
  post_tasks:
    - name: Show the facts
      ansible.builtin.debug:
        msg:
          sms_source_id: "{{ sms_source_id | default('') }}"
          record_ip: "{{ agent_source_record.ip | default('') }}"
"""


@pytest.fixture
def agent_site(tmp_path, emulator_factory):
    """An emulator, the stand-in package and a 3-host inventory with per-host install roots."""
    emulator = emulator_factory(random_credentials=True)
    package = helpers.build_package(str(tmp_path))
    root = tmp_path / "hosts"
    (root / "units").mkdir(parents=True)  # stands for /etc/systemd/system, which always exists
    hosts = {}
    for name, ip in HOSTS.items():
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "agent_install_dir": str(root / name),
            "agent_source_ip": ip,
            "agent_source_name": name,
            "agent_service_name": "sms-agent-" + name,
            "agent_systemd_unit_dir": str(root / "units"),
            "agent_startup_environment": {"SMS_STANDIN_IP": ip, "SMS_STANDIN_NAME": name},
        }
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"sms_wave": {"hosts": hosts}}))
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({
        "agent_access_key": emulator.access_key,
        "agent_secret_key": emulator.secret_key,
        "agent_sms_domain": urllib.parse.urlsplit(emulator.url).netloc,
        "agent_api_endpoint": emulator.url,
        "agent_api_project_id": emulator.project_id,
        "agent_package_src": package,
        "agent_registration_timeout": 60,
        "agent_registration_delay": 1,
        "agent_clock_tolerance": 300,
    }))
    os.chmod(secrets, 0o600)
    env = dict(helpers.CALLBACK_ENV)
    stub = helpers.rsync_path_dir(str(tmp_path))
    if stub:
        env["PATH"] = stub + os.pathsep + os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]

    class Site:
        pass

    site = Site()
    site.emulator, site.root, site.hosts, site.env = emulator, str(root), hosts, env
    site.inventory, site.secrets = str(inventory), str(secrets)

    def run(extra_vars=None, check=False, verbosity=0, limit=None, playbook=ROLE_PLAYBOOK):
        # The per-test variables come after the shared file so they win over it.
        args = ["-e", "@" + str(secrets)] + (["-e", json.dumps(extra_vars)] if extra_vars else [])
        if limit:
            args += ["--limit", limit]
        return run_playbook(playbook, env=env, check=check, inventory=str(inventory),
                            verbosity=verbosity, extra_args=args, timeout=300)

    site.run = run
    try:
        yield site
    finally:
        helpers.kill_agents(str(root))


def agent_dir(site, host):
    return os.path.join(site.hosts[host]["agent_install_dir"], "SMS-Agent")


def unit_path(site, host):
    return os.path.join(site.hosts[host]["agent_systemd_unit_dir"], "sms-agent-%s.service" % host)


def registered(site, host):
    return [s for s in site.emulator.store.list_sources(ip=HOSTS[host]) if s["name"] == host]


def test_install_registers_every_host_sets_facts_and_is_idempotent(agent_site):
    first = agent_site.run()
    assert first.rc == 0, helpers.failures(first)
    stats = helpers.play_stats(first)
    for host in HOSTS:
        assert stats[host]["failures"] == 0 and stats[host]["changed"] > 0
        records = registered(agent_site, host)
        assert len(records) == 1, records
        assert records[0]["connected"] is True
        facts = first.result("Show the facts", host=host)["msg"]
        assert facts["sms_source_id"] == records[0]["id"]
        assert facts["record_ip"] == HOSTS[host]
        directory = agent_dir(agent_site, host)
        assert len(helpers.linuxmain_pids(directory)) == 1
        assert os.path.isfile(os.path.join(directory, "agent", "Logs", "startup.log"))
        marker = os.path.join(directory, ".ansible", "config.sha256")
        assert helpers.file_mode(marker) == 0o600
        with open(marker) as handle:
            assert agent_site.emulator.access_key not in handle.read()
        with open(unit_path(agent_site, host)) as handle:
            unit = handle.read()
        assert "ExecStart=/bin/sh -c 'exec ./startup.sh < %s/.ansible/boot.answers'" % directory in unit
        assert "SMS_STANDIN_IP=%s" % HOSTS[host] in unit
        with open(os.path.join(directory, ".ansible", "boot.answers")) as handle:
            boot_answers = handle.read()
        assert agent_site.emulator.secret_key not in boot_answers and agent_site.emulator.access_key not in boot_answers
    # The emulator sees each agent poll for commands after registration.
    assert len(agent_site.emulator.store.list_sources()) == len(HOSTS)
    assert helpers.leftover_answer_files() == []

    pids = {host: helpers.linuxmain_pids(agent_dir(agent_site, host)) for host in HOSTS}
    second = agent_site.run()
    assert second.rc == 0, helpers.failures(second)
    for host, host_stats in helpers.play_stats(second).items():
        assert host_stats["changed"] == 0, (host, second)
        assert helpers.linuxmain_pids(agent_dir(agent_site, host)) == pids[host]
        assert second.result("Show the facts", host=host)["msg"]["sms_source_id"] == registered(agent_site, host)[0]["id"]


def test_check_mode_changes_nothing(agent_site):
    fresh = agent_site.run(check=True, limit="src-a")
    assert fresh.rc == 0, fresh
    assert not os.path.exists(agent_site.hosts["src-a"]["agent_install_dir"])
    assert not os.path.exists(unit_path(agent_site, "src-a"))
    assert agent_site.emulator.store.list_sources() == []

    assert agent_site.run(limit="src-a").rc == 0
    pids = helpers.linuxmain_pids(agent_dir(agent_site, "src-a"))
    with open(os.path.join(agent_dir(agent_site, "src-a"), ".ansible", "config.sha256")) as handle:
        marker = handle.read()
    # A changed enterprise project in check mode: reported, not done.
    checked = agent_site.run(check=True, limit="src-a", extra_vars={"agent_enterprise_project": "ep-2"})
    assert checked.rc == 0, checked
    assert helpers.play_stats(checked)["src-a"]["changed"] > 0
    assert helpers.linuxmain_pids(agent_dir(agent_site, "src-a")) == pids
    with open(os.path.join(agent_dir(agent_site, "src-a"), ".ansible", "config.sha256")) as handle:
        assert handle.read() == marker
    absent = agent_site.run(check=True, limit="src-a", extra_vars={"agent_state": "absent"})
    assert absent.rc == 0, absent
    assert helpers.linuxmain_pids(agent_dir(agent_site, "src-a")) == pids
    assert os.path.exists(unit_path(agent_site, "src-a"))


def test_changed_configuration_reruns_startup(agent_site):
    assert agent_site.run(limit="src-b").rc == 0
    before = helpers.linuxmain_pids(agent_dir(agent_site, "src-b"))
    changed = agent_site.run(limit="src-b", extra_vars={"agent_enterprise_project": "ep-2"})
    assert changed.rc == 0, changed
    after = helpers.linuxmain_pids(agent_dir(agent_site, "src-b"))
    assert len(after) == 1 and after != before
    # Same source server (the emulator de-duplicates by MAC), still connected.
    records = registered(agent_site, "src-b")
    assert len(records) == 1 and records[0]["connected"] is True
    assert helpers.leftover_answer_files() == []
    assert helpers.play_stats(agent_site.run(limit="src-b", extra_vars={"agent_enterprise_project": "ep-2"}))["src-b"]["changed"] == 0


def test_absent_removes_process_directory_and_unit(agent_site):
    assert agent_site.run().rc == 0
    removed = agent_site.run(extra_vars={"agent_state": "absent"})
    assert removed.rc == 0, removed
    for host in HOSTS:
        assert helpers.wait_for(lambda host=host: not helpers.linuxmain_pids(agent_dir(agent_site, host)), timeout=10)
        assert not os.path.exists(agent_dir(agent_site, host))
        assert not os.path.exists(os.path.join(agent_site.hosts[host]["agent_install_dir"], "SMS-Agent.tar.gz"))
        assert not os.path.exists(unit_path(agent_site, host))
    again = agent_site.run(extra_vars={"agent_state": "absent"})
    assert again.rc == 0
    assert all(host_stats["changed"] == 0 for host_stats in helpers.play_stats(again).values())


def test_wrong_secret_key_fails_clearly_without_leaking(agent_site):
    wrong_secret = "Wr0ngSecretKeyThatMustNeverBeShown0123456789"
    run = agent_site.run(limit="src-c", extra_vars={"agent_secret_key": wrong_secret}, verbosity=4)
    assert run.rc != 0
    assert "SMS.0202" in run.output and "startup.sh failed on src-c" in run.output
    assert wrong_secret not in run.output
    assert agent_site.emulator.secret_key not in run.output
    assert helpers.leftover_answer_files() == []
    assert registered(agent_site, "src-c") == []
    assert helpers.linuxmain_pids(agent_dir(agent_site, "src-c")) == []


def test_secret_never_in_verbose_output_of_a_good_run(agent_site):
    run = agent_site.run(limit="src-a", verbosity=4)
    assert run.rc == 0, run
    assert agent_site.emulator.secret_key not in run.output
    assert registered(agent_site, "src-a")


def test_unit_start_after_reboot_needs_no_secret(agent_site):
    assert agent_site.run(limit="src-a").rc == 0
    directory = agent_dir(agent_site, "src-a")
    source_id = registered(agent_site, "src-a")[0]["id"]
    helpers.kill_agents(directory)           # the "reboot"
    assert helpers.wait_for(lambda: not helpers.linuxmain_pids(directory), timeout=10)
    boot = helpers.run_unit_exec_start(unit_path(agent_site, "src-a"))
    assert boot.returncode == 0, boot.stdout + boot.stderr
    assert agent_site.emulator.secret_key not in boot.stdout + boot.stderr
    assert len(helpers.linuxmain_pids(directory)) == 1
    assert [s["id"] for s in registered(agent_site, "src-a")] == [source_id]
    rerun = agent_site.run(limit="src-a")
    assert helpers.play_stats(rerun)["src-a"]["changed"] == 0, rerun


def test_role_restarts_a_stopped_agent_without_startup_secrets(agent_site):
    assert agent_site.run(limit="src-b").rc == 0
    directory = agent_dir(agent_site, "src-b")
    helpers.kill_agents(directory)
    assert helpers.wait_for(lambda: not helpers.linuxmain_pids(directory), timeout=10)
    run = agent_site.run(limit="src-b")
    assert run.rc == 0, run
    assert helpers.task_result(run, "Start the agent with startup.sh and the unattended answers", "src-b")["changed"] is True
    assert len(helpers.linuxmain_pids(directory)) == 1


def test_preflight_names_every_unmet_requirement(agent_site):
    run = agent_site.run(limit="src-a", extra_vars={
        "agent_min_free_mb": 10 ** 12, "agent_clock_tolerance": -1, "agent_install_rsync": False},
        playbook=ROLE_PLAYBOOK)
    assert run.rc != 0
    message = helpers.task_result(run, "Fail on unmet requirements", "src-a")["msg"]
    assert "agent_min_free_mb" in message
    assert "agent_clock_tolerance" in message
    assert not os.path.exists(agent_dir(agent_site, "src-a"))


def test_registration_timeout_names_host_and_last_state(agent_site):
    run = agent_site.run(limit="src-a", extra_vars={
        "agent_source_ip": "10.91.9.99", "agent_registration_timeout": 2, "agent_registration_delay": 1})
    assert run.rc != 0
    message = helpers.task_result(run, "Fail when the host did not register in time", "src-a")["msg"]
    assert "src-a did not appear as a connected SMS source server within 2 s" in message
    assert "ip=10.91.9.99" in message and "not listed" in message


def test_bad_package_checksum_is_refused(agent_site):
    run = agent_site.run(limit="src-a", extra_vars={"agent_package_sha256": "0" * 64})
    assert run.rc != 0
    assert "expected" in helpers.task_result(run, "Verify the agent package checksum", "src-a")["msg"]
    assert not os.path.exists(agent_dir(agent_site, "src-a"))
