# -*- coding: utf-8 -*-
"""Unit tests of the hostname, collision, filter and group logic of hwcloud.sms.sms_sources."""

import json

import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.template import Templar
from ansible.parsing.dataloader import DataLoader
from ansible._internal._datatag._tags import TrustedAsTemplate

from ansible_collections.hwcloud.sms.plugins.inventory import sms_sources
from ansible_collections.hwcloud.sms.plugins.inventory.sms_sources import (
    InventoryModule, build_queries, make_unique, merge_by_id)


def record(source_id, name, ip="10.0.0.1", state="waiting", os_type="LINUX", add_date=1000, **extra):
    data = {"id": source_id, "name": name, "ip": ip, "state": state, "os_type": os_type, "add_date": add_date,
            "connected": True, "current_task": {"id": "t-" + source_id, "state": "RUNNING"}, "checks": []}
    data.update(extra)
    return data


def trusted(text):
    return TrustedAsTemplate().tag(text)


def plugin_with(options):
    """A plugin whose options come from ``options`` and an empty InventoryData."""
    plugin = InventoryModule()
    defaults = {"filters": {}, "include_filters": [], "exclude_filters": [], "hostnames": ["name", "ip", "id"],
                "hostname_collision": "suffix", "default_groups": True, "default_groups_prefix": "",
                "hostvars_prefix": "sms_", "page_workers": 8, "compose": {}, "groups": {}, "keyed_groups": [],
                "strict": False, "leading_separator": True, "use_extra_vars": False}
    defaults.update(options)
    plugin.get_option = defaults.get
    plugin.inventory = InventoryData()
    plugin.templar = Templar(loader=DataLoader())
    plugin._vars = {}
    warnings = []
    plugin.display = type("D", (), {"warning": staticmethod(warnings.append), "vvv": staticmethod(lambda m: None)})()
    return plugin, warnings


def populate(options, records):
    plugin, warnings = plugin_with(options)
    plugin._populate(records, plugin._read_settings())
    return plugin.inventory, warnings


# --- verify_file -------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("fleet.sms_sources.yml", True), ("fleet.sms_sources.yaml", True), ("sms_sources.yml", False),
    ("fleet.yml", False), ("fleet.sms_sources.json", False), ("fleet.aws_ec2.yml", False)])
def test_verify_file_accepts_only_sms_sources_yaml(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text("plugin: hwcloud.sms.sms_sources\n")
    assert InventoryModule().verify_file(str(path)) is expected


def test_verify_file_is_false_for_a_missing_file(tmp_path):
    assert InventoryModule().verify_file(str(tmp_path / "missing.sms_sources.yml")) is False


# --- server-side filters -----------------------------------------------------------------

def test_list_values_become_one_query_per_combination():
    queries = build_queries({"state": ["waiting", "replicate"], "connected": [True, False], "name": "web"})
    assert len(queries) == 4
    assert {(q["state"], q["connected"]) for q in queries} == {
        ("waiting", True), ("waiting", False), ("replicate", True), ("replicate", False)}
    assert all(q["name"] == "web" for q in queries)


def test_no_filters_is_one_unfiltered_query():
    assert build_queries({}) == [{}]


@pytest.mark.parametrize("filters, words", [
    ({"status": "waiting"}, ["status", "unknown"]),
    ({"state": "sleeping"}, ["state", "sleeping"]),
    ({"state": []}, ["state", "empty"]),
    ({"connected": "yes"}, ["connected", "true or false"]),
    ({"migration_cycle": ["checking", "bogus"]}, ["migration_cycle", "bogus"]),
    ({"name": {"a": 1}}, ["name"]),
])
def test_bad_filters_are_refused_naming_the_filter(filters, words):
    with pytest.raises(AnsibleParserError) as info:
        build_queries(filters)
    for word in words:
        assert word in str(info.value)


def test_bad_filter_fails_before_any_request(monkeypatch):
    def no_client(*args, **kwargs):
        raise AssertionError("a client was built")
    monkeypatch.setattr(sms_sources.SmsClient, "from_options", no_client)
    plugin, _warnings = plugin_with({"filters": {"state": "bogus"}})
    with pytest.raises(AnsibleParserError):
        plugin._read_settings()


@pytest.mark.parametrize("option, value, word", [
    ("page_workers", 0, "page_workers"), ("page_workers", 33, "page_workers"),
    ("hostvars_prefix", "", "hostvars_prefix"), ("hostvars_prefix", "a-b", "hostvars_prefix"),
    ("hostnames", [], "hostnames")])
def test_bad_options_are_refused(option, value, word):
    plugin, _warnings = plugin_with({option: value})
    with pytest.raises(AnsibleParserError, match=word):
        plugin._read_settings()


def test_merge_by_id_keeps_each_source_once_sorted():
    merged = merge_by_id([[record("b", "x"), record("a", "y")], [record("a", "y2"), record("c", "z")]])
    assert [r["id"] for r in merged] == ["a", "b", "c"]
    assert merged[0]["name"] == "y"


# --- hostnames and collisions ------------------------------------------------------------

def test_first_non_empty_hostname_item_wins():
    inventory, _w = populate({"hostnames": ["name", "ip", "id"]}, [
        record("id1", "web-1", ip="10.0.0.1"), record("id2", "", ip="10.0.0.2"), record("id3", None, ip=None)])
    assert sorted(inventory.hosts) == ["10.0.0.2", "id3", "web-1"]


def test_hostname_expression_over_host_variables():
    inventory, _w = populate({"hostnames": [trusted("sms_name ~ '.' ~ sms_state")]}, [record("id1", "web-1")])
    assert list(inventory.hosts) == ["web-1.waiting"]


def test_empty_expression_result_falls_through_to_next_item():
    inventory, _w = populate({"hostnames": [trusted("''"), "id"]}, [record("id1", "web-1")])
    assert list(inventory.hosts) == ["id1"]


def test_collision_suffix_keeps_oldest_and_warns_once():
    records = [record("b-id", "web", add_date=2000, ip="10.0.0.2"), record("a-id", "web", add_date=3000, ip="10.0.0.3"),
               record("c-id", "web", add_date=1000, ip="10.0.0.1"), record("d-id", "db", ip="10.0.0.4")]
    inventory, warnings = populate({}, records)
    assert sorted(inventory.hosts) == ["db", "web", "web_a-id", "web_b-id"]
    assert inventory.hosts["web"].vars["sms_id"] == "c-id"
    assert inventory.hosts["web_b-id"].vars["sms_ip"] == "10.0.0.2"
    assert len(warnings) == 1
    assert "web: c-id, b-id, a-id" in warnings[0]


def test_collision_result_does_not_depend_on_api_order():
    records = [record("b-id", "web", add_date=1000), record("a-id", "web", add_date=1000)]
    first, _w = populate({}, records)
    second, _w = populate({}, list(reversed(records)))
    assert {h: v.vars["sms_id"] for h, v in first.hosts.items()} == {h: v.vars["sms_id"] for h, v in second.hosts.items()}
    assert first.hosts["web"].vars["sms_id"] == "a-id"


def test_collision_suffix_all_renames_every_twin():
    names, collisions = make_unique([("web", record("x", "web")), ("web", record("y", "web")), ("db", record("z", "db"))],
                                    "suffix_all")
    assert names == ["web_x", "web_y", "db"]
    assert collisions == {"web": ["x", "y"]}


def test_collision_error_lists_the_ids():
    with pytest.raises(AnsibleParserError, match="web: x, y"):
        make_unique([("web", record("x", "web")), ("web", record("y", "web"))], "error")


def test_no_collision_no_warning():
    inventory, warnings = populate({}, [record("1", "a"), record("2", "b")])
    assert warnings == [] and len(inventory.hosts) == 2


# --- groups and variables ------------------------------------------------------------------

def test_default_groups_state_and_lower_case_os():
    inventory, _w = populate({}, [record("1", "a", state="waiting", os_type="WINDOWS"),
                                  record("2", "b", state="replicate", os_type="LINUX")])
    assert [h.name for h in inventory.groups["state_waiting"].get_hosts()] == ["a"]
    assert [h.name for h in inventory.groups["os_windows"].get_hosts()] == ["a"]
    assert [h.name for h in inventory.groups["os_linux"].get_hosts()] == ["b"]


def test_default_groups_prefix_and_off():
    inventory, _w = populate({"default_groups_prefix": "sms_"}, [record("1", "a")])
    assert "sms_state_waiting" in inventory.groups and "state_waiting" not in inventory.groups
    inventory, _w = populate({"default_groups": False}, [record("1", "a")])
    assert not [g for g in inventory.groups if g.startswith(("state_", "os_"))]


def test_every_field_is_a_prefixed_variable_and_ansible_host_is_the_ip():
    source = record("1", "a", ip="10.1.2.3")
    inventory, _w = populate({}, [source])
    host_vars = inventory.hosts["a"].vars
    for field, value in source.items():
        assert host_vars["sms_" + field] == value
    assert host_vars["sms_current_task"] == {"id": "t-1", "state": "RUNNING"}
    assert host_vars["ansible_host"] == "10.1.2.3"
    assert "name" not in host_vars
    json.dumps(dict((k, v) for k, v in host_vars.items() if k.startswith("sms_")))


def test_client_side_include_and_exclude_filters():
    records = [record("1", "a", state="waiting"), record("2", "b", state="replicate"), record("3", "c", state="error"),
               record("4", "d", state="waiting", connected=False)]
    inventory, _w = populate({"include_filters": [trusted("sms_state == 'waiting'"), trusted("sms_state == 'error'")],
                              "exclude_filters": [trusted("not sms_connected")]}, records)
    assert sorted(inventory.hosts) == ["a", "c"]


def test_excluded_sources_do_not_cause_collisions():
    records = [record("1", "web", state="waiting"), record("2", "web", state="error")]
    inventory, warnings = populate({"exclude_filters": [trusted("sms_state == 'error'")]}, records)
    assert list(inventory.hosts) == ["web"] and warnings == []


def test_compose_groups_and_keyed_groups_apply_when_configured():
    records = [record("1", "win", os_type="WINDOWS", migration_cycle="replicating"),
               record("2", "lin", os_type="LINUX", migration_cycle="cutovered")]
    inventory, _w = populate({
        "compose": {"ansible_connection": trusted("'winrm' if sms_os_type == 'WINDOWS' else 'ssh'")},
        "groups": {"winrm_hosts": trusted("ansible_connection == 'winrm'")},
        "keyed_groups": [{"key": trusted("sms_migration_cycle"), "prefix": "cycle"}]}, records)
    assert inventory.hosts["win"].vars["ansible_connection"] == "winrm"
    assert inventory.hosts["lin"].vars["ansible_connection"] == "ssh"
    assert [h.name for h in inventory.groups["winrm_hosts"].get_hosts()] == ["win"]
    assert [h.name for h in inventory.groups["cycle_cutovered"].get_hosts()] == ["lin"]


def test_strict_expression_error_fails_and_non_strict_skips():
    records = [record("1", "a")]
    with pytest.raises(AnsibleParserError, match="no_such_var"):
        populate({"strict": True, "include_filters": [trusted("no_such_var")]}, records)
    inventory, _w = populate({"strict": False, "include_filters": [trusted("no_such_var")]}, records)
    assert len(inventory.hosts) == 0


def test_host_known_from_another_source_keeps_its_other_variables():
    plugin, _w = plugin_with({})
    plugin.inventory.add_host("a")
    plugin.inventory.set_variable("a", "owner", "team-x")
    plugin.inventory.set_variable("a", "sms_current_task", {"note": "from elsewhere"})
    plugin._populate([record("1", "a")], plugin._read_settings())
    host_vars = plugin.inventory.hosts["a"].vars
    # set_variable semantics (hash_behaviour=replace by default): ours replaces, theirs stays.
    assert host_vars["owner"] == "team-x"
    assert host_vars["sms_current_task"] == {"id": "t-1", "state": "RUNNING"}
