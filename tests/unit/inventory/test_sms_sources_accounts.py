# -*- coding: utf-8 -*-
"""The ``accounts`` option of the sms_sources inventory plugin: checks before any request,
concurrent listings (shown with two servers that answer only once both were asked), and
how hosts of several accounts are named, grouped and marked."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible.errors import AnsibleParserError

from unit.inventory.test_sms_sources import plugin_with, record, trusted


def _accounts(*names, **options):
    return [dict(dict(name=name, endpoint="http://127.0.0.1:9", access_key="AK" + name, secret_key="SK" + name),
                 **options) for name in names]


def _populate(listings, options=None):
    plugin, warnings = plugin_with(dict({"accounts": _accounts(*[name for name, _r in listings])}, **(options or {})))
    plugin._populate(listings, plugin._read_settings())
    return plugin.inventory, warnings


def test_the_same_name_and_id_in_two_accounts_make_two_hosts():
    twins = [record("id-1", "web", ip="10.0.0.1"), record("id-2", "db", ip="10.0.0.2")]
    copies = [record("id-1", "web", ip="10.9.0.1"), record("id-3", "app", ip="10.9.0.3")]
    inventory, warnings = _populate([("a", twins), ("b", copies)])
    hosts = inventory.hosts
    assert sorted(hosts) == ["app", "db", "web", "web_b"]
    assert (hosts["web"].vars["sms_account"], hosts["web"].vars["ansible_host"]) == ("a", "10.0.0.1")
    assert (hosts["web_b"].vars["sms_account"], hosts["web_b"].vars["ansible_host"]) == ("b", "10.9.0.1")
    assert hosts["web_b"].vars["sms_id"] == hosts["web"].vars["sms_id"] == "id-1"
    assert sorted(h.name for h in inventory.groups["account_a"].get_hosts()) == ["db", "web"]
    assert sorted(h.name for h in inventory.groups["account_b"].get_hosts()) == ["app", "web_b"]
    assert warnings == ["1 hostname(s) were given by sources of several accounts; the first account listed keeps each, "
                        "the others became <hostname>_<account>. hostname: renamed accounts: web: b"]


def test_the_first_account_listed_keeps_the_name_whatever_the_registration_dates():
    inventory, _w = _populate([("late", [record("x", "web", add_date=9000)]),
                               ("early", [record("y", "web", add_date=1)])])
    assert inventory.hosts["web"].vars["sms_account"] == "late"
    assert inventory.hosts["web_early"].vars["sms_account"] == "early"


def test_duplicates_inside_one_account_still_follow_hostname_collision():
    inventory, _w = _populate([("a", [record("1", "web", add_date=1), record("2", "web", add_date=2)]),
                               ("b", [record("3", "web")])])
    names = dict((name, (host.vars["sms_account"], host.vars["sms_id"])) for name, host in inventory.hosts.items())
    assert names == {"web": ("a", "1"), "web_2": ("a", "2"), "web_b": ("b", "3")}


def test_account_groups_follow_the_prefix_and_default_groups():
    inventory, _w = _populate([("a", [record("1", "web")])], {"default_groups_prefix": "sms_"})
    assert "sms_account_a" in inventory.groups and "account_a" not in inventory.groups
    inventory, _w = _populate([("a", [record("1", "web")])], {"default_groups": False})
    assert not [group for group in inventory.groups if "account" in group]
    assert inventory.hosts["web"].vars["sms_account"] == "a"


def test_without_accounts_no_account_variable_or_group():
    plugin, _w = plugin_with({})
    plugin._populate([(None, [record("1", "web")])], plugin._read_settings())
    assert "sms_account" not in plugin.inventory.hosts["web"].vars
    assert not [group for group in plugin.inventory.groups if group.startswith("account")]


def test_sms_account_can_drive_compose_and_keyed_groups():
    inventory, _w = _populate([("a", [record("1", "web")]), ("b", [record("2", "db")])],
                              {"keyed_groups": [{"key": trusted("sms_account"), "prefix": "acct"}],
                               "compose": {"owner": trusted("'team-' ~ sms_account")}})
    assert [h.name for h in inventory.groups["acct_b"].get_hosts()] == ["db"]
    assert inventory.hosts["web"].vars["owner"] == "team-a"


@pytest.mark.parametrize("accounts, options, message", [
    (_accounts("a"), {"region": "ap-southeast-3"},
     "the top-level connection option(s) region cannot be combined with accounts"),
    ([{"endpoint": "http://x"}], {}, "accounts[0].name must be 1 to 64 letters, digits, '_' or '-', got None"),
    (_accounts("a b"), {}, "accounts[0].name must be 1 to 64 letters, digits, '_' or '-', got 'a b'"),
    (_accounts("a", "a"), {}, "accounts[1].name 'a' is used by an earlier account; names must be unique"),
    ([dict(_accounts("a")[0], secret="x")], {},
     "accounts[0] (a): unknown option(s) 'secret' (did you mean 'secret_key'?)"),
    (["a"], {}, "accounts[0] must be a dict of connection options with a name"),
])
def test_bad_accounts_are_refused_before_any_request(accounts, options, message):
    plugin, _w = plugin_with({"accounts": accounts})
    plugin._config_keys = frozenset(["plugin", "accounts"] + list(options))
    with pytest.raises(AnsibleParserError) as caught:
        plugin._read_settings()
    assert message in str(caught.value)


@pytest.mark.parametrize("option, value, message", [
    ("timeout", "soon", "accounts[0].timeout (account a) must be a int, got 'soon'"),
    ("validate_certs", "maybe", "accounts[0].validate_certs (account a) must be a bool, got 'maybe'"),
    ("retries", 2.5, "accounts[0].retries (account a) must be a int, got 2.5"),
])
def test_account_values_get_their_documented_types(option, value, message):
    plugin, _w = plugin_with({})
    with pytest.raises(AnsibleParserError) as caught:
        plugin._account_options(0, dict(_accounts("a")[0], **{option: value}))
    assert message in str(caught.value)
    options = plugin._account_options(0, dict(_accounts("a")[0], timeout="7", validate_certs="no"))
    assert (options["timeout"], options["validate_certs"], options["retries"]) == (7, False, 5)


def test_accounts_ignore_the_environment(monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("HUAWEICLOUD_REGION", "ap-southeast-3")
    plugin, _w = plugin_with({})
    options = plugin._account_options(0, {"name": "a", "endpoint": "http://127.0.0.1:9", "access_key": "AK"})
    assert options["secret_key"] is None and options["region"] is None


class _BothAsked(object):
    """Two SMS stand-ins whose listings answer only once BOTH have been asked: a plugin that lists
    one account after the other waits for the barrier in vain and gets HTTP 500."""

    def __init__(self, timeout=10):
        barrier = threading.Barrier(2, timeout=timeout)
        self.servers = []
        for name in ("a", "b"):
            class Handler(BaseHTTPRequestHandler):
                account = name

                def do_GET(self):  # pylint: disable=invalid-name
                    try:
                        barrier.wait()
                        status, body = 200, {"count": 1, "source_servers": [
                            {"id": "id-" + self.account, "name": "web", "ip": "10.0.0.1", "state": "waiting",
                             "os_type": "LINUX", "add_date": 1, "connected": True}]}
                    except threading.BrokenBarrierError:
                        status, body = 500, {"error_code": "SMS.9999", "error_msg": "listed one after the other"}
                    data = json.dumps(body).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

                def log_message(self, *args):
                    pass
            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            self.servers.append(server)

    def urls(self):
        return ["http://127.0.0.1:%d" % server.server_address[1] for server in self.servers]

    def close(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()


def test_accounts_are_listed_at_the_same_time():
    both = _BothAsked()
    try:
        accounts = [dict(name=name, endpoint=url, access_key="AK" + name, secret_key="SK-" + name, project_id="p",
                         retries=0) for name, url in zip(("a", "b"), both.urls())]
        plugin, _w = plugin_with({"accounts": accounts})
        listings = plugin._fetch(plugin._read_settings())
    finally:
        both.close()
    assert [(account, [r["id"] for r in records]) for account, records in listings] == [("a", ["id-a"]), ("b", ["id-b"])]


def test_one_account_that_cannot_be_listed_fails_the_run_naming_it():
    both = _BothAsked(timeout=0.5)
    try:
        # Account b's endpoint refuses connections: no partial inventory of account a alone.
        accounts = [dict(name="a", endpoint=both.urls()[0], access_key="AKa", secret_key="SK-a", project_id="p", retries=0),
                    dict(name="b", endpoint="http://127.0.0.1:1", access_key="AKb", secret_key="SK-very-secret-b",
                         project_id="p", retries=0)]
        plugin, _w = plugin_with({"accounts": accounts})
        with pytest.raises(AnsibleParserError) as caught:
            plugin._fetch(plugin._read_settings())
    finally:
        both.close()
    message = str(caught.value)
    assert "could not list the source servers of account b" in message
    assert "SK-very-secret-b" not in message and "SK-a" not in message
