# -*- coding: utf-8 -*-
"""_resources: comparing what a user asks for with what SMS holds, exact-name lookups, the
page-by-page reading of small listings (against the emulator over HTTP) and errors in context;
_templates and _migprojects: the pure rules, bodies and diffs of sms_template and sms_migproject."""

from urllib.parse import parse_qsl

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import as_bool
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, SmsInputError, step
from ansible_collections.hwcloud.sms.plugins.module_utils import _migprojects, _templates
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import (
    changed_fields, list_every, matches, one_named, resolve_sources, without_none)
from ansible_collections.hwcloud.sms.plugins.module_utils._templates import comparable


def test_matches_compares_only_what_is_asked_for():
    current = {"vpc": {"id": "v-1", "name": "vpc", "cidr": "10.0.0.0/8"}, "nics": [{"id": "s", "name": "n", "cidr": "c", "ip": None}]}
    assert matches(current, {"vpc": {"id": "v-1"}})
    assert not matches(current, {"vpc": {"id": "v-2"}})
    assert matches(current, {"nics": [{"id": "s", "cidr": "c"}]})
    assert not matches(current, {"nics": [{"id": "s"}, {"id": "t"}]})  # another length
    assert not matches({"vpc": None}, {"vpc": {"id": "v-1"}})
    assert not matches({"disk": "x"}, {"disk": [{"index": 0}]})
    assert matches({"flavor": "s6"}, {})
    assert not matches({"is_template": "true"}, {"is_template": True})  # callers normalise first (as_bool)


def test_changed_fields_are_sorted_names_of_differences():
    current = {"flavor": "s6.large.2", "publicip": {"type": "5_bgp", "bandwidth_size": 10}, "image_id": None}
    wanted = {"flavor": "s6.xlarge.2", "publicip": {"bandwidth_size": 10}, "image_id": "img", "name": "x"}
    assert changed_fields(dict(current, name="x"), wanted) == ["flavor", "image_id"]
    assert changed_fields(current, {}) == []


def test_without_none_drops_unset_keys_recursively():
    assert without_none({"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None, "g": 2}]}) == {"b": {"d": 1}, "e": [{"g": 2}]}


@pytest.mark.parametrize("value, expected", [("true", True), ("False", False), (" TRUE ", True), (True, True),
                                             ("maybe", "maybe"), (None, None)])
def test_as_bool(value, expected):
    assert as_bool(value) == expected


def test_one_named_is_exact_and_refuses_duplicates():
    records = [{"id": "1", "name": "web"}, {"id": "2", "name": "web-2"}, {"id": "3", "name": "db"}, {"id": "4", "name": "db"}]
    assert one_named(records, "web", "server template")["id"] == "1"
    assert one_named(records, "we", "server template") is None
    with pytest.raises(SmsInputError, match=r"2 migration projects are named 'db' \(ids 3, 4\)"):
        one_named(records, "db", "migration project")


def test_list_every_reads_every_page_in_order(emulator_factory):
    emu = emulator_factory(sources=1)
    ids = [emu.store.create_template({"template": {"name": "t%03d" % number}}) for number in range(23)]
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    emu.clear_request_log()
    records = list_every(client, "/v3/vm/templates", "templates", {"name": "t0"}, page_size=10)
    assert [r["id"] for r in records] == ids
    # The client's list_all: pages overlap by one record, so each boundary is checked.
    pages = [dict(parse_qsl(e["query"])) for e in emu.request_log()]
    assert [(page["offset"], page["limit"], page["name"]) for page in pages] == [
        ("0", "10", "t0"), ("9", "10", "t0"), ("18", "10", "t0")]
    assert list_every(client, "/v3/vm/templates", "templates", {"name": "nothing"}) == []


def test_list_every_of_records_named_by_another_field(emulator_factory):
    """GET /v3/errors records carry source_id, not id: every one of them is listed."""
    emu = emulator_factory(sources=7, seed=4, states="error=1")
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    errors = list_every(client, "/v3/errors", "migration_errors", page_size=3, id_key="source_id")
    in_error = emu.store.list_sources(state="error")
    assert len(in_error) == 7 and sorted(e["source_id"] for e in errors) == sorted(s["id"] for s in in_error)


def _source_gets(emu):
    return [dict(parse_qsl(e["query"])) for e in emu.request_log() if e["method"] == "GET" and e["path"] == "/v3/sources"]


def test_resolve_sources_by_id_name_or_ip_with_unknown_and_ambiguous(emulator_factory):
    emu = emulator_factory(sources=5)
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    one, two, three = emu.store.list_sources()[:3]
    emu.store.update_source(three["id"], lambda record: record.update(name=two["name"]))
    keys = [(None, one["id"]), (None, one["name"]), ("ip", one["ip"]), ("id", one["name"]), ("name", two["name"]),
            (None, "no-such-server")]
    for found in (resolve_sources(client, keys), resolve_sources(client, keys[:1]), resolve_sources(client, keys[4:5])):
        for key, result in found.items():
            if key in keys[:3]:
                assert result["source"]["id"] == one["id"]
            elif key == ("name", two["name"]):
                assert result == {"problem": "ambiguous", "ids": sorted([two["id"], three["id"]])}
            else:
                assert result == {"problem": "unknown"}


def test_resolve_sources_lists_the_fleet_once_when_that_is_cheaper(emulator_factory):
    """250 sources are 2 pages: 3 keys are read from one complete listing, 1 key by its own lookups."""
    emu = emulator_factory(sources=250)
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    sources = emu.store.list_sources()
    names = [source["name"] for source in sources[:3]]
    emu.clear_request_log()
    found = resolve_sources(client, [(None, name) for name in names])
    assert [found[(None, name)]["source"]["id"] for name in names] == [source["id"] for source in sources[:3]]
    gets = _source_gets(emu)
    assert not [query for query in gets if "name" in query or "id" in query], gets
    assert len(gets) <= 4, gets  # the probe page, then list_all's two overlapping pages (+ overview)
    emu.clear_request_log()
    found = resolve_sources(client, [(None, names[0])])
    assert found[(None, names[0])]["source"]["id"] == sources[0]["id"]
    assert [sorted(query) for query in _source_gets(emu)] == [["id", "limit", "offset"], ["limit", "name", "offset"]]


def test_template_disks_without_index_sort_last():
    template = {"is_template": "false", "disk": [{"name": "b"}, {"index": 1, "name": "c"}, {"index": 0, "name": "a"}, "odd"]}
    current = comparable(template)
    assert current["is_template"] is False
    assert current["disk"][:2] == [{"index": 0, "name": "a"}, {"index": 1, "name": "c"}]
    assert "target_password" not in comparable(dict(template, target_password="x"))


def test_step_puts_what_was_done_in_front_and_keeps_the_api_fields():
    cause = SmsApiError("DELETE", "https://sms/v3/vm/templates/t-1", 400, "SMS.7111", "in use", request_id="req-1")
    with pytest.raises(SmsError) as raised:
        with step("Deleting template web (t-1) failed"):
            raise cause
    assert str(raised.value) == "Deleting template web (t-1) failed: " + str(cause)
    keywords = raised.value.fail_json_keywords()
    assert keywords["error_code"] == "SMS.7111" and keywords["status"] == 400 and keywords["request_id"] == "req-1"
    with pytest.raises(SmsInputError, match="^name must be"):
        with step(None):
            raise SmsInputError("name must be set")


def _template_params(**options):
    params = dict((option, None) for option in _templates.OPTION_FIELDS + ("target_password",))
    params.update(name="web", is_template=True)
    params.update(options)
    return params


def test_template_bodies_and_diffs():
    disks = [{"index": 1, "name": "data", "disktype": "SAS", "size": 100, "id": None},
             {"index": 0, "name": "system", "disktype": "SAS", "size": 40, "id": None}]
    params = _template_params(flavor="s6", disk=disks, target_password="secret")
    body = _templates.create_body(params, "ap-southeast-3", "p-1")
    assert [d["index"] for d in body["disk"]] == [0, 1] and "id" not in body["disk"][0]
    assert (body["region"], body["projectid"], body["target_password"]) == ("ap-southeast-3", "p-1", "secret")
    assert "region" not in _templates.create_body(params) and "target_password" not in _templates.wanted_fields(params)
    diff = _templates.create_diff(body)
    assert diff["before"] == {} and diff["after"]["target_password"] == "(set)" and body["target_password"] == "secret"
    current = comparable(dict(body, id="t-1", is_template="true", image_id=None))
    put, changes, diff = _templates.update_plan(current, _templates.wanted_fields(dict(params, flavor="s7")), "new")
    assert changes == ["flavor", "target_password"]
    assert diff == {"before": {"flavor": "s6", "target_password": "(hidden)"},
                    "after": {"flavor": "s7", "target_password": "(changed)"}}
    # PUT carries the whole template: the fields left alone, never the None ones
    assert put["region"] == "ap-southeast-3" and put["flavor"] == "s7" and "image_id" not in put
    assert _templates.update_plan(current, _templates.wanted_fields(params))[1] == []
    assert "target_password" not in _templates.shown(body) and _templates.shown(None) == {}


@pytest.mark.parametrize("options, message", [
    (dict(name="web tier!"), "name must be a template name of 1 to 255"),
    (dict(security_groups=[{"id": "autoCreate", "name": "a"}, {"id": "sg", "name": "b"}]),
     "security_groups: an entry with id autoCreate must be the only one"),
    (dict(nics=[{"id": "s", "name": " ", "cidr": "c"}]), "nics[0].name must not be empty: SMS needs id and name and cidr"),
    (dict(publicip={"bandwidth_size": 2001}), "publicip.bandwidth_size must be 1 to 2000 Mbit/s"),
    (dict(publicip={"bandwidth_size": 1050}), "got 1050"),
    (dict(disk=[{"index": -1, "name": "a", "size": 1}]), "disk 'a': index must be >= 0"),
])
def test_template_checks_name_the_option_and_the_rule(options, message):
    with pytest.raises(SmsInputError) as raised:
        _templates.check_template(_template_params(**options))
    assert message in str(raised.value)


def test_template_checks_accept_what_sms_accepts():
    _templates.check_template(_template_params(publicip={"bandwidth_size": 1500}, nics=[{"id": "autoCreate", "name": "n", "cidr": "c"}],
                                               disk=[{"index": 0, "name": "a", "size": 1}, {"index": 1, "name": "b", "size": 2}]))


def _project_params(**options):
    params = dict((option, None) for option in _migprojects.SETTINGS)
    params.update(name="wave-1", state="present", default=None, sources=None, purge_sources=False)
    params.update(options)
    return params


def test_migproject_moves_to_and_from_the_project():
    projects = [{"id": "d", "name": "default", "isdefault": True}, {"id": "w", "name": "wave-1", "isdefault": False}]
    assert _migprojects.moves(projects[1], projects, ["a", "b"], ["b", "c"], False) == (["c"], [], None)
    assert _migprojects.moves(projects[1], projects, ["a", "b"], ["b", "c"], True) == (["c"], ["a"], "d")
    assert _migprojects.moves(None, projects, [], ["c"], True) == (["c"], [], None)
    with pytest.raises(SmsInputError, match="but default is the default project itself"):
        _migprojects.moves(projects[0], projects, ["a"], [], True)
    with pytest.raises(SmsError, match="there is no default project"):
        _migprojects.moves(projects[1], projects[1:], ["a"], [], True)
    diff = _migprojects.add_sources_diff({"before": {}, "after": {}}, ["b", "a"], ["c"], ["a"])
    assert diff == {"before": {"sources": ["a", "b"]}, "after": {"sources": ["b", "c"]}}
    assert _migprojects.add_sources_diff({"before": {}, "after": {}}, ["a"], [], []) == {"before": {}, "after": {}}


def test_migproject_sources_resolve_to_ids_once_each():
    found = {(None, "web"): {"source": {"id": "s-1"}}, (None, "s-1"): {"source": {"id": "s-1"}},
             (None, "twin"): {"problem": "ambiguous", "ids": ["s-2", "s-3"]}, (None, "typo"): {"problem": "unknown"}}
    assert _migprojects.source_ids(["web", "s-1"], found) == ["s-1"]
    with pytest.raises(SmsInputError, match=r"2 source servers are named 'twin' \(ids s-2, s-3\); give the ID instead"):
        _migprojects.source_ids(["web", "twin"], found)
    with pytest.raises(SmsInputError, match="No source server has the ID or the name 'typo'"):
        _migprojects.source_ids(["typo"], found)


def test_migproject_bodies_and_update_plan():
    params = _project_params(type="MIGRATE_FILE", speed_limit=0, default=True)
    assert _migprojects.create_body(params, "ap-southeast-3") == {
        "name": "wave-1", "region": "ap-southeast-3", "type": "MIGRATE_FILE", "speed_limit": 0, "isdefault": True}
    with pytest.raises(SmsInputError, match="type is required to create migration project wave-1"):
        _migprojects.create_body(dict(params, type=None), "ap-southeast-3")
    with pytest.raises(SmsInputError, match="region is required"):
        _migprojects.create_body(params, None)
    project = {"id": "w", "name": "wave-1", "type": "MIGRATE_FILE", "speed_limit": 300, "isdefault": False}
    update, changes, diff = _migprojects.update_plan(project, params)
    assert update == {"speed_limit": 0} and changes == ["speed_limit", "isdefault"]
    assert diff == {"before": {"speed_limit": 300, "isdefault": False}, "after": {"speed_limit": 0, "isdefault": True}}
    assert _migprojects.update_plan(dict(project, speed_limit=0, isdefault=True), params)[:2] == ({}, [])
    with pytest.raises(SmsInputError, match="SMS cannot unset the default"):
        _migprojects.update_plan(dict(project, isdefault=True), dict(params, default=False))


@pytest.mark.parametrize("options, message", [
    (dict(name="wave 1"), "name must be a migration project name"),
    (dict(speed_limit=-1), "speed_limit must be 0 (unlimited) or more Mbit/s, got -1"),
    (dict(description="d" * 256), "description must be at most 255 characters, got 256"),
    (dict(sources=["a", ""]), "sources must not contain empty entries"),
    (dict(purge_sources=True), "purge_sources needs sources"),
    (dict(purge_sources=True, sources=[], default=True), "cannot be used with default: true"),
])
def test_migproject_checks_name_the_option_and_the_rule(options, message):
    with pytest.raises(SmsInputError) as raised:
        _migprojects.check_migproject(_project_params(**options))
    assert message in str(raised.value)


def test_migproject_checks_accept_any_description_up_to_255_characters():
    # an empty description, or one ending in a line break (a YAML block), is a description
    _migprojects.check_migproject(_project_params(description=""))
    _migprojects.check_migproject(_project_params(description="wave one\n", state="absent", purge_sources=True, sources=[],
                                                  default=True))
