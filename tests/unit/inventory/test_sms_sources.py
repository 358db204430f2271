# -*- coding: utf-8 -*-
"""Unit tests of the hostname, collision, filter and group logic of hwcloud.sms.sms_sources."""

import json

import pytest
import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.template import Templar
from ansible.parsing.dataloader import DataLoader
from ansible._internal._datatag._tags import TrustedAsTemplate

from ansible_collections.hwcloud.sms.plugins.inventory import sms_sources
from ansible_collections.hwcloud.sms.plugins.inventory.sms_sources import (
    InventoryModule, build_queries, make_unique, merge_by_id)


# The plugin's own documented defaults, so a test sees what a user without that option sees.
DOCUMENTED_DEFAULTS = dict((name, spec.get("default")) for name, spec in
                           yaml.safe_load(sms_sources.DOCUMENTATION)["options"].items())


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
    defaults = dict(DOCUMENTED_DEFAULTS, compose={}, groups={}, keyed_groups=[], strict=False, leading_separator=True,
                    use_extra_vars=False)
    defaults.update(options)
    plugin.get_option = defaults.get
    plugin.inventory = InventoryData()
    plugin.templar = Templar(loader=DataLoader())
    plugin._vars = {}
    warnings = []
    plugin.display = type("D", (), {"warning": staticmethod(warnings.append), "vvv": staticmethod(lambda m: None)})()
    plugin._cache = {}
    return plugin, warnings


def populate(options, records):
    plugin, warnings = plugin_with(options)
    plugin._populate([(None, records)], plugin._read_settings())
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


def test_hostname_variable_of_a_field_outside_hostvar_fields():
    inventory, _w = populate({"hostnames": [trusted("sms_add_date")]}, [record("id1", "web-1", add_date=1234)])
    assert list(inventory.hosts) == ["1234"]
    assert "sms_add_date" not in inventory.hosts["1234"].vars


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
    inventory, _w = populate({"hostvar_fields": ["all"]}, [source])
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
    plugin._populate([(None, [record("1", "a")])], dict(plugin._read_settings(), fields=None))
    host_vars = plugin.inventory.hosts["a"].vars
    # set_variable semantics (hash_behaviour=replace by default): ours replaces, theirs stays.
    assert host_vars["owner"] == "team-x"
    assert host_vars["sms_current_task"] == {"id": "t-1", "state": "RUNNING"}


# --- host and group name spaces (issue 11, cases 3 and 4) ----------------------------------

@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "::1", "LocalHost", "all", "ungrouped"])
def test_reserved_names_never_become_hosts(name):
    inventory, warnings = populate({}, [record("id-1", name, ip="10.0.0.9"), record("id-2", "web")])
    assert sorted(inventory.hosts) == sorted(["%s_id-1" % name, "web"])
    assert inventory.hosts["%s_id-1" % name].vars["ansible_host"] == "10.0.0.9"
    assert "localhost" not in inventory.hosts
    assert len(warnings) == 1 and "%s: id-1" % name in warnings[0]


def test_ip_of_the_implicit_localhost_is_not_a_hostname_either():
    inventory, _w = populate({}, [record("id-1", "", ip="127.0.0.1")])
    assert list(inventory.hosts) == ["127.0.0.1_id-1"]


@pytest.mark.parametrize("name", ["os_linux", "state_waiting", "state_error"])
def test_a_source_named_like_a_default_group_leaves_the_group_alone(name):
    records = [record("id-1", name, os_type="WINDOWS", state="replicate"), record("id-2", "lin", os_type="LINUX"),
               record("id-3", "err", state="error", os_type="WINDOWS")]
    inventory, _w = populate({}, records)
    assert name not in inventory.hosts and "%s_id-1" % name in inventory.hosts
    assert [h.name for h in inventory.groups["os_linux"].get_hosts()] == ["lin"]
    assert [h.name for h in inventory.groups["state_error"].get_hosts()] == ["err"]
    assert sorted(h.name for h in inventory.groups["os_windows"].get_hosts()) == sorted(["%s_id-1" % name, "err"])


def test_a_group_from_keyed_groups_renames_the_host_with_its_name():
    records = [record("id-1", "cycle_cutovered", migration_cycle="replicating"),
               record("id-2", "b", migration_cycle="cutovered")]
    inventory, _w = populate({"keyed_groups": [{"key": trusted("sms_migration_cycle"), "prefix": "cycle"}]}, records)
    assert "cycle_cutovered" not in inventory.hosts
    assert [h.name for h in inventory.groups["cycle_cutovered"].get_hosts()] == ["b"]
    assert [h.name for h in inventory.groups["cycle_replicating"].get_hosts()] == ["cycle_cutovered_id-1"]
    assert inventory.hosts["cycle_cutovered_id-1"].vars["sms_id"] == "id-1"


def test_groups_known_from_other_sources_are_not_taken():
    plugin, _w = plugin_with({})
    plugin.inventory.add_group("webservers")
    plugin._populate([(None, [record("id-1", "webservers")])], plugin._read_settings())
    assert "webservers" not in plugin.inventory.hosts and "webservers_id-1" in plugin.inventory.hosts


def test_a_name_like_another_sources_suffixed_name_does_not_fail_the_inventory():
    records = [record("a", "web", add_date=1), record("b", "web", add_date=2), record("c", "web_b", add_date=3)]
    inventory, _w = populate({}, records)
    ids = dict((name, host.vars["sms_id"]) for name, host in inventory.hosts.items())
    # the source really named web_b keeps its name; the renamed twin takes the next free one
    assert ids == {"web": "a", "web_b": "c", "web_b_2": "b"}


def test_odd_records_are_left_out_without_failing_the_others():
    # A record that is not an object never gets here: the client refuses that listing
    # (tests/unit/module_utils/test_listing.py).
    records = [{"name": "no-id"}, {"id": "", "name": "empty-id"}, {"id": {"x": 1}, "name": "odd-id"},
               record("id-1", {"a": "dict"}, ip="10.0.0.5"), record("id-2", "good"), record("id-3", True, ip=None)]
    inventory, warnings = populate({}, records)
    assert sorted(inventory.hosts) == ["10.0.0.5", "good", "id-3"]
    assert "3 record(s) of GET /v3/sources were left out because they have no usable id" in warnings


# --- variables: prefix, names that are not variables, hostvar_fields ------------------------

@pytest.mark.parametrize("prefix", ["ansible_", "Ansible_", "ansible"])
def test_hostvars_prefix_that_would_make_connection_variables_is_refused(prefix):
    plugin, _warnings = plugin_with({"hostvars_prefix": prefix})
    with pytest.raises(AnsibleParserError, match="hostvars_prefix must not start with 'ansible'"):
        plugin._read_settings()


def test_api_field_that_is_not_a_variable_name_is_left_out_per_field():
    records = [record("id-1", "a", **{"bad-field": 1, "with space": 2, "fine": 3}), record("id-2", "b")]
    inventory, warnings = populate({"hostvar_fields": ["all"]}, records)
    assert sorted(inventory.hosts) == ["a", "b"]
    assert inventory.hosts["a"].vars["sms_fine"] == 3
    assert not [k for k in inventory.hosts["a"].vars if "bad" in k or "space" in k]
    assert any("'with space'" in w and "'bad-field'" in w for w in warnings)


def test_a_field_that_would_become_an_ansible_variable_is_left_out():
    inventory, warnings = populate({"hostvars_prefix": "a", "hostvar_fields": ["all"]},
                                   [record("id-1", "a", nsible_user="root", ip="10.0.0.1")])
    assert inventory.hosts["a"].vars["ansible_host"] == "10.0.0.1"
    assert "ansible_user" not in inventory.hosts["a"].vars
    assert any("'nsible_user'" in w for w in warnings)


def test_default_hostvar_fields_are_lean_but_every_field_serves_expressions():
    records = [record("id-1", "a", migration_cycle="cutovered"), record("id-2", "b", connected=False)]
    inventory, _w = populate({
        "include_filters": [trusted("sms_current_task.state == 'RUNNING'")],
        "compose": {"task_id": trusted("sms_current_task.id")},
        "groups": {"with_checks": trusted("sms_checks is defined")}}, records)
    host_vars = inventory.hosts["a"].vars
    assert host_vars["task_id"] == "t-id-1"
    assert [h.name for h in inventory.groups["with_checks"].get_hosts()] == ["a", "b"]
    for lean in ("sms_id", "sms_name", "sms_ip", "sms_state", "sms_os_type", "sms_connected", "sms_migration_cycle"):
        assert lean in host_vars
    assert "sms_current_task" not in host_vars and "sms_checks" not in host_vars and "sms_add_date" not in host_vars


def test_hostvar_fields_chooses_the_exported_fields():
    inventory, _w = populate({"hostvar_fields": ["id", "current_task"]}, [record("id-1", "a", ip="10.0.0.7")])
    assert set(k for k in inventory.hosts["a"].vars if k.startswith(("sms_", "ansible_"))) == {
        "sms_id", "sms_current_task", "ansible_host"}
    assert inventory.hosts["a"].vars["ansible_host"] == "10.0.0.7"


@pytest.mark.parametrize("fields, word", [([], "at least one"), (["all", "id"], "cannot be combined"),
                                          (["bad-name"], "'bad-name'")])
def test_bad_hostvar_fields_are_refused(fields, word):
    plugin, _warnings = plugin_with({"hostvar_fields": fields})
    with pytest.raises(AnsibleParserError, match=word):
        plugin._read_settings()


# --- client-side filters that cannot be evaluated never widen the selection -----------------

def test_exclude_filter_that_fails_excludes_even_without_strict():
    records = [record("1", "a"), record("2", "b", state="error")]
    inventory, warnings = populate({"strict": False, "exclude_filters": [trusted("sms_state == 'error'"),
                                                                         trusted("no_such_var.attr")]}, records)
    assert list(inventory.hosts) == []
    assert any("filter evaluation(s) failed" in w for w in warnings)


def test_include_filter_that_fails_for_some_sources_includes_only_those_it_can_prove():
    records = [record("1", "a", current_task=None), record("2", "b")]
    inventory, _w = populate({"strict": False, "include_filters": [trusted("sms_current_task.state == 'RUNNING'")]},
                             records)
    assert list(inventory.hosts) == ["b"]


# --- API text and templating ------------------------------------------------------------------

def test_hostname_with_template_delimiters_falls_through_to_the_next_item():
    payload = "{{ lookup('ansible.builtin.pipe', 'id') }}"
    inventory, _w = populate({}, [record("id-1", payload, ip="10.0.0.3")])
    assert list(inventory.hosts) == ["10.0.0.3"]
    assert inventory.hosts["10.0.0.3"].vars["sms_name"] == payload


def test_text_without_delimiters_is_trusted_and_text_with_them_is_not():
    from ansible.template import is_trusted_as_template
    marked = sms_sources.mark_api_value({"plain": "web-1", "jinja": "{{ x }}", "nested": [{"a": "{% if %}"}, "ok"],
                                         "number": 3, "none": None})
    assert is_trusted_as_template(marked["plain"]) and is_trusted_as_template(marked["nested"][1])
    assert not is_trusted_as_template(marked["jinja"]) and not is_trusted_as_template(marked["nested"][0]["a"])
    assert marked["number"] == 3 and marked["none"] is None
