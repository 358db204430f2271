# -*- coding: utf-8 -*-
"""Unit tests of hwcloud.sms.sms_targets: hosts, variables, kind/wave/account groups, hostname
collisions, constructed options, option checks, and one listing against the emulator (SMS) and
an ECS stand-in over real HTTP."""

import json

import pytest
import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from sms_emulator import Emulator
from unit.inventory.test_sms_sources import trusted
from unit.modules.test_sms_target_info import EcsStandIn

from ansible_collections.hwcloud.sms.plugins.inventory import sms_targets
from ansible_collections.hwcloud.sms.plugins.inventory.sms_targets import InventoryModule, wave_of
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import task_phase

DOCUMENTED_DEFAULTS = dict((name, spec.get("default")) for name, spec in
                           yaml.safe_load(sms_targets.DOCUMENTATION)["options"].items())


def target(task_id, name, kind="cutover", ip="10.0.0.1", vm_id=None, task_name=None, source_name=None, **extra):
    data = {"kind": kind, "task_id": task_id, "task_name": task_name or "wave1-" + name, "source_id": "s-" + task_id,
            "source_name": source_name or name, "vm_id": vm_id or "vm-%s-%s" % (kind, task_id), "name": name, "ip": ip}
    data.update(extra)
    return data


def plugin_with(options):
    plugin = InventoryModule()
    defaults = dict(DOCUMENTED_DEFAULTS, compose={}, groups={}, keyed_groups=[], strict=False, leading_separator=True,
                    use_extra_vars=False, cache=False)
    defaults.update(options)
    plugin.get_option = defaults.get
    plugin.inventory = InventoryData()
    plugin.templar = Templar(loader=DataLoader())
    plugin._vars = {}
    warnings = []
    plugin.display = type("D", (), {"warning": staticmethod(warnings.append), "vvv": staticmethod(lambda m: None)})()
    plugin._cache = {}
    return plugin, warnings


def populate(options, listings):
    plugin, warnings = plugin_with(options)
    plugin._populate(listings, plugin._read_settings())
    return plugin.inventory, warnings


def members(inventory, prefix=""):
    return dict((name, sorted(h.name for h in group.get_hosts())) for name, group in inventory.groups.items()
                if name.startswith(prefix) and name not in ("all", "ungrouped"))


@pytest.mark.parametrize("name, expected", [
    ("wave1.sms_targets.yml", True), ("wave1.sms_targets.yaml", True), ("sms_targets.yml", False),
    ("wave1.sms_sources.yml", False), ("wave1.yml", False)])
def test_verify_file_accepts_only_sms_targets_yaml(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text("plugin: hwcloud.sms.sms_targets\n")
    assert InventoryModule().verify_file(str(path)) is expected


def test_one_host_per_target_with_its_variables_and_groups():
    inventory, warnings = populate({"wave_from": "name_prefix"}, [(None, [
        target("t1", "web-01", ip="192.168.0.1", vm_id="vm-1"),
        target("t2", "web-02-clone", kind="clone", ip="192.168.0.2", task_name="wave2-web-02", source_name="web-02"),
        target("t3", "db-01", task_name="db01"),
    ])])
    assert not warnings
    host = inventory.hosts["web-01"].vars
    assert (host["ansible_host"], host["sms_target_kind"], host["sms_vm_id"], host["sms_wave"]) == (
        "192.168.0.1", "cutover", "vm-1", "wave1")
    assert "sms_account" not in host
    assert inventory.hosts["db-01"].vars["sms_wave"] is None  # no separator in the task name: no wave
    assert members(inventory) == {"kind_cutover": ["db-01", "web-01"], "kind_clone": ["web-02-clone"],
                                  "wave_wave1": ["web-01"], "wave_wave2": ["web-02-clone"]}
    json.dumps(dict((name, dict(host.vars)) for name, host in inventory.hosts.items()))


def test_the_wave_rules():
    named = target("t", "x", task_name="wave1-web-01", migproject="wave-1")
    assert wave_of(named, "name_prefix", "-") == "wave1"
    assert wave_of(named, "name_prefix", "_") is None
    assert wave_of(dict(named, task_name="w3_app_01"), "name_prefix", "_") == "w3"
    assert wave_of(dict(named, task_name="-x"), "name_prefix", "-") is None
    assert wave_of(named, "migproject", "-") == "wave-1"
    assert wave_of(target("t", "x"), "migproject", "-") is None


def test_the_project_is_the_default_wave():
    inventory, _w = populate({}, [(None, [target("t1", "web", migproject="wave-2"), target("t2", "db")])])
    assert inventory.hosts["web"].vars["sms_wave"] == "wave-2"
    plugin, _w = plugin_with({})
    assert members(inventory, "wave_") == {plugin._sanitize_group_name("wave_wave-2"): ["web"]}


def test_a_target_without_an_address_is_left_out_with_a_warning():
    inventory, warnings = populate({}, [(None, [target("t1", "web", ip=None), target("t2", "db")])])
    assert sorted(inventory.hosts) == ["db"]
    assert warnings == ["1 launched target(s) have no address yet and were left out: web (task t1)"]


def test_a_clone_and_a_target_with_the_same_name_are_two_hosts():
    inventory, warnings = populate({}, [(None, [target("t1", "web", vm_id="vm-b"),
                                                target("t1", "web", kind="clone", vm_id="vm-a", ip="10.0.0.9")])])
    assert inventory.hosts["web"].vars["sms_vm_id"] == "vm-a"  # the lowest ECS ID keeps the name
    assert inventory.hosts["web_vm-b"].vars["sms_target_kind"] == "cutover"
    assert len(warnings) == 1 and "web: vm-a, vm-b" in warnings[0]
    inventory, _w = populate({"hostname_collision": "suffix_all"}, [(None, [
        target("t1", "web", vm_id="vm-b"), target("t1", "web", kind="clone", vm_id="vm-a")])])
    assert sorted(inventory.hosts) == ["web_vm-a", "web_vm-b"]
    with pytest.raises(AnsibleParserError, match="several targets have the same hostname"):
        populate({"hostname_collision": "error"}, [(None, [target("t1", "web"), target("t2", "web")])])


def test_reserved_names_and_group_names_are_never_hostnames():
    inventory, warnings = populate({}, [(None, [target("t1", "localhost", vm_id="vm-1"),
                                                target("t2", "kind_cutover", vm_id="vm-2")])])
    assert sorted(inventory.hosts) == ["kind_cutover_vm-2", "localhost_vm-1"]
    assert "2 hostname(s)" in warnings[0]


def test_accounts_make_distinct_hosts_and_groups():
    listings = [("a", [target("t1", "web", ip="10.0.0.1")]), ("b", [target("t1", "web", ip="10.9.0.1")])]
    accounts = [{"name": "a", "endpoint": "http://127.0.0.1:9"}, {"name": "b", "endpoint": "http://127.0.0.1:9"}]
    inventory, warnings = populate({"accounts": accounts}, listings)
    assert (inventory.hosts["web"].vars["sms_account"], inventory.hosts["web_b"].vars["sms_account"]) == ("a", "b")
    assert members(inventory, "account_") == {"account_a": ["web"], "account_b": ["web_b"]}
    assert warnings == ["1 hostname(s) were given by targets of several accounts; the first account listed keeps each, "
                        "the others became <hostname>_<account>. hostname: renamed accounts: web: b"]


def test_default_groups_switch_and_prefix():
    listings = [(None, [target("t1", "web")])]
    inventory, _w = populate({"default_groups_prefix": "sms_", "wave_from": "name_prefix"}, listings)
    assert sorted(members(inventory)) == ["sms_kind_cutover", "sms_wave_wave1"]
    inventory, _w = populate({"default_groups": False}, listings)
    assert members(inventory) == {}


def test_compose_groups_and_keyed_groups_see_the_variables():
    inventory, _w = populate({"compose": {"ansible_user": trusted("'admin' if sms_target_kind == 'clone' else 'root'")},
                              "groups": {"tested": trusted("sms_target_kind == 'clone'")},
                              "keyed_groups": [{"key": trusted("sms_source_name"), "prefix": "src"}]},
                             [(None, [target("t1", "web"), target("t2", "web-clone", kind="clone", source_name="web")])])
    assert inventory.hosts["web-clone"].vars["ansible_user"] == "admin"
    assert inventory.hosts["web"].vars["ansible_user"] == "root"
    assert members(inventory, "tested") == {"tested": ["web-clone"]}
    assert members(inventory, "src_") == {"src_web": ["web", "web-clone"]}


@pytest.mark.parametrize("options, message", [
    ({"kinds": []}, "kinds must name at least one of clone, cutover"),
    ({"kinds": ["drill"]}, "kinds must name"),
    ({"workers": 0}, "workers must be between 1 and 32"),
    ({"wave_from": "name_prefix", "wave_separator": ""}, "wave_separator must not be empty"),
])
def test_bad_options_are_refused_before_any_request(options, message):
    plugin, _w = plugin_with(options)
    with pytest.raises(AnsibleParserError, match=message):
        plugin._read_settings()


def test_the_cache_key_follows_what_is_listed_never_the_credentials():
    keys = set()
    for options in ({}, {"kinds": ["clone"]}, {"name_prefix": "wave1-"}, {"wave_from": "name_prefix"},
                    {"secret_key": "another-secret"}):
        plugin, _w = plugin_with(dict({"endpoint": "http://127.0.0.1:9", "secret_key": "SK-secret"}, **options))
        plugin.get_cache_key = lambda path: "key"
        keys.add(plugin._cache_key("wave.sms_targets.yml", plugin._read_settings()))
    assert len(keys) == 4  # another secret key: the same entry


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=30, seed=11, states="syncing=0.5,finished=0.5") as emulator:
        yield emulator


def test_listing_an_account_over_http_with_projects_as_waves(emu):
    ecs = EcsStandIn()
    try:
        tasks = emu.store.list_tasks(limit=200)[1]
        launched = [task for task in tasks if task_phase(task) == "finished"]
        syncing = [task for task in tasks if task_phase(task) == "syncing"]
        with emu.store.db.write() as conn:
            stored = emu.store.db.load_task(syncing[0]["id"], conn)
            stored["clone_server"] = {"vm_id": "vm-clone", "name": "c", "clone_state": "FINISHED", "clone_error": None,
                                      "error_msg": None}
            emu.store.db.save_task(conn, stored)
        ecs.add("vm-clone", "web-clone", "192.168.9.9")
        client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key,
                           project_id=emu.project_id)
        body = {"name": "wave-7", "region": "ap-southeast-3", "type": "MIGRATE_BLOCK"}
        project = client.request("POST", "/v3/migprojects", body=body)["id"]
        client.request("PUT", "/v3/sources/" + launched[0]["source_server"]["id"], body={"migprojectid": project})
        plugin, warnings = plugin_with({"endpoint": emu.url, "access_key": emu.access_key, "secret_key": emu.secret_key,
                                        "project_id": emu.project_id, "ecs_endpoint": ecs.url})
        emu.clear_request_log()
        listings = plugin._fetch(plugin._read_settings())
        plugin._populate(listings, plugin._read_settings())
    finally:
        ecs.close()
    [(account, targets)] = listings
    assert account is None and len(targets) == len(launched) + 1
    hosts = plugin.inventory.hosts
    assert hosts["web-clone"].vars["ansible_host"] == "192.168.9.9"
    moved = hosts[launched[0]["target_server"]["name"]].vars
    assert moved["sms_wave"] == "wave-7" and moved["ansible_host"] == launched[0]["target_server"]["ip"]
    others = set(h.vars["sms_wave"] for h in hosts.values()) - {"wave-7"}
    assert len(others) == 1  # the default project
    paths = sorted(set(e["path"] for e in emu.request_log()))
    assert paths == ["/v3/migprojects", "/v3/sources", "/v3/tasks", "/v3/tasks/" + syncing[0]["id"]]
    assert json.dumps(targets) and emu.secret_key not in json.dumps(targets)
    assert not warnings
