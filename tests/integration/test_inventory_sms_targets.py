# -*- coding: utf-8 -*-
"""ansible-inventory with the hwcloud.sms.sms_targets plugin against the SMS emulator (real HTTP),
as AWX imports it (`--list --export`, stored verbatim): cut-over targets with the address SMS
reports, test clones with the address ECS reports, kind and wave groups, accounts, the cache."""

import ipaddress
import json
import socket
import subprocess

from support.ansible import base_env, emulator_env, run_playbook
from support.awx import awx_import

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import task_phase
from integration.test_inventory_sms_sources import ANSIBLE_INVENTORY
from unit.modules.test_sms_target_info import EcsStandIn

STATES = "syncing=0.4,finished=0.4,waiting=0.2"


def _targets(emu, tmp_path, config, *args, **kwargs):
    """ansible-inventory on a wave.sms_targets.yml holding ``config``, as run_inventory runs it."""
    path = tmp_path / "wave.sms_targets.yml"
    path.write_text(config)
    environment = base_env(emulator_env(emu))
    environment["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "True"
    environment["ANSIBLE_VERBOSE_TO_STDERR"] = "True"  # as AWX runs it: stdout stays JSON
    process = subprocess.run([ANSIBLE_INVENTORY, "-i", str(path)] + list(args), env=environment, cwd=str(tmp_path),
                             capture_output=True, text=True, timeout=600, check=False)
    if kwargs.get("check", True):
        assert process.returncode == 0, process.stderr[-4000:]
    return process


def _config(extra=""):
    return "plugin: hwcloud.sms.sms_targets\n" + extra


def _launched(emu):
    return [task for task in emu.store.list_tasks(limit=200)[1] if task_phase(task) in ("cutting_over", "finished")]


def _set_clone(emu, task_id, vm_id):
    with emu.store.db.write() as conn:
        task = emu.store.db.load_task(task_id, conn)
        task["clone_server"] = {"vm_id": vm_id, "name": "sms-clone", "clone_state": "FINISHED", "clone_error": None,
                                "error_msg": None}
        emu.store.db.save_task(conn, task)


def test_cutover_targets_as_awx_stores_them_grouped_by_kind_and_project(emulator_factory, tmp_path):
    emu = emulator_factory(sources=24, seed=41, states=STATES)
    launched = _launched(emu)
    assert len(launched) >= 5
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    body = {"name": "wave3", "region": "ap-southeast-3", "type": "MIGRATE_BLOCK"}
    project = client.request("POST", "/v3/migprojects", body=body)["id"]
    in_wave = launched[:2]
    for task in in_wave:
        client.request("PUT", "/v3/sources/" + task["source_server"]["id"], body={"migprojectid": project})
    emu.clear_request_log()
    process = _targets(emu, tmp_path, _config("kinds: [cutover]\n"), "--list", "--export")
    imported = awx_import(json.loads(process.stdout), instance_id_var="sms_vm_id")
    hosts, groups = imported["hosts"], imported["groups"]
    assert sorted(hosts) == sorted(task["target_server"]["name"] for task in launched)
    for task in launched:
        host = hosts[task["target_server"]["name"]]
        # what AWX stores: plain text, no {"__ansible_unsafe": ...} wrapper
        assert host["variables"]["ansible_host"] == task["target_server"]["ip"]
        assert host["variables"]["sms_target_kind"] == "cutover"
        assert host["variables"]["sms_task_id"] == task["id"]
        assert host["variables"]["sms_source_name"] == task["source_server"]["name"]
        assert host["instance_id"] == task["target_server"]["vm_id"]
    assert sorted(groups["kind_cutover"]["hosts"]) == sorted(hosts)
    assert sorted(groups["wave_wave3"]["hosts"]) == sorted(task["target_server"]["name"] for task in in_wave)
    # one task listing, the projects and one source listing per project; never a write
    paths = [entry["path"] for entry in emu.request_log()]
    assert paths.count("/v3/tasks") == 1 and paths.count("/v3/migprojects") == 1
    assert paths.count("/v3/sources") == len(client.request("GET", "/v3/migprojects")["migprojects"])
    assert emu.write_requests() == []
    assert emu.secret_key not in process.stdout + process.stderr


def test_clones_from_ecs_waves_from_task_names_and_a_cached_run(emulator_factory, tmp_path):
    emu = emulator_factory(sources=24, seed=42, states=STATES)
    syncing = [task for task in emu.store.list_tasks(limit=200)[1] if task_phase(task) == "syncing"]
    _set_clone(emu, syncing[0]["id"], "vm-clone-a")
    _set_clone(emu, syncing[1]["id"], "vm-clone-gone")
    ecs = EcsStandIn()
    try:
        ecs.add("vm-clone-a", "clone-a", "192.168.44.4")
        cache_dir = tmp_path / "cache"
        config = _config("kinds: [clone]\nwave_from: name_prefix\necs_endpoint: %s\ncache: true\n"
                         "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % (ecs.url, cache_dir))
        first = _targets(emu, tmp_path, config, "--list", "--export")
        inventory = json.loads(first.stdout)
        assert inventory["_meta"]["hostvars"] == {"clone-a": {
            "ansible_host": "192.168.44.4", "sms_target_kind": "clone", "sms_target_name": "clone-a",
            "sms_vm_id": "vm-clone-a", "sms_task_id": syncing[0]["id"], "sms_task_name": syncing[0]["name"],
            "sms_source_id": syncing[0]["source_server"]["id"], "sms_source_name": syncing[0]["source_server"]["name"],
            "sms_wave": syncing[0]["name"].split("-")[0]}}
        assert inventory["kind_clone"]["hosts"] == ["clone-a"]
        assert inventory["wave_" + syncing[0]["name"].split("-")[0]]["hosts"] == ["clone-a"]
        assert len(ecs.requests) == 2
        emu.clear_request_log()
        second = _targets(emu, tmp_path, config.replace("wave_from: name_prefix\n", "wave_from: name_prefix\n"
                                                        "default_groups_prefix: sms_\n"), "--list", "--export")
        # the cache holds the targets, not the built inventory: a new group prefix applies, no request is sent
        assert emu.request_log() == [] and len(ecs.requests) == 2
        assert json.loads(second.stdout)["sms_kind_clone"]["hosts"] == ["clone-a"]
        [cache_file] = list(cache_dir.iterdir())
        assert oct(cache_file.stat().st_mode & 0o777) == "0o600"
        assert emu.secret_key not in cache_file.read_text() + first.stderr + second.stderr
    finally:
        ecs.close()


def test_an_ecs_failure_fails_the_inventory_naming_the_task(emulator_factory, tmp_path):
    emu = emulator_factory(sources=12, seed=43, states="syncing=1.0")
    task = emu.store.list_tasks(limit=200)[1][0]
    _set_clone(emu, task["id"], "vm-broken")
    ecs = EcsStandIn()
    try:
        ecs.add("vm-broken", "broken", "192.168.1.1", status=500)
        process = _targets(emu, tmp_path, _config("ecs_endpoint: %s\nretries: 0\n" % ecs.url), "--list", check=False)
    finally:
        ecs.close()
    assert process.returncode != 0
    assert "could not list the launched targets" in process.stderr and task["id"] in process.stderr
    assert '"_meta"' not in process.stdout


def test_a_play_checks_the_emulated_clones_where_the_inventory_says_they_are(emulator_factory, tmp_path):
    """Clone tests on the emulator (target address 127.0.0.1, one clone unreachable: TEST-NET-1), the
    inventory of the clones, and a play whose check really connects to each clone's address and port:
    the reachable one passes, the unreachable one fails. ansible_connection: local is for tests only
    (the check runs on the controller against ansible_host)."""
    emu = emulator_factory(sources=6, seed=44, states="syncing=1.0", target_ip="127.0.0.1")
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    good, bad = emu.store.list_tasks(limit=200)[1][:2]
    emu.set_rehearsal_fault(bad["id"], unreachable=True)
    for task in (good, bad):
        template = client.request("POST", "/v3/vm/templates", body={"template": {
            "name": "clone-" + task["id"][:8], "target_server_name": "clone-of-" + task["source_server"]["name"]}})
        client.request("POST", "/v3/tasks/%s/action" % task["id"],
                       body={"operation": "clone_test", "template_id": template["id"]})
    emu.advance(400)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        config = _config("kinds: [clone]\necs_endpoint: %s\ncompose:\n  ansible_connection: \"'local'\"\n" % emu.url)
        inventory = json.loads(_targets(emu, tmp_path, config, "--list").stdout)
        good_name, bad_name = ("clone-of-" + task["source_server"]["name"] for task in (good, bad))
        assert sorted(inventory["kind_clone"]["hosts"]) == sorted([good_name, bad_name])
        hostvars = inventory["_meta"]["hostvars"]
        assert hostvars[good_name]["ansible_host"] == "127.0.0.1"
        assert ipaddress.IPv4Address(hostvars[bad_name]["ansible_host"]) in ipaddress.IPv4Network("192.0.2.0/24")
        play = ("- hosts: kind_clone\n  gather_facts: false\n  tasks:\n"
                "    - name: The service answers on the target\n"
                "      ansible.builtin.wait_for:\n        host: \"{{ ansible_host }}\"\n"
                "        port: %d\n        timeout: 3\n" % listener.getsockname()[1])
        run = run_playbook(play, inventory=str(tmp_path / "wave.sms_targets.yml"), env=emulator_env(emu))
    finally:
        listener.close()
    assert run.rc != 0
    assert not run.result("The service answers on the target", host=good_name).get("failed")
    assert run.result("The service answers on the target", host=bad_name)["failed"]


def test_two_accounts_are_listed_with_their_own_keys_and_named_apart(emulator_factory, tmp_path):
    # the same seed: the same task and target names in both accounts
    east, west = (emulator_factory(sources=8, seed=45, states="finished=1.0", random_credentials=True) for _name in ("east", "west"))
    config = _config("kinds: [cutover]\nwave_from: name_prefix\naccounts:\n" + "".join(
        "  - name: %s\n    endpoint: %s\n    project_id: %s\n    access_key: %s\n    secret_key: %s\n"
        % (name, emu.url, emu.project_id, emu.access_key, emu.secret_key) for name, emu in (("east", east), ("west", west))))
    process = _targets(east, tmp_path, config, "--list", "--export")
    imported = awx_import(json.loads(process.stdout), instance_id_var="sms_vm_id")
    names = sorted(task["target_server"]["name"] for task in _launched(east))
    assert names and sorted(imported["hosts"]) == sorted(names + [name + "_west" for name in names])
    assert sorted(imported["groups"]["account_west"]["hosts"]) == [name + "_west" for name in names]
    assert all(imported["hosts"][name]["variables"]["sms_account"] == "east" for name in names)
    assert "hostname(s) were given by targets of several accounts" in process.stderr
    for emu in (east, west):
        assert [e["path"] for e in emu.request_log() if e["path"].startswith("/v3/")] == ["/v3/tasks"]
        assert emu.secret_key not in process.stdout + process.stderr
