# -*- coding: utf-8 -*-
"""`ansible-playbook --check` of every playbook of the collection sends no write request to SMS
(the emulator's request log holds only GETs; every SMS read is a GET), and a --check run of the
replicate phase (or all) does not wait for tasks that check mode never started."""

import glob
import json
import os
import sys
import time
import urllib.parse

import pytest

from sms_emulator import Emulator
from support.ansible import REPO_ROOT, emulator_env, run_playbook
from support.fleet import take_fresh_sources

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "fake_agent"))
import helpers  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")
TEMPLATE = {"name": "chk-web", "availability_zone": "ap-southeast-3a", "flavor": "s6.large.2", "volumetype": "SAS",
            "vpc": {"id": "autoCreate", "name": "vpc-chk", "cidr": "192.168.0.0/16"},
            "nics": [{"id": "autoCreate", "name": "subnet-chk", "cidr": "192.168.0.0/24"}],
            "security_groups": [{"id": "autoCreate", "name": "sg-chk"}]}
PROJECT = {"name": "chk", "type": "MIGRATE_BLOCK", "syncing": True, "speed_limit": 300}
# Long enough that a wait for tasks check mode never started would hit the subprocess timeout.
WAVE_TIMEOUT = 3600
# A run that waited for nothing, with room for a loaded machine; far below WAVE_TIMEOUT.
NO_WAIT_SECONDS = 600


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=16, seed=31, states="waiting=1", speedup=20000, auto_agent=True, agent_delay=1) as emulator:
        yield emulator


def _writes(emu):
    return [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]


def _wave(emu, tmp_path, plan, phase, check, **extra):
    extra_vars = {"wave_plan": plan, "wave_phase": phase, "wave_report_dir": str(tmp_path / "reports"),
                  "wave_poll_interval": 0.2, "wave_timeout": WAVE_TIMEOUT, "wave_cutover_timeout": WAVE_TIMEOUT,
                  "wave_cutover_approved": True, "wave_templates": [TEMPLATE], "wave_migprojects": [PROJECT]}
    extra_vars.update(extra)
    started = time.monotonic()
    run = run_playbook(os.path.join(PLAYBOOKS, "migrate_wave.yml"), env=emulator_env(emu, HUAWEICLOUD_REGION=emu.region),
                       extra_vars=extra_vars, check=check, timeout=900)
    return run, time.monotonic() - started


def _failures(run):
    return [(r["task"], r["result"].get("msg")) for r in run.results if r["result"].get("failed")] or run


def test_every_playbook_is_covered():
    names = sorted(os.path.basename(path) for path in glob.glob(os.path.join(PLAYBOOKS, "*.yml")))
    assert names == ["demo_fleet_summary.yml", "install_agents.yml", "migrate_wave.yml", "process_commands.yml",
                     "wave_cleanup.yml", "wave_status.yml"], "a new playbook needs its --check case here"


@pytest.mark.parametrize("phase", ["prepare", "all"])
def test_migrate_wave_check_on_a_new_plan_writes_nothing(emu, tmp_path, phase):
    sources = take_fresh_sources(emu, 3)
    plan = tmp_path / "chk.csv"
    plan.write_text("source,template,migproject,ok_to_cutover\n" + "".join(
        "%s,chk-web,chk,yes\n" % source["name"] for source in sources))
    emu.clear_request_log()
    run, seconds = _wave(emu, tmp_path, str(plan), phase, check=True)
    assert run.rc == 0, _failures(run)
    assert _writes(emu) == []
    assert [t for t in emu.store.list_templates({})[1] if t["name"] == "chk-web"] == []
    assert all(emu.store.get_source_record(s["id"])["current_task"] is None for s in sources)
    assert seconds < NO_WAIT_SECONDS, seconds
    assert not (tmp_path / "reports").exists()


def test_migrate_wave_check_of_prepared_tasks_neither_starts_nor_waits(emu, tmp_path):
    sources = take_fresh_sources(emu, 3)
    plan = tmp_path / "chk2.csv"
    plan.write_text("source,template_id,syncing,ok_to_cutover\n" + "".join(
        "%s,tmpl-chk,true,yes\n" % source["name"] for source in sources))
    prepared, _seconds = _wave(emu, tmp_path, str(plan), "prepare", check=False)
    assert prepared.rc == 0, _failures(prepared)
    for phase in ("replicate", "cutover", "all"):
        emu.clear_request_log()
        # No approval: --check launches nothing, so it needs none (and waits for no answer).
        run, seconds = _wave(emu, tmp_path, str(plan), phase, check=True, wave_cutover_approved=False)
        assert run.rc == 0, (phase, _failures(run))
        assert _writes(emu) == [], phase
        assert seconds < NO_WAIT_SECONDS, (phase, seconds)
        states = [emu.store.get_task(emu.store.get_source_record(s["id"])["current_task"]["id"])["state"] for s in sources]
        assert states == ["READY"] * 3, (phase, states)
        if phase != "replicate":
            # SMS would refuse a cut-over from READY: --check describes it instead of failing.
            msg = run.result("The cut-over under --check")["msg"]
            assert msg.startswith("--check: the cut-over would launch the targets of 3 server(s)"), msg
            assert msg.endswith(": line 2 (%s), line 3 (%s), line 4 (%s)" % tuple(s["name"] for s in sources)), msg


def test_the_other_playbooks_under_check_send_no_write(emulator_factory, tmp_path):
    emu = emulator_factory(sources=6, seed=5, states="finished=0.5,waiting=0.5")
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region)
    finished = [s for s in emu.store.list_sources() if s["state"] == "finished"]
    waiting = [s for s in emu.store.list_sources() if s["state"] == "waiting" and s["connected"]]
    assert finished and waiting
    emu.store.create_task({"name": "chk-pending", "type": "MIGRATE_FILE", "source_server": {"id": waiting[0]["id"]},
                           "auto_start": True})
    project = emu.store._load_source(finished[0]["id"])[2]  # pylint: disable=protected-access
    emu.clear_request_log()
    runs = {
        "wave_status": run_playbook(os.path.join(PLAYBOOKS, "wave_status.yml"), env=env, check=True,
                                    extra_vars={"sms_wave_report": str(tmp_path / "status.md")}),
        "wave_cleanup": run_playbook(os.path.join(PLAYBOOKS, "wave_cleanup.yml"), env=env, check=True, extra_vars={
            "wave_migproject": project, "wave_cleanup_apply": True, "wave_delete_tasks": True,
            "wave_delete_templates": True, "wave_remove_agents": False, "wave_cleanup_unverified": True}),
        "process_commands": run_playbook(os.path.join(PLAYBOOKS, "process_commands.yml"), env=env, check=True, extra_vars={
            "sms_command_actions": {"START": ["true"]}, "sms_command_journal": str(tmp_path / "journal.log")}),
        "demo_fleet_summary": run_playbook(os.path.join(PLAYBOOKS, "demo_fleet_summary.yml"), env=env, check=True),
    }
    for name, run in runs.items():
        assert run.rc == 0, (name, _failures(run))
    cleanup = runs["wave_cleanup"].result("Show what is removed")["wave_cleanup_plan"]
    assert cleanup["tasks_to_delete"], cleanup  # there was something to remove, and nothing was
    assert _writes(emu) == []
    assert all(emu.store.get_task(s["current_task"]["id"]) is not None for s in finished)
    assert not (tmp_path / "status.md").exists() and not (tmp_path / "journal.log").exists()


def test_install_agents_under_check_sends_no_write(emulator_factory, tmp_path):
    emulator = emulator_factory(random_credentials=True)
    package = helpers.build_package(str(tmp_path))
    root = tmp_path / "hosts"
    (root / "units").mkdir(parents=True)
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "agent_install_dir": str(root / "chk-1"), "agent_source_ip": "10.93.0.1", "agent_source_name": "chk-1",
            "agent_service_name": "sms-agent-chk-1", "agent_systemd_unit_dir": str(root / "units"),
            "agent_startup_environment": {"SMS_STANDIN_IP": "10.93.0.1", "SMS_STANDIN_NAME": "chk-1"}}
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"sms_wave": {"hosts": {"chk-1": host}}}))
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({
        "agent_access_key": emulator.access_key, "agent_secret_key": emulator.secret_key,
        "agent_sms_domain": urllib.parse.urlsplit(emulator.url).netloc, "agent_api_endpoint": emulator.url,
        "agent_api_project_id": emulator.project_id, "agent_package_src": package,
        "agent_registration_timeout": 30, "agent_registration_delay": 1}))
    emulator.clear_request_log()
    try:
        run = run_playbook(os.path.join(PLAYBOOKS, "install_agents.yml"), env=dict(helpers.CALLBACK_ENV), check=True,
                           inventory=str(inventory), extra_args=["-e", "@" + str(secrets)], timeout=300)
    finally:
        helpers.kill_agents(str(root))
    assert run.rc == 0, _failures(run)
    assert _writes(emulator) == []
    assert emulator.store.list_sources() == []
    assert not (root / "chk-1").exists()
