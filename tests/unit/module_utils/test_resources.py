# -*- coding: utf-8 -*-
"""_resources: comparing what a user asks for with what SMS holds, exact-name lookups, and the
page-by-page reading of small listings (against the emulator over HTTP)."""

from urllib.parse import parse_qsl

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import as_bool
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError
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
