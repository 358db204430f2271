# -*- coding: utf-8 -*-
"""The hwcloud.sms.agent role against the emulator, with the stand-in agent package.

Every "host" is a local connection with its own install root, IP and name, so several
agents run side by side on this machine and register with the emulator as different
source servers. systemd does not run here: the unit file is installed for real and its
ExecStart is run by hand to prove a boot start needs no secrets.

To keep the module fast, one emulator and one site serve every test: a single -vvvv run installs
the hosts that tests need installed (each test then works on its own host), and a single run
holds the failures (wrong key, preflight, registration timeout, bad checksum), each on its own
host with its own variables. Everything Ansible and the agents write stays under the module's
temporary directory.
"""

import base64
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse

import pytest

from sms_emulator import Emulator
from support.ansible import run_playbook

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "fake_agent"))
import helpers  # noqa: E402  pylint: disable=wrong-import-position

# Installed by the shared run; each test that changes a host has its own.
INSTALLED = {"src-a": "10.91.0.11", "src-b": "10.91.0.12", "src-c": "10.91.0.13", "chk": "10.91.0.14",
             "chg": "10.91.0.15", "gone": "10.91.0.16", "boot": "10.91.0.17", "stop": "10.91.0.18",
             "rotate": "10.91.0.19"}
# Never installed by the shared run.
FRESH = {"new": "10.91.1.11", "bad-key": "10.91.1.12", "small": "10.91.1.13", "lost": "10.91.1.14",
         "bad-sum": "10.91.1.15", "sk-only": "10.91.1.16"}
WRONG_SECRET = "Wr0ngSecretKeyThatMustNeverBeShown0123456789"
# Per-host variables of the shared failure run.
FAILURES = {
    "bad-key": {"agent_secret_key": WRONG_SECRET},
    "small": {"agent_min_free_mb": 10 ** 12, "agent_clock_tolerance": -1, "agent_install_rsync": False},
    "lost": {"agent_source_ip": "10.91.9.99", "agent_registration_timeout": 2, "agent_registration_delay": 1},
    "bad-sum": {"agent_package_sha256": "0" * 64},
}

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


class Site:
    """The emulator, the stand-in package, the inventory and how to run the role on it."""

    def __init__(self, root, emulator):
        self.emulator = emulator
        self.root = os.path.join(root, "hosts")
        os.makedirs(os.path.join(self.root, "units"))  # stands for /etc/systemd/system
        package = helpers.build_package(root)
        self.hosts = {}
        for name, ip in sorted(dict(INSTALLED, **FRESH).items()):
            self.hosts[name] = dict({
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "agent_install_dir": os.path.join(self.root, name),
                "agent_source_ip": ip,
                "agent_source_name": name,
                "agent_service_name": "sms-agent-" + name,
                "agent_systemd_unit_dir": os.path.join(self.root, "units"),
                "agent_startup_environment": {"SMS_STANDIN_IP": ip, "SMS_STANDIN_NAME": name},
            }, **FAILURES.get(name, {}))
        # Shared settings are group variables, so a host's own value (FAILURES) wins.
        self.settings = {
            "agent_access_key": emulator.access_key,
            "agent_secret_key": emulator.secret_key,
            "agent_sms_domain": urllib.parse.urlsplit(emulator.url).netloc,
            "agent_api_endpoint": emulator.url,
            "agent_api_project_id": emulator.project_id,
            "agent_package_src": package,
            "agent_registration_timeout": 60,
            "agent_registration_delay": 1,
            "agent_clock_tolerance": 300,
        }
        self.inventory = os.path.join(root, "inventory.json")
        with open(self.inventory, "w") as handle:
            json.dump({"sms_wave": {"hosts": self.hosts, "vars": self.settings}}, handle)
        os.chmod(self.inventory, 0o600)
        self.env = dict(helpers.CALLBACK_ENV, **helpers.private_env(root))
        stub = helpers.rsync_path_dir(root)
        if stub:
            self.env["PATH"] = stub + os.pathsep + os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]

    def run(self, limit, extra_vars=None, check=False, verbosity=0, env=None):
        args = ["--limit", ",".join(limit) if isinstance(limit, (list, tuple)) else limit,
                "--forks", str(len(self.hosts))]
        return run_playbook(ROLE_PLAYBOOK, env=dict(self.env, **(env or {})), check=check, inventory=self.inventory,
                            verbosity=verbosity, extra_args=args, extra_vars=extra_vars, timeout=300)

    def agent_dir(self, host):
        return os.path.join(self.hosts[host]["agent_install_dir"], "SMS-Agent")

    def unit_path(self, host):
        return os.path.join(self.hosts[host]["agent_systemd_unit_dir"], "sms-agent-%s.service" % host)

    def marker(self, host):
        with open(os.path.join(self.agent_dir(host), ".ansible", "config.sha256")) as handle:
            return handle.read()

    def registered(self, host):
        return [s for s in self.emulator.store.list_sources(ip=self.hosts[host]["agent_source_ip"]) if s["name"] == host]

    def pids(self, host):
        return helpers.linuxmain_pids(self.agent_dir(host))

    def files_with_secret(self, secret):
        # The agent keeps its own saved configuration (as the real one does); nothing else may hold the key.
        # The inventory is the test's input (what a vault would hold).
        return helpers.files_containing(os.path.dirname(self.root), secret, skip=("saved.json", "inventory.json"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("agent-role"))
    emulator = Emulator(random_credentials=True).start()
    built = Site(root, emulator)
    try:
        yield built
    finally:
        helpers.kill_agents(built.root)
        emulator.stop()


@pytest.fixture(scope="module")
def installed(site):
    """One -vvvv run that installs every INSTALLED host (a good run for the secret checks too)."""
    run = site.run(sorted(INSTALLED), verbosity=4)
    assert run.rc == 0, helpers.failures(run)
    return run


@pytest.fixture(scope="module")
def failures(site):
    """One -vvvv run of the hosts that must fail, each for its own reason."""
    return site.run(sorted(FAILURES), verbosity=4)


@pytest.fixture(scope="module")
def second_pass(site, installed):
    """One more run on hosts that must come out unchanged or restarted: src-a..c untouched, "boot"
    after a reboot (its agent killed and started by the unit's ExecStart, as systemd would), "stop"
    with its agent killed."""
    state = {"pids": dict((host, site.pids(host)) for host in ("src-a", "src-b", "src-c")),
             "boot_source_id": site.registered("boot")[0]["id"]}
    helpers.kill_agents(site.agent_dir("boot"))           # the "reboot"
    assert helpers.wait_for(lambda: not site.pids("boot"), timeout=10)
    state["boot"] = helpers.run_unit_exec_start(site.unit_path("boot"))
    state["boot_pids"] = site.pids("boot")
    state["boot_sources"] = [s["id"] for s in site.registered("boot")]
    helpers.kill_agents(site.agent_dir("stop"))
    assert helpers.wait_for(lambda: not site.pids("stop"), timeout=10)
    state["run"] = site.run(["src-a", "src-b", "src-c", "boot", "stop"])
    return state


def test_install_registers_every_host_sets_facts_and_is_idempotent(site, installed, second_pass):
    stats = helpers.play_stats(installed)
    for host in INSTALLED:
        assert stats[host]["failures"] == 0 and stats[host]["changed"] > 0
        records = site.registered(host)
        assert len(records) == 1, records
        assert records[0]["connected"] is True
        facts = installed.result("Show the facts", host=host)["msg"]
        assert facts["sms_source_id"] == records[0]["id"]
        assert facts["record_ip"] == INSTALLED[host]
        directory = site.agent_dir(host)
        assert os.path.isfile(os.path.join(directory, "agent", "Logs", "startup.log"))
        marker_path = os.path.join(directory, ".ansible", "config.sha256")
        assert helpers.file_mode(marker_path) == 0o600
        with open(site.unit_path(host)) as handle:
            unit = handle.read()
        assert "ExecStart=/bin/sh -c 'exec ./startup.sh < %s/.ansible/boot.answers'" % directory in unit
        assert "SMS_STANDIN_IP=%s" % INSTALLED[host] in unit
        with open(os.path.join(directory, ".ansible", "boot.answers")) as handle:
            boot_answers = handle.read()
        assert site.emulator.secret_key not in boot_answers and site.emulator.access_key not in boot_answers
    # One registration listing for the whole batch, and the hosts' salts differ.
    waits = [r for r in installed.results if r["task"].endswith("Wait until SMS lists every host of this batch as a connected source server")]
    assert len([r for r in waits if not r["result"].get("skipped")]) == 1, waits
    assert len(set(site.marker(host).split()[0] for host in INSTALLED)) == len(INSTALLED)
    # The answers never lay in a file: no file Ansible or the role wrote holds the secret key.
    assert site.files_with_secret(site.emulator.secret_key) == []
    assert site.files_with_secret(site.emulator.access_key) == []

    second = second_pass["run"]
    assert second.rc == 0, helpers.failures(second)
    stats = helpers.play_stats(second)
    for host in ("src-a", "src-b", "src-c"):
        assert len(second_pass["pids"][host]) == 1
        assert stats[host]["changed"] == 0, (host, second)
        assert site.pids(host) == second_pass["pids"][host]
        assert second.result("Show the facts", host=host)["msg"]["sms_source_id"] == site.registered(host)[0]["id"]


def test_secret_never_in_verbose_output_of_a_good_run(site, installed):
    assert site.emulator.secret_key not in installed.output
    assert "startup.sh" in installed.output  # the -vvvv output is there, just without the key


def test_marker_holds_no_key_and_a_new_secret_key_is_applied(site, installed):
    host = "rotate"
    old_secret = site.emulator.secret_key
    marker = site.marker(host)
    salt, checksum = marker.split()
    assert len(salt) == 32 and len(checksum) == 64
    for secret in (old_secret, site.emulator.access_key):
        assert secret not in marker
    assert helpers.files_containing(site.agent_dir(host) + "/.ansible", old_secret) == []
    assert hashlib.sha256(old_secret.encode()).hexdigest() not in marker
    before = site.pids(host)

    new_secret = "R0tatedSecretKey" + old_secret[16:]
    site.emulator.add_user(site.emulator.access_key, new_secret)  # the account's SK was rotated
    remote_tmp = site.env["ANSIBLE_REMOTE_TMP"]
    seen = {"files": set(), "with_secret": set()}
    done = threading.Event()

    def watch():
        # Without pipelining Ansible writes each task's module with its arguments under the remote
        # tmp dir; the role's secret task must still never be there, even while it runs.
        while not done.is_set():
            for directory, _dirs, names in os.walk(remote_tmp):
                for name in names:
                    path = os.path.join(directory, name)
                    seen["files"].add(path)
                    try:
                        with open(path, "rb") as handle:
                            if new_secret.encode() in handle.read():
                                seen["with_secret"].add(path)
                    except OSError:
                        pass
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        try:
            rotated = site.run(host, extra_vars={"agent_secret_key": new_secret}, env={"ANSIBLE_PIPELINING": "False"})
        finally:
            done.set()
            watcher.join()
        assert rotated.rc == 0, helpers.failures(rotated)
        assert seen["files"], "the watcher saw no module file at all"
        assert seen["with_secret"] == set()
        assert helpers.task_result(rotated, "Run startup.sh with the answers on its standard input", host)["changed"] is True
        assert site.pids(host) != before and len(site.pids(host)) == 1
        new_marker = site.marker(host)
        assert new_marker.split()[0] == salt and new_marker != marker and new_secret not in new_marker
        again = site.run(host, extra_vars={"agent_secret_key": new_secret})
        assert helpers.play_stats(again)[host]["changed"] == 0, helpers.failures(again)
    finally:
        site.emulator.add_user(site.emulator.access_key, old_secret)
        helpers.kill_agents(site.agent_dir(host))


def _saved_config(site, host):
    with open(os.path.join(site.agent_dir(host), "agent", "config", "saved.json")) as handle:
        return json.load(handle)


def test_a_changed_secret_key_alone_reaches_the_agent(site):
    """Only the SK changes (same AK): the agent stores the new SK, and what it signs from then on
    SMS verifies with the new SK (the emulator no longer knows the old one)."""
    host = "sk-only"
    old_secret = site.emulator.secret_key
    new_secret = "Typ0FixedSecretKey" + old_secret[18:]
    try:
        first = site.run(host)
        assert first.rc == 0, helpers.failures(first)
        assert _saved_config(site, host)["sk"] == old_secret
        source_id = site.registered(host)[0]["id"]
        before = site.pids(host)

        site.emulator.add_user(site.emulator.access_key, new_secret)  # the old SK stops working
        site.emulator.clear_request_log()
        changed = site.run(host, extra_vars={"agent_secret_key": new_secret})
        assert changed.rc == 0, helpers.failures(changed)
        assert helpers.play_stats(changed)[host]["changed"] > 0
        config = _saved_config(site, host)
        assert config["sk"] == new_secret and config["ak"] == site.emulator.access_key
        after = site.pids(host)
        assert len(after) == 1 and after != before
        # The running agent polls with the new SK: SMS accepts its signed requests.
        poll_path = "/v3/sources/%s/command" % source_id
        assert helpers.wait_for(lambda: [e for e in site.emulator.request_log()
                                         if e["path"] == poll_path and e["status"] == 200], timeout=20)
        time.sleep(1.5)  # a few more polls of the new agent
        polls = [e for e in site.emulator.request_log() if e["path"] == poll_path]
        assert [e["status"] for e in polls[-2:]] == [200, 200], polls[-4:]
        again = site.run(host, extra_vars={"agent_secret_key": new_secret})
        assert helpers.play_stats(again)[host]["changed"] == 0, helpers.failures(again)
        assert site.pids(host) == after
    finally:
        site.emulator.add_user(site.emulator.access_key, old_secret)
        helpers.kill_agents(site.agent_dir(host))


def test_check_mode_changes_nothing(site, installed):
    fresh = site.run("new", check=True)
    assert fresh.rc == 0, helpers.failures(fresh)
    assert not os.path.exists(site.hosts["new"]["agent_install_dir"])
    assert not os.path.exists(site.unit_path("new"))
    assert site.registered("new") == []

    host = "chk"
    pids = site.pids(host)
    marker = site.marker(host)
    # A changed enterprise project in check mode: reported, not done.
    checked = site.run(host, check=True, extra_vars={"agent_enterprise_project": "ep-2"})
    assert checked.rc == 0, helpers.failures(checked)
    assert helpers.play_stats(checked)[host]["changed"] > 0
    assert site.pids(host) == pids
    assert site.marker(host) == marker
    absent = site.run(host, check=True, extra_vars={"agent_state": "absent"})
    assert absent.rc == 0, helpers.failures(absent)
    assert site.pids(host) == pids
    assert os.path.exists(site.unit_path(host))


def test_changed_configuration_reruns_startup(site, installed):
    host = "chg"
    before = site.pids(host)
    changed = site.run(host, extra_vars={"agent_enterprise_project": "ep-2"})
    assert changed.rc == 0, helpers.failures(changed)
    after = site.pids(host)
    assert len(after) == 1 and after != before
    # Same source server (the emulator de-duplicates by MAC), still connected.
    records = site.registered(host)
    assert len(records) == 1 and records[0]["connected"] is True
    assert site.files_with_secret(site.emulator.secret_key) == []
    again = site.run(host, extra_vars={"agent_enterprise_project": "ep-2"})
    assert helpers.play_stats(again)[host]["changed"] == 0


def test_absent_removes_process_directory_and_unit(site, installed):
    host = "gone"
    assert site.pids(host)
    removed = site.run(host, extra_vars={"agent_state": "absent"})
    assert removed.rc == 0, helpers.failures(removed)
    assert helpers.wait_for(lambda: not site.pids(host), timeout=10)
    assert not os.path.exists(site.agent_dir(host))
    assert not os.path.exists(os.path.join(site.hosts[host]["agent_install_dir"], "SMS-Agent.tar.gz"))
    assert not os.path.exists(site.unit_path(host))
    again = site.run(host, extra_vars={"agent_state": "absent"})
    assert again.rc == 0
    assert all(host_stats["changed"] == 0 for host_stats in helpers.play_stats(again).values())


def test_unit_start_after_reboot_needs_no_secret(site, second_pass):
    boot = second_pass["boot"]
    assert boot.returncode == 0, boot.stdout + boot.stderr
    assert site.emulator.secret_key not in boot.stdout + boot.stderr
    assert len(second_pass["boot_pids"]) == 1
    assert second_pass["boot_sources"] == [second_pass["boot_source_id"]]
    rerun = second_pass["run"]
    assert helpers.play_stats(rerun)["boot"]["changed"] == 0, helpers.failures(rerun)
    assert site.pids("boot") == second_pass["boot_pids"]


def test_role_restarts_a_stopped_agent_without_startup_secrets(site, second_pass):
    run = second_pass["run"]
    assert run.rc == 0, helpers.failures(run)
    assert helpers.task_result(run, "Start the agent with startup.sh and the unattended answers", "stop")["changed"] is True
    assert len(site.pids("stop")) == 1


def test_wrong_secret_key_fails_clearly_without_leaking_any_form_of_the_keys(site, failures):
    host = "bad-key"
    assert failures.rc != 0
    message = helpers.task_result(failures, "Fail when startup.sh failed or linuxmain does not run", host)["msg"]
    assert "SMS.0202" in message and "startup.sh failed on bad-key" in message
    assert "********" in message
    access_key = site.emulator.access_key
    forms = [WRONG_SECRET, WRONG_SECRET[:12], WRONG_SECRET[:20], WRONG_SECRET[20:], WRONG_SECRET.lower(),
             base64.b64encode(WRONG_SECRET.encode()).decode()]
    for form in forms:
        assert form not in failures.output, form
    # The access key identifies (modules show it at -vvvv); the agent's echo of it is still masked.
    for form in (access_key, access_key.lower()):
        assert form not in message, form
    # The stand-in did print them: the mask, not silence, keeps them out.
    for masked in ("Rejected credentials: ******** ********", "Signed request dump: ********",
                   "Key as entered: ********", "******** (continued)"):
        assert masked in message, message
    assert site.emulator.secret_key not in failures.output
    assert site.files_with_secret(WRONG_SECRET) == []
    assert site.registered(host) == []
    assert site.pids(host) == []


def test_preflight_names_every_unmet_requirement(site, failures):
    message = helpers.task_result(failures, "Fail on unmet requirements", "small")["msg"]
    assert "agent_min_free_mb" in message
    assert "agent_clock_tolerance" in message
    assert "rsync" not in message or "agent_install_rsync is false" in message
    assert not os.path.exists(site.agent_dir("small"))


def test_registration_timeout_names_host_and_last_state(site, failures):
    message = helpers.task_result(failures, "Fail when the host did not register in time", "lost")["msg"]
    assert "lost did not appear as a connected SMS source server within 2 s" in message
    assert "ip=10.91.9.99" in message and "not listed" in message


def test_bad_package_checksum_is_refused(site, failures):
    assert "expected" in helpers.task_result(failures, "Verify the agent package checksum", "bad-sum")["msg"]
    assert not os.path.exists(site.agent_dir("bad-sum"))
