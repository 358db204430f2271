# -*- coding: utf-8 -*-
"""sms_source_info in-process against the emulator: complete listings, filters, pages, checks,
authentication (options and environment variables), retries, queries, detail, overview and
errors. (Moved from tests/integration/test_sms_source_info.py and test_sms_source_info_detail.py
with every assertion; action group defaults with --check and -vvvv output stay there.)"""

import json
import os

import pytest

from support.ansible import emulator_env
from support.module_runner import emulator_args, run_module

# Variables a developer's shell may hold that would change what a test sees (as support.ansible scrubs them).
_SCRUBBED_PREFIXES = ("HUAWEICLOUD_", "CLOUD_SDK_")


def _run(emu, **args):
    return run_module("sms_source_info", emulator_args(emu, **args))


@pytest.fixture
def with_env(monkeypatch):
    """Run sms_source_info with no options and only ``env``'s variables of the collection set, so
    the connection comes from the environment as in a playbook that sets none."""
    def run(env):
        for name in list(os.environ):
            if name.startswith(_SCRUBBED_PREFIXES):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return run_module("sms_source_info", {})
    return run


def _ids(records):
    return sorted(r["id"] for r in records)


def test_lists_every_source_across_pages(emulator_factory):
    emu = emulator_factory(sources=450, seed=3)
    result = _run(emu)
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["count"] == 450
    assert _ids(result["source_servers"]) == _ids(emu.store.list_sources())
    pages = [e for e in emu.request_log() if e["path"] == "/v3/sources"]
    assert len(pages) == 3  # 200 + 200 + 50


@pytest.mark.parametrize("filters", [
    {"state": "waiting"},
    {"connected": False},
    {"state": "finished", "connected": True},
    {"migration_cycle": "checking"},
    {"enterprise_project_id": "0"},
])
def test_server_side_filters_match_the_emulator(sms_emulator, filters):
    result = _run(sms_emulator, **filters)
    assert not result.get("failed"), result
    expected = sms_emulator.store.list_sources(**filters)
    assert result["count"] == len(expected)
    assert _ids(result["source_servers"]) == _ids(expected)


def test_id_returns_that_one_source_and_one_page_with_limit_offset(sms_emulator):
    every = sms_emulator.store.list_sources()
    one = _run(sms_emulator, id=every[5]["id"])
    assert [s["id"] for s in one["source_servers"]] == [every[5]["id"]]
    assert one["source_servers"][0] == every[5]
    page = _run(sms_emulator, limit=10, offset=20)
    assert page["count"] == len(every)
    assert [s["id"] for s in page["source_servers"]] == [s["id"] for s in every[20:30]]


@pytest.mark.parametrize("args,message", [
    ({"limit": 201}, "limit must be between 1 and 200"),
    ({"limit": 0}, "limit must be between 1 and 200"),
    ({"offset": 65536}, "offset must be between 0 and 65535"),
    ({"name": "x" * 256}, "name must be at most 255 characters"),
    ({"state": "sleeping"}, "value of state must be one of"),
    ({"connected": "perhaps"}, "connected"),
])
def test_bad_input_fails_before_any_request(emulator_factory, args, message):
    emu = emulator_factory(sources=3)
    result = _run(emu, **args)
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []


def test_missing_credentials_fail_before_any_request(emulator_factory, with_env):
    emu = emulator_factory(sources=3)
    env = emulator_env(emu, HUAWEICLOUD_SECRET_KEY=None)
    result = with_env(env)
    assert result["failed"] and "secret_key is missing" in result["msg"]
    assert emu.request_log() == []


def test_wrong_secret_key_gives_the_gateway_error_with_request_id(emulator_factory, with_env):
    emu = emulator_factory(sources=3)
    result = with_env(emulator_env(emu, HUAWEICLOUD_SECRET_KEY="wrong-secret-key-value"))
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (401, "APIGW.0301")
    logged = [e for e in emu.request_log() if e["path"] == "/v3/sources"]
    assert result["request_id"] and result["request_id"] == logged[-1]["request_id"]
    assert result["request_id"] in result["msg"]
    assert "wrong-secret-key-value" not in json.dumps(result)  # all the module printed


def test_missing_permission_gives_sms_9004_with_all_fields(emulator_factory, with_env):
    emu = emulator_factory(sources=3)
    emu.add_user("AKREADDENIED00000001", "sk-denied-user-secret", denied_actions=["sms:server:list"])
    env = emulator_env(emu, HUAWEICLOUD_ACCESS_KEY="AKREADDENIED00000001", HUAWEICLOUD_SECRET_KEY="sk-denied-user-secret")
    result = with_env(env)
    assert result["failed"] and result["status"] == 403 and result["error_code"] == "SMS.9004"
    assert result["encoded_authorization_message"]
    assert "sms:server:list" in result["error_msg"]
    assert result["body"]["details"][0]["error_code"] == "SMS.9004"


def test_credentials_from_sdk_sample_variables_and_token_auth(emulator_factory, with_env):
    emu = emulator_factory(sources=4)
    creds = emu.credentials
    env = {"HUAWEICLOUD_SMS_ENDPOINT": creds["endpoint"], "CLOUD_SDK_AK": creds["access_key"], "CLOUD_SDK_SK": creds["secret_key"]}
    assert with_env(env)["count"] == 4
    token_env = {"HUAWEICLOUD_SMS_ENDPOINT": creds["endpoint"], "HUAWEICLOUD_AUTH_TOKEN": creds["auth_token"]}
    assert with_env(token_env)["count"] == 4
    bad_token = with_env(dict(token_env, HUAWEICLOUD_AUTH_TOKEN="not-a-token"))
    assert bad_token["failed"] and bad_token["status"] == 401


def test_project_id_is_resolved_from_region_through_iam(emulator_factory, with_env):
    # Random credentials: the client caches a project id per IAM endpoint, access key and region
    # for the process, and this process runs many modules.
    emu = emulator_factory(sources=2, random_credentials=True)
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region, HUAWEICLOUD_IAM_ENDPOINT=emu.url)
    env.pop("HUAWEICLOUD_PROJECT_ID")
    result = with_env(env)
    assert result["count"] == 2, result
    log = emu.request_log()
    assert [e["path"] for e in log] == ["/v3/projects", "/v3/sources"]
    assert log[0]["query"] == "name=%s" % emu.region


def test_throttling_and_server_errors_are_retried_to_a_complete_list(emulator_factory):
    emu = emulator_factory(sources=3000, seed=11)
    emu.set_faults(rate_429=0.2, rate_5xx=0.2, status_5xx=503, retry_after=0, fault_seed=5)
    result = _run(emu, retries=10)
    assert not result.get("failed"), result
    assert _ids(result["source_servers"]) == _ids(emu.store.list_sources())
    statuses = [e["status"] for e in emu.request_log()]
    assert 429 in statuses and 503 in statuses


def test_query_returns_only_its_value(sms_emulator):
    result = _run(sms_emulator, state="waiting", query="[].id")
    assert not result.get("failed"), result
    assert "source_servers" not in result
    assert sorted(result["query_result"]) == _ids(sms_emulator.store.list_sources(state="waiting"))
    assert result["count"] == len(result["query_result"])


@pytest.mark.parametrize("args,message", [
    ({"query": "[?state=="}, "query is not a valid JMESPath expression"),
    ({"page_workers": 0}, "page_workers must be between 1 and 32, got 0"),
    ({"page_workers": 33}, "page_workers must be between 1 and 32, got 33"),
])
def test_bad_query_or_workers_fail_before_any_request(emulator_factory, args, message):
    emu = emulator_factory(sources=3)
    result = _run(emu, **args)
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []


def test_pages_are_fetched_concurrently(emulator_factory):
    emu = emulator_factory(sources=1000, seed=4, latency_ms=300)
    result = _run(emu, page_workers=8, query="length(@)")
    assert result["query_result"] == 1000
    later_pages = [e["time"] for e in emu.request_log() if e["path"] == "/v3/sources" and "offset=0" not in e["query"]]
    assert len(later_pages) == 5 and max(later_pages) - min(later_pages) < 0.25  # sequential: >= 1.2 s apart


def test_ipv6_and_vm_id_are_sent_as_filters(emulator_factory):
    emu = emulator_factory(sources=3)
    result = _run(emu, ipv6="fd00::1", vm_id="vm-1")
    assert result["count"] == 0 and result["source_servers"] == []
    assert [e["query"] for e in emu.request_log()] == ["ipv6=fd00%3A%3A1&limit=200&offset=0&vm_id=vm-1"]


def test_a_source_that_stayed_waiting_is_never_lost_while_others_move(emulator_factory):
    """Between two pages one waiting source leaves the state and another enters: the count is
    the same, but offsets shift. The listing is read again and is complete."""
    emu = emulator_factory(sources=600, seed=5, states="waiting=0.6,finished=0.4")
    before = set(_ids(emu.store.list_sources(state="waiting")))
    emu.set_faults(churn_pages=1)
    result = _run(emu, state="waiting", page_workers=1)
    assert not result.get("failed"), result
    after = set(_ids(emu.store.list_sources(state="waiting")))
    assert before != after and before & after <= set(_ids(result["source_servers"]))
    assert set(_ids(result["source_servers"])) == after
    assert any(e["fault"] and e["fault"].startswith("churn") for e in emu.request_log())


def test_a_fleet_that_keeps_changing_fails_instead_of_a_partial_listing(emulator_factory):
    emu = emulator_factory(sources=600, seed=5, states="waiting=0.6,finished=0.4")
    emu.set_faults(churn_pages=100)
    result = _run(emu, state="waiting", page_workers=1)
    assert result["failed"] and "changed while it was read, 3 times in a row" in result["msg"], result


@pytest.mark.parametrize("variant,message", [
    ("html", "the answer is not JSON (Content-Type application/json;charset=utf-8, text/html)"),
    ("truncated", "the answer is not JSON"),
    ("array", "the answer is a JSON array, not a JSON object"),
    ("record_not_object", "every element of source_servers must be an object"),
    ("count_not_int", "count must be a non-negative integer, got str"),
    ("no_count", "count must be a non-negative integer, got nothing"),
    ("no_items", "source_servers must be a list, got nothing"),
])
def test_a_listing_answer_that_is_not_the_documented_object_fails_cleanly(emulator_factory, variant, message):
    emu = emulator_factory(sources=5)
    emu.set_faults(bad_body_next=[variant])
    result = _run(emu)
    assert result["failed"] and message in result["msg"], result
    # In-process a traceback would end run_module with the exception itself; kept from the playbook test.
    assert "Traceback" not in result.get("module_stderr", "") and "source_servers" not in result


def test_a_count_that_changes_between_pages_fails(emulator_factory):
    emu = emulator_factory(sources=450)
    emu.set_faults(bad_body_next=[None, "count_plus_one"] * 10)
    result = _run(emu, page_workers=1)
    assert result["failed"] and "changed while it was read" in result["msg"] and "count went from" in result["msg"], result


def test_a_page_cut_off_mid_body_is_read_again(emulator_factory):
    emu = emulator_factory(sources=250)
    emu.set_faults(reset_mid_body_next=1)
    result = _run(emu, query="length(@)")
    assert result["query_result"] == 250, result
    first_pages = [e for e in emu.request_log() if "offset=0" in e["query"]]
    assert [e["fault"] for e in first_pages] == ["reset_mid_body", None]


def test_detail_overview_and_errors(emulator_factory):
    """(Moved from tests/integration/test_sms_source_info_detail.py: its playbook's four tasks are
    four module runs in the same order.)"""
    emu = emulator_factory(sources=12, seed=4, states="waiting=0.5,error=0.5")
    waiting = emu.store.list_sources(state="waiting")
    in_error = emu.store.list_sources(state="error")
    assert waiting and in_error
    vanished = waiting[0]["id"]
    original = emu.store.get_source
    emu.store.get_source = lambda source_id: None if source_id == vanished else original(source_id)
    detail = _run(emu, state="error", detail=True, overview=True, errors=True)
    plain = _run(emu, state="error")
    detail_query = _run(emu, state="error", detail=True, query="[].networks[0].mac")
    gone = _run(emu, id=vanished, detail=True)
    assert [s["id"] for s in detail["source_servers"]] == [s["id"] for s in in_error]
    for listed, shown in zip(in_error, detail["source_servers"]):
        expected = original(listed["id"])
        assert shown["disks"] == expected["disks"] and shown["networks"] == expected["networks"]
        assert shown["is_consistency_result_exist"] == listed["is_consistency_result_exist"]  # listing fields kept
    assert detail["overview"] == emu.store.overview()
    assert sorted(e["source_id"] for e in detail["migration_errors"]) == sorted(s["id"] for s in in_error)
    assert "disks" not in plain["source_servers"][0] and "overview" not in plain and "migration_errors" not in plain
    assert detail_query["query_result"] == [original(s["id"])["networks"][0]["mac"] for s in in_error]
    assert gone["failed"] and gone["status"] == 404 and gone["error_code"] == "SMS.0404" and vanished in gone["msg"]
