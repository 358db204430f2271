# -*- coding: utf-8 -*-
"""Rehearsal on the oldest and newest ansible-core: a clone test waited for through a playbook,
the clones as AWX stores the sms_targets inventory (``--list --export``), the clones deleted
through ECS, and --check sending no write."""

import json
import os
import subprocess

import yaml

from support.ansible import BIN_DIR, base_env, emulator_env, run_playbook
from support.awx import awx_import

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import task_phase
from test_compat import UNSUPPORTED_WARNING, connection


def _play(operation, check_mode=False, **options):
    return yaml.safe_dump([{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "module_defaults": {"group/hwcloud.sms.sms": "{{ sms_connection }}"},
        "tasks": [
            {"name": "clone template", "register": "clone_template",
             "hwcloud.sms.sms_template": {"name": "compat-clone", "availability_zone": "az1"}},
            {"name": operation, "check_mode": check_mode, "hwcloud.sms.sms_task_action": dict(
                {"task_ids": "{{ task_ids }}", "operation": operation, "wait": True, "poll_interval": 1,
                 "wait_timeout": 120}, **options)},
        ],
    }])


def test_clone_test_inventory_export_and_delete_clone(emulator_factory, tmp_path):
    emu = emulator_factory(sources=6, seed=33, states="syncing=1.0", target_ip="127.0.0.1", auto_agent=True)
    tasks = [task for task in emu.store.list_tasks(limit=200)[1] if task_phase(task) == "syncing"][:2]
    assert len(tasks) == 2
    task_ids = [task["id"] for task in tasks]
    settings = dict(connection(emu), ecs_endpoint=emu.url)
    extra_vars = {"sms_connection": settings, "task_ids": task_ids}

    emu.clear_request_log()
    clone_options = {"template_id": "{{ clone_template.template.id }}"}
    checked = run_playbook(_play("clone_test", check_mode=True, **clone_options), extra_vars=extra_vars)
    assert checked.rc == 0, checked.output[-4000:]
    writes = [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]
    assert writes == [("POST", "/v3/vm/templates")]  # the template task is not in check mode

    emu.set_speedup(2000)
    cloned = run_playbook(_play("clone_test", **clone_options), extra_vars=extra_vars)
    assert cloned.rc == 0, json.dumps(cloned.result("clone_test"))[:3000]
    assert UNSUPPORTED_WARNING not in cloned.output
    results = cloned.result("clone_test")["results"]
    assert sorted(r["task_id"] for r in results) == sorted(task_ids)
    assert all(r["clone_server"]["clone_state"] == "FINISHED" for r in results), results

    config = tmp_path / "rehearse.sms_targets.yml"
    config.write_text("plugin: hwcloud.sms.sms_targets\nkinds: [clone]\n")
    env = base_env(emulator_env(emu))
    env.update({"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_VERBOSE_TO_STDERR": "True"})
    process = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "-i", str(config), "--list", "--export"],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-4000:]
    assert UNSUPPORTED_WARNING not in process.stderr
    imported = awx_import(json.loads(process.stdout), instance_id_var="sms_vm_id")
    clone_vms = sorted(r["clone_server"]["vm_id"] for r in results)
    assert sorted(h["instance_id"] for h in imported["hosts"].values()) == clone_vms
    for host in imported["hosts"].values():
        # what AWX stores: plain values, the address ECS gives the clone
        assert host["variables"]["ansible_host"] == "127.0.0.1"
        assert host["variables"]["sms_target_kind"] == "clone"
        assert host["variables"]["sms_task_id"] in task_ids
    assert sorted(imported["groups"]["kind_clone"]["hosts"]) == sorted(imported["hosts"])
    assert emu.secret_key not in process.stdout + process.stderr

    deleted = run_playbook(_play("delete_clone"), extra_vars=extra_vars)
    assert deleted.rc == 0, deleted.output[-4000:]
    assert deleted.result("delete_clone")["changed"] is True
    gone = [e for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/cloudservers/delete")]
    assert sorted(json.loads(e["body"])["servers"][0]["id"] for e in gone) == clone_vms
    for vm_id in clone_vms:
        assert vm_id not in [server["id"] for server in emu.store.ecs_servers()]
