"""The admin API under /_emulator/ and the request log."""

import json
import urllib.error
import urllib.request

from support.emulator_client import SignedClient, new_task, task_body


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


def test_write_requests_and_a_task_removed_whatever_its_state(emulator_factory):
    emu = emulator_factory(sources=0)
    client = SignedClient(emu)
    source_id, task_id = new_task(emu, client)
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "START", "result": "success", "result_detail": {}})
    writes = [(entry["method"], entry["path"]) for entry in emu.write_requests()]
    assert writes == [("POST", "/v3/sources"), ("POST", "/v3/tasks"), ("POST", "/v3/tasks/%s/action" % task_id),
                      ("POST", "/v3/sources/%s/command_result" % source_id)]
    assert [(e["method"], e["path"]) for e in _admin(emu, "GET", "requests?writes=true")[1]] == writes
    emu.clear_request_log()
    client.request("GET", "/v3/tasks/" + task_id)
    assert emu.write_requests() == [] and _admin(emu, "GET", "requests?writes=true") == (200, [])

    # the API refuses to delete a running task; the admin API makes it disappear all the same
    assert client.request("DELETE", "/v3/tasks/" + task_id)[1]["error_code"] == "SMS.2015"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "stop"})  # queues STOP
    assert _admin(emu, "DELETE", "tasks?task_id=" + task_id) == (200, {"task_id": task_id})
    assert client.request("GET", "/v3/tasks/" + task_id)[1]["error_code"] == "SMS.0404"
    assert client.request("GET", "/v3/tasks", {"id": task_id})[1] == {"count": 0, "tasks": []}
    source = client.request("GET", "/v3/sources/" + source_id)[1]
    assert source["current_task"] is None and emu.store.pending_command(source_id) is None
    assert _admin(emu, "DELETE", "tasks?task_id=" + task_id)[1]["error_code"] == "SMS.0404"
    assert _admin(emu, "DELETE", "tasks")[0] == 400
    # the source can get a new task
    assert (source["state"], source["migration_cycle"]) == ("waiting", "checking")
    assert client.request("POST", "/v3/tasks", body=task_body(emu, source_id, name="again"))[0] == 200
    client.close()


def test_admin_targets_and_rehearsal_faults(emulator_factory):
    emu = emulator_factory(sources=0)
    assert _admin(emu, "GET", "targets") == (200, {"target_ip": None, "servers": []})
    assert _admin(emu, "POST", "targets", {"target_ip": "127.0.0.1"})[1]["target_ip"] == "127.0.0.1"
    assert _admin(emu, "POST", "targets", {"target_ip": None})[1]["target_ip"] is None
    for payload in ({"target_ip": "localhost"}, {"target_ip": "::1"}, {"target_ip": "10.0.0.0/31"}, {"ip": "127.0.0.1"}):
        status, body = _admin(emu, "POST", "targets", payload)
        assert status == 400 and body["error_code"] == "EMULATOR.400", payload
    status, body = _admin(emu, "POST", "rehearsal_faults", {"task_id": "t-1", "drill_fails": True})
    assert status == 200 and body == {"key": "t-1", "fault": {"drill_fails": True}}
    assert emu.store.rehearsal_fault("t-1") == {"drill_fails": True}
    assert _admin(emu, "DELETE", "rehearsal_faults?task_id=t-1") == (200, {"key": "t-1"})
    assert emu.store.rehearsal_fault("t-1") is None
    for payload in ({"drill_fails": True}, {"task_id": "t", "explode": True}, {"task_id": "t"},
                    {"task_id": "t", "drill_fails": "yes"}, {"task_id": "t", "clone_fails": True, "clone_error": 5}):
        status, body = _admin(emu, "POST", "rehearsal_faults", payload)
        assert status == 400 and body["error_code"] == "EMULATOR.400", payload
    assert _admin(emu, "DELETE", "rehearsal_faults")[0] == 400
