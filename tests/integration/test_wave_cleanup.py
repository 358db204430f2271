# -*- coding: utf-8 -*-
"""playbooks/wave_cleanup.yml against the emulator: a dry run lists what it would remove and changes
nothing; applied, it clears snapshots, deletes the finished tasks and their template, and removes the
agents (hwcloud.sms.agent, agent_state=absent) of finished source machines only; a template that a task
left alone still uses is kept; a server whose verification did not pass is held back."""

import json
import os
import sys

from support.ansible import REPO_ROOT, emulator_env, run_playbook
from support.emulator_client import LINUX_BODY, SignedClient

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "wave_cleanup.yml")


def _site(tmp_path, emu):
    """One local 'host' per source server, each with an installed (not running) agent directory."""
    hosts = {}
    for source in emu.store.list_sources():
        root = tmp_path / "hosts" / source["id"]
        (root / "SMS-Agent").mkdir(parents=True)
        (root / "SMS-Agent" / "agent.cfg").write_text("installed")
        hosts["machine-%s" % source["id"][:8]] = {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "agent_source_name": source["name"], "agent_install_dir": str(root),
            "agent_systemd_unit_dir": str(tmp_path / "units"), "agent_service_name": "sms-agent-" + source["id"][:8]}
    (tmp_path / "units").mkdir()
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"sms_wave": {"hosts": hosts}}))
    return str(inventory)


def _agent_dir(tmp_path, source_id):
    return tmp_path / "hosts" / source_id / "SMS-Agent"


def test_dry_run_then_apply(tmp_path, emulator_factory):
    emu = emulator_factory(sources=4, seed=5, states="finished=0.5,waiting=0.5")
    sources = emu.store.list_sources()
    finished = [s for s in sources if s["state"] == "finished"]
    waiting = [s for s in sources if s["state"] == "waiting"]
    assert finished and waiting
    template_id = emu.store.create_template({"template": {"name": "wave-web", "is_template": True}})
    kept_template = emu.store.create_template({"template": {"name": "other-wave"}})
    # Used by a finished task and by the task of a source left alone (not finished): must stay.
    shared_template = emu.store.create_template({"template": {"name": "wave-shared", "is_template": True}})
    assert len(finished) >= 2
    with emu.store._write() as conn:  # pylint: disable=protected-access
        for index, source in enumerate(finished):
            task = emu.store._load_task(source["current_task"]["id"], conn)  # pylint: disable=protected-access
            task["vm_template_id"] = shared_template if index == 0 else template_id
            emu.store._save_task(conn, task)  # pylint: disable=protected-access
    for source in finished:  # the source's current_task (TaskByServerSources) carries the template too
        template = emu.store.get_task(source["current_task"]["id"])["vm_template_id"]
        emu.store.update_source(source["id"], lambda record, t=template: record["current_task"].update(vm_template_id=t))
    unfinished_task = emu.store.create_task({"name": "left-alone", "type": "MIGRATE_FILE", "source_server": {"id": waiting[0]["id"]},
                                             "target_server": {}, "vm_template_id": shared_template})
    inventory = _site(tmp_path, emu)
    env = emulator_env(emu)
    # Verified or not: the gate has its own test below.
    wave = {"wave_name_prefix": "", "wave_migproject": "", "wave_delete_tasks": True, "wave_delete_templates": True,
            "wave_cleanup_unverified": True}

    refused = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars={"wave_delete_templates": True, "wave_name_prefix": "x"})
    assert refused.rc != 0 and "wave_delete_tasks=true" in refused.output

    unnamed = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=wave)
    assert unnamed.rc != 0 and "Name the wave" in unnamed.output
    wave["wave_migproject"] = emu.store._load_source(sources[0]["id"])[2]  # pylint: disable=protected-access
    emu.clear_request_log()
    dry = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=wave)
    assert dry.rc == 0, dry
    plan = dry.result("Show what would be removed (dry run, set wave_cleanup_apply=true)")["wave_cleanup_plan"]
    task_names = sorted(emu.store.get_task(s["current_task"]["id"])["name"] for s in finished)
    assert plan["apply"] is False
    assert sorted(plan["snapshots_to_clear"]) == task_names and sorted(plan["tasks_to_delete"]) == task_names
    assert plan["templates_to_delete"] == ["wave-web"]
    assert sorted(plan["agents_to_remove"]) == sorted(s["name"] for s in finished)
    assert sorted(plan["left_alone"]) == sorted("%s: waiting" % s["name"] for s in waiting)
    assert [e["method"] for e in emu.request_log() if e["method"] != "GET"] == []
    assert all(_agent_dir(tmp_path, s["id"]).exists() for s in sources)

    applied = run_playbook(PLAYBOOK, env=env, inventory=inventory,
                           extra_vars=dict(wave, wave_cleanup_apply=True))
    assert applied.rc == 0, [(r["task"], r["host"], r["result"].get("msg")) for r in applied.results if r["result"].get("failed")]
    clears = [(e["path"], json.loads(e["body"])["operation"]) for e in emu.request_log()
              if e["method"] == "POST" and e["path"].endswith("/action")]
    assert sorted(clears) == sorted(("/v3/tasks/%s/action" % s["current_task"]["id"], "clear") for s in finished)
    assert all(emu.store.get_task(s["current_task"]["id"]) is None for s in finished)
    assert all(emu.store.get_task(s["current_task"]["id"]) is not None for s in waiting if s["current_task"])
    assert emu.store.get_task(unfinished_task)["vm_template_id"] == shared_template
    assert sorted(t["id"] for t in emu.store.list_templates({})[1]) == sorted([kept_template, shared_template])
    assert not any(_agent_dir(tmp_path, s["id"]).exists() for s in finished)
    assert all(_agent_dir(tmp_path, s["id"]).exists() for s in waiting)


def _quota(run):
    return run.result("Work out the source quota of the account")["ansible_facts"]["wave_cleanup_quota"]


def test_delete_sources_frees_the_quota_of_finished_servers_only(tmp_path, emulator_factory):
    emu = emulator_factory(sources=8, seed=5, states="finished=0.5,replicate=0.5", source_quota=9)
    sources = emu.store.list_sources()
    project = emu.store._load_source(sources[0]["id"])[2]  # pylint: disable=protected-access
    wave = [s for s in sources if emu.store._load_source(s["id"])[2] == project]  # pylint: disable=protected-access
    finished = sorted(s["id"] for s in wave if s["state"] == "finished")
    moving = [s["id"] for s in wave if s["state"] == "replicate"]
    assert finished and moving, [s["state"] for s in wave]
    client = SignedClient(emu)
    outsider = client.request("POST", "/v3/sources", body=LINUX_BODY)[1]["id"]  # registered, of no wave: kept
    assert client.request("POST", "/v3/sources", body=dict(LINUX_BODY, networks=[{"mac": "fa:16:3e:99:00:09"}]))[0] == 400
    inventory = _site(tmp_path, emu)
    env = emulator_env(emu)
    wave_vars = {"wave_migproject": project, "wave_delete_sources": True, "wave_remove_agents": False,
                 "wave_account": "acct-a", "wave_source_quota": 9, "wave_cleanup_unverified": True}
    emu.clear_request_log()

    dry = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=wave_vars)
    assert dry.rc == 0, dry.output[-3000:]
    plan = dry.result("Show what would be removed (dry run, set wave_cleanup_apply=true)")["wave_cleanup_plan"]
    names = dict((s["id"], s["name"]) for s in sources)
    assert sorted(plan["sources_to_delete"]) == sorted(names[i] for i in finished)
    assert _quota(dry) == {"account": "acct-a", "quota": 9, "sources": 9, "left": 0, "left_after_cleanup": len(finished)}
    assert dry.result("Report the source quota of the account")["msg"] == (
        "Account acct-a: 9 source servers of 9, 0 left, %d after this cleanup (dry run, set wave_cleanup_apply=true)"
        % len(finished))
    checked = run_playbook(PLAYBOOK, env=env, inventory=inventory, check=True, extra_vars=dict(wave_vars, wave_cleanup_apply=True))
    assert checked.rc == 0, checked.output[-3000:]
    assert _quota(checked)["left_after_cleanup"] == len(finished)  # --check deletes nothing: still a forecast
    assert [e for e in emu.request_log() if e["method"] != "GET"] == []
    assert emu.store.count_sources() == 9

    applied = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=dict(wave_vars, wave_cleanup_apply=True))
    assert applied.rc == 0, applied.output[-3000:]
    deletes = [e for e in emu.request_log() if e["method"] != "GET" and "/action" not in e["path"]]
    assert [(e["method"], e["path"]) for e in deletes] == [("POST", "/v3/sources/delete")]  # one request, no DELETE each
    assert sorted(json.loads(deletes[0]["body"])["ids"]) == finished
    assert all(emu.store.get_source(i) is None for i in finished)
    assert all(emu.store.get_source(i) is not None for i in moving + [outsider])
    assert _quota(applied) == {"account": "acct-a", "quota": 9, "sources": 9 - len(finished), "left": len(finished),
                               "left_after_cleanup": len(finished)}
    # the next wave's agent registers now
    assert client.request("POST", "/v3/sources", body=dict(LINUX_BODY, networks=[{"mac": "fa:16:3e:99:00:09"}]))[0] == 200
    client.close()


def _clears(emu):
    return sorted(e["path"].split("/")[3] for e in emu.request_log()
                  if e["method"] == "POST" and e["path"].endswith("/action") and json.loads(e["body"])["operation"] == "clear")


def test_a_server_whose_verification_did_not_pass_is_held_back(tmp_path, emulator_factory):
    emu = emulator_factory(sources=6, seed=5, states="finished=1")
    finished = sorted(emu.store.list_sources(), key=lambda s: s["name"])[:3]
    verified, failed, unrecorded = finished
    project = emu.store._load_source(verified["id"])[2]  # pylint: disable=protected-access
    inventory = _site(tmp_path, emu)
    env = emulator_env(emu)
    reports = tmp_path / "reports"
    reports.mkdir()
    # The record migrate_wave wave_phase=verify writes (the fields the gate reads).
    (reports / "w1-verify.json").write_text(json.dumps({"wave": "w1", "phase": "verify", "servers": [
        {"server": verified["name"], "source_id": verified["id"], "outcome": "passed", "reason": "the port answers"},
        {"server": failed["name"], "source_id": failed["id"], "outcome": "failed",
         "reason": "task failed: nginx answers: Status code was 503"}]}))
    wave = {"wave_migproject": project, "wave_name_prefix": "", "wave_report_dir": str(reports), "wave_name": "w1"}
    in_wave = [s for s in emu.store.list_sources() if emu.store._load_source(s["id"])[2] == project]  # pylint: disable=protected-access
    others = sorted(s["name"] for s in in_wave if s["id"] not in (verified["id"], failed["id"]))
    assert unrecorded["name"] in others or unrecorded["id"] not in [s["id"] for s in in_wave]

    emu.clear_request_log()
    dry = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=wave)
    assert dry.rc == 0, dry.output[-3000:]
    plan = dry.result("Show what would be removed (dry run, set wave_cleanup_apply=true)")["wave_cleanup_plan"]
    held = dict(entry.split(": ", 1) for entry in plan["held_back"])
    assert held[failed["name"]] == "failed: task failed: nginx answers: Status code was 503"
    assert all(held[name] == "not in the verification record" for name in others), held
    assert plan["agents_to_remove"] == [verified["name"]] and len(plan["snapshots_to_clear"]) == 1
    assert plan["verify_file"] == str(reports / "w1-verify.json")
    assert [e for e in emu.request_log() if e["method"] != "GET"] == []

    applied = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=dict(wave, wave_cleanup_apply=True))
    assert applied.rc != 0
    msg = applied.result("Stop when finished servers were held back for their verification")["msg"]
    assert msg.startswith("%d finished server(s) were not cleaned up because their verification did not pass" % len(held))
    assert "%s: failed: task failed: nginx answers" % failed["name"] in msg
    # The verified server is cleaned up all the same: its snapshots cleared, its agent removed.
    assert _clears(emu) == [verified["current_task"]["id"]]
    assert not _agent_dir(tmp_path, verified["id"]).exists()
    assert _agent_dir(tmp_path, failed["id"]).exists()

    # No record at all: no server passed.
    norecord = run_playbook(PLAYBOOK, env=env, inventory=inventory, extra_vars=dict(wave, wave_name="w2"))
    plan = norecord.result("Show what would be removed (dry run, set wave_cleanup_apply=true)")["wave_cleanup_plan"]
    assert plan["agents_to_remove"] == [] and plan["verify_file"] is None
    assert all(entry.endswith(": no verification record (run migrate_wave with wave_phase=verify, or name it in "
                              "wave_verify_file)") for entry in plan["held_back"]), plan["held_back"]

    emu.clear_request_log()
    forced = run_playbook(PLAYBOOK, env=env, inventory=inventory,
                          extra_vars=dict(wave, wave_cleanup_apply=True, wave_cleanup_unverified=True))
    assert forced.rc == 0, forced.output[-3000:]
    plan = forced.result("Show what is removed")["wave_cleanup_plan"]
    assert plan["held_back"] == [] and "%s: failed: task failed: nginx answers: Status code was 503" % failed["name"] \
        in plan["unverified_cleaned"]
    assert failed["current_task"]["id"] in _clears(emu)
    assert not _agent_dir(tmp_path, failed["id"]).exists()
