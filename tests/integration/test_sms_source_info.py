# -*- coding: utf-8 -*-
"""sms_source_info end to end: ansible-playbook -> module -> shared client -> emulator."""

import json

import pytest

from support.ansible import emulator_env, run_module, run_playbook


def _ids(records):
    return sorted(r["id"] for r in records)


def test_lists_every_source_across_pages(emulator_factory):
    emu = emulator_factory(sources=450, seed=3)
    result = run_module("sms_source_info", {}, env=emulator_env(emu))
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
    result = run_module("sms_source_info", filters, env=emulator_env(sms_emulator))
    assert not result.get("failed"), result
    expected = sms_emulator.store.list_sources(**filters)
    assert result["count"] == len(expected)
    assert _ids(result["source_servers"]) == _ids(expected)


def test_id_returns_that_one_source_and_one_page_with_limit_offset(sms_emulator):
    every = sms_emulator.store.list_sources()
    one = run_module("sms_source_info", {"id": every[5]["id"]}, env=emulator_env(sms_emulator))
    assert [s["id"] for s in one["source_servers"]] == [every[5]["id"]]
    assert one["source_servers"][0] == every[5]
    page = run_module("sms_source_info", {"limit": 10, "offset": 20}, env=emulator_env(sms_emulator))
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
    result = run_module("sms_source_info", args, env=emulator_env(emu))
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []


def test_missing_credentials_fail_before_any_request(emulator_factory):
    emu = emulator_factory(sources=3)
    env = emulator_env(emu, HUAWEICLOUD_SECRET_KEY=None)
    result = run_module("sms_source_info", {}, env=env)
    assert result["failed"] and "secret_key is missing" in result["msg"]
    assert emu.request_log() == []


def test_wrong_secret_key_gives_the_gateway_error_with_request_id(emulator_factory):
    emu = emulator_factory(sources=3)
    result = run_module("sms_source_info", {}, env=emulator_env(emu, HUAWEICLOUD_SECRET_KEY="wrong-secret-key-value"))
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (401, "APIGW.0301")
    logged = [e for e in emu.request_log() if e["path"] == "/v3/sources"]
    assert result["request_id"] and result["request_id"] == logged[-1]["request_id"]
    assert result["request_id"] in result["msg"]
    assert "wrong-secret-key-value" not in result["_run"].output


def test_missing_permission_gives_sms_9004_with_all_fields(emulator_factory):
    emu = emulator_factory(sources=3)
    emu.add_user("AKREADDENIED00000001", "sk-denied-user-secret", denied_actions=["sms:server:list"])
    env = emulator_env(emu, HUAWEICLOUD_ACCESS_KEY="AKREADDENIED00000001", HUAWEICLOUD_SECRET_KEY="sk-denied-user-secret")
    result = run_module("sms_source_info", {}, env=env)
    assert result["failed"] and result["status"] == 403 and result["error_code"] == "SMS.9004"
    assert result["encoded_authorization_message"]
    assert "sms:server:list" in result["error_msg"]
    assert result["body"]["details"][0]["error_code"] == "SMS.9004"


def test_credentials_from_sdk_sample_variables_and_token_auth(emulator_factory):
    emu = emulator_factory(sources=4)
    creds = emu.credentials
    env = {"HUAWEICLOUD_SMS_ENDPOINT": creds["endpoint"], "CLOUD_SDK_AK": creds["access_key"], "CLOUD_SDK_SK": creds["secret_key"]}
    assert run_module("sms_source_info", {}, env=env)["count"] == 4
    token_env = {"HUAWEICLOUD_SMS_ENDPOINT": creds["endpoint"], "HUAWEICLOUD_AUTH_TOKEN": creds["auth_token"]}
    assert run_module("sms_source_info", {}, env=token_env)["count"] == 4
    bad_token = run_module("sms_source_info", {}, env=dict(token_env, HUAWEICLOUD_AUTH_TOKEN="not-a-token"))
    assert bad_token["failed"] and bad_token["status"] == 401


def test_project_id_is_resolved_from_region_through_iam(emulator_factory):
    emu = emulator_factory(sources=2)
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region, HUAWEICLOUD_IAM_ENDPOINT=emu.url)
    env.pop("HUAWEICLOUD_PROJECT_ID")
    result = run_module("sms_source_info", {}, env=env)
    assert result["count"] == 2, result
    log = emu.request_log()
    assert [e["path"] for e in log] == ["/v3/projects", "/v3/sources"]
    assert log[0]["query"] == "name=%s" % emu.region


def test_throttling_and_server_errors_are_retried_to_a_complete_list(emulator_factory):
    emu = emulator_factory(sources=3000, seed=11)
    emu.set_faults(rate_429=0.2, rate_5xx=0.2, status_5xx=503, retry_after=0, fault_seed=5)
    result = run_module("sms_source_info", {"retries": 10}, env=emulator_env(emu))
    assert not result.get("failed"), result
    assert _ids(result["source_servers"]) == _ids(emu.store.list_sources())
    statuses = [e["status"] for e in emu.request_log()]
    assert 429 in statuses and 503 in statuses


def test_module_defaults_group_and_check_mode(emulator_factory):
    emu = emulator_factory(sources=5)
    creds = emu.credentials
    playbook = [{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "module_defaults": {"group/hwcloud.sms.sms": {
            "endpoint": creds["endpoint"], "access_key": creds["access_key"], "secret_key": creds["secret_key"]}},
        "tasks": [{"name": "list", "hwcloud.sms.sms_source_info": {"state": "waiting"}, "register": "out"}],
    }]
    run = run_playbook(json.dumps(playbook) + "\n", check=True)
    assert run.rc == 0, run
    assert run.result("list")["count"] == emu.store.count_sources(state="waiting")


def test_secret_key_never_appears_even_at_vvvv(emulator_factory):
    emu = emulator_factory(sources=2)
    result = run_module("sms_source_info", {"secret_key": emu.credentials["secret_key"]},
                        env=emulator_env(emu), verbosity=4)
    assert result["count"] == 2
    assert emu.credentials["secret_key"] not in result["_run"].output
