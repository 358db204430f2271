"""The admin API under /_emulator/ and the request log."""

import json
import urllib.error
import urllib.request

from support.emulator_client import SignedClient


def test_admin_endpoints_are_not_faulted_and_work(sms_emulator, sms_emulator_faults):
    sms_emulator_faults(rate_5xx=1.0)
    base = sms_emulator.url + "/_emulator/"
    with urllib.request.urlopen(base + "faults") as response:
        assert json.load(response)["rate_5xx"] == 1.0
    request = urllib.request.Request(base + "faults", data=json.dumps({"rate_429": 0.5}).encode(), method="POST")
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["rate_429"] == 0.5
    assert sms_emulator.fault_config["rate_5xx"] == 0.0
    request = urllib.request.Request(base + "users", method="POST", data=json.dumps(
        {"access_key": "ADMINAK", "secret_key": "s", "denied_actions": ["sms:server:list"]}).encode())
    with urllib.request.urlopen(request) as response:
        assert json.load(response) == {"access_key": "ADMINAK"}
    sms_emulator.reset_faults()
    assert SignedClient(sms_emulator, "ADMINAK", "s").request("GET", "/v3/sources")[0] == 403
    with urllib.request.urlopen(base + "requests") as response:
        log = json.load(response)
    assert log[-1]["status"] == 403 and log[-1]["path"] == "/v3/sources"
    with urllib.request.urlopen(urllib.request.Request(base + "requests", method="DELETE")):
        pass
    assert sms_emulator.request_log() == []


def test_request_log_hides_tokens(sms_emulator):
    SignedClient(sms_emulator, auth_token=sms_emulator.auth_token).request("GET", "/v3/sources", {"limit": 1})
    entry = sms_emulator.request_log()[-1]
    assert entry["status"] == 200 and sms_emulator.auth_token not in json.dumps(entry)


def _admin(emu, method, path, payload=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(emu.url + "/_emulator/" + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_admin_state_sources_credentials_and_errors(emulator_factory):
    emu = emulator_factory(sources=4, seed=2)
    assert _admin(emu, "GET", "state") == (200, {"sources": 4, "overview": emu.store.overview()})
    status, added = _admin(emu, "POST", "sources", {"count": 3})
    assert status == 200 and len(added["ids"]) == 3 and emu.store.count_sources() == 7
    state = _admin(emu, "GET", "state?source_id=" + added["ids"][0])[1]
    assert state["source"]["id"] == added["ids"][0] and state["pending_command"] is None
    assert _admin(emu, "GET", "credentials")[1]["secret_key"] == emu.secret_key
    assert _admin(emu, "GET", "nothing-here")[1]["error_code"] == "APIGW.0101"
    status, body = _admin(emu, "POST", "faults", {"rate_429": 3})
    assert status == 400 and body["error_code"] == "EMULATOR.400" and "rate_429" in body["error_msg"]
    status, body = _admin(emu, "POST", "users", {"secret_key": "no access key"})
    assert status == 400
    assert emu.request_log() == []  # admin calls are not logged
