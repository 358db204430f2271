"""Behaviour of the emulator's HTTP API (auth, limits, paging, filters, registration, state machine)."""

import datetime

import pytest

from sms_emulator import signing

from emulator_client import SignedClient

LINUX_BODY = {"name": "reg-01", "hostname": "reg-01", "ip": "192.168.0.10", "os_type": "LINUX",
              "os_version": "CENTOS7.9", "agent_version": "25.1.0", "cpu_quantity": 2, "memory": 4096,
              "networks": [{"name": "eth0", "ip": "192.168.0.10", "mac": "fa:16:3e:99:00:01", "mtu": 1500}],
              "disks": [{"name": "/dev/vda", "size": 42949672960, "device_use": "OS"}],
              "btrfs_list": [], "volume_groups": [], "has_rsync": True, "has_tc": True, "boot_loader": "GRUB"}


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(sources=120, seed=3, enterprise_projects=3, duplicate_names=4)


@pytest.fixture
def client(emu):
    signed = SignedClient(emu)
    yield signed
    signed.close()


def test_every_answer_has_request_id_and_json(client):
    for path in ("/v3/sources", "/v3/nope", "/v3/sources/unknown-id"):
        status, body, headers = client.request("GET", path)
        assert len(headers["X-Request-Id"]) == 32
        assert isinstance(body, dict)
    assert status == 404 and body["error_code"] == "SMS.0404"


def test_unknown_path_is_apigw_0101(client):
    status, body, _headers = client.request("GET", "/v3/unknown")
    assert status == 404 and body["error_code"] == "APIGW.0101"


def test_bad_secret_gives_apigw_0301_with_same_request_id(emu):
    bad = SignedClient(emu, secret_key="wrong-secret")
    status, body, headers = bad.request("GET", "/v3/sources")
    assert status == 401
    assert body == {"error_msg": "Incorrect IAM authentication information: verify aksk signature fail",
                    "error_code": "APIGW.0301", "request_id": headers["X-Request-Id"]}
    assert "wrong-secret" not in str(body) and emu.secret_key not in str(body)


def test_missing_auth_and_bad_token_are_401_good_token_works(emu):
    signed = SignedClient(emu)
    status, _body, _headers = signed.request("GET", "/v3/sources", headers={"authorization": ""},
                                             tamper=lambda m, p, q, d, h: (m, p, q, d, {"content-type": "application/json"}))
    assert status == 401
    assert SignedClient(emu, auth_token="nope").request("GET", "/v3/sources")[0] == 401
    status, body, _headers = SignedClient(emu, auth_token=emu.auth_token).request("GET", "/v3/sources", {"limit": 1})
    assert status == 200 and body["count"] == 120


def test_stale_date_over_http_is_rejected(emu, client):
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime(signing.DATE_FORMAT)

    def tamper(method, path, query, data, headers):
        return method, path, query, data, client.headers_for(method, path, query, data, date=old)
    assert client.request("GET", "/v3/sources", tamper=tamper)[0] == 401
    assert emu.request_log()[-1]["status"] == 401


def test_temporary_credentials_need_the_signed_security_token(emu):
    emu.add_user("TEMPAK", "tempsecret", security_token="STS-TOKEN")
    assert SignedClient(emu, "TEMPAK", "tempsecret", security_token="STS-TOKEN").request("GET", "/v3/sources")[0] == 200
    assert SignedClient(emu, "TEMPAK", "tempsecret").request("GET", "/v3/sources")[0] == 401
    assert SignedClient(emu, "TEMPAK", "tempsecret", security_token="OTHER").request("GET", "/v3/sources")[0] == 401


def test_denied_action_is_403_sms_9004(emu):
    emu.add_user("LIMITEDAK", "limited", denied_actions=["sms:server:getCommand"])
    limited = SignedClient(emu, "LIMITEDAK", "limited")
    source_id = emu.store.list_sources(limit=1)[0]["id"]
    status, body, _headers = limited.request("GET", "/v3/sources/%s/command" % source_id)
    assert status == 403
    assert body["error_code"] == "SMS.9004"
    assert "sms:server:getCommand" in body["error_msg"]
    assert body["encoded_authorization_message"]
    assert body["details"][0]["error_code"] == "SMS.9004" and body["error_param"]
    assert limited.request("GET", "/v3/sources", {"limit": 1})[0] == 200


@pytest.mark.parametrize("params, name", [
    ({"limit": 201}, "limit"), ({"limit": -1}, "limit"), ({"limit": "x"}, "limit"), ({"offset": 65536}, "offset"),
    ({"name": "n" * 256}, "name"), ({"connected": "yes"}, "connected"), ({"connected": "True"}, "connected"),
    ({"is_consistency_result_exist": "1"}, "is_consistency_result_exist"), ({"state": "bogus"}, "state"),
    ({"migration_cycle": "flying"}, "migration_cycle"), ({"ip": "1" * 256}, "ip")])
def test_limits_are_enforced(client, params, name):
    status, body, _headers = client.request("GET", "/v3/sources", params)
    assert status == 400
    assert body["error_code"] == "SMS.6101"
    assert body["error_msg"].startswith("Invalid parameter %s:" % name)


def test_limit_zero_means_200_and_boundaries_accepted(emu, client):
    emu.store.add_sources(100, seed=5)
    status, body, _headers = client.request("GET", "/v3/sources", {"limit": 0})
    assert status == 200 and body["count"] == 220 and len(body["source_servers"]) == 200
    assert client.request("GET", "/v3/sources", {"limit": 200, "offset": 65535})[1]["source_servers"] == []


def test_paging_is_deterministic_and_count_independent(emu, client):
    pages = []
    for offset in range(0, 120, 7):
        status, body, _headers = client.request("GET", "/v3/sources", {"limit": 7, "offset": offset})
        assert status == 200 and body["count"] == 120
        pages.extend(record["id"] for record in body["source_servers"])
    assert pages == [record["id"] for record in emu.store.list_sources()]
    assert len(set(pages)) == 120
    again = client.request("GET", "/v3/sources", {"limit": 7, "offset": 14})[1]["source_servers"]
    assert [record["id"] for record in again] == pages[14:21]


def test_filters(emu, client):
    records = emu.store.list_sources()
    target = records[10]
    for params, predicate in [
            ({"state": "waiting"}, lambda r: r["state"] == "waiting"),
            ({"ip": target["ip"]}, lambda r: r["ip"] == target["ip"]),
            ({"id": target["id"]}, lambda r: r["id"] == target["id"]),
            ({"name": "web-"}, lambda r: "web-" in r["name"]),
            ({"name": target["name"]}, lambda r: target["name"] in r["name"]),
            ({"connected": "false"}, lambda r: not r["connected"]),
            ({"enterprise_project_id": target["enterprise_project_id"]},
             lambda r: r["enterprise_project_id"] == target["enterprise_project_id"]),
            ({"migration_cycle": "cutovered"}, lambda r: r["migration_cycle"] == "cutovered"),
            ({"is_consistency_result_exist": "true"}, lambda r: r["is_consistency_result_exist"]),
            ({"state": "finished", "connected": "true"}, lambda r: r["state"] == "finished" and r["connected"]),
            # Filters the fleet has no value for must match nothing, not be ignored.
            ({"ipv6": "fe80::1"}, lambda r: r.get("ipv6") == "fe80::1"),
            ({"vm_id": "no-such-clone"}, lambda r: False)]:
        status, body, _headers = client.request("GET", "/v3/sources", params)
        expected = [record["id"] for record in records if predicate(record)]
        assert status == 200, params
        assert body["count"] == len(expected), params
        assert [record["id"] for record in body["source_servers"]] == expected, params
    assert len({record["enterprise_project_id"] for record in records}) == 3


def test_records_have_the_seed_fields(client):
    fields = {"id", "ip", "name", "enterprise_project_id", "add_date", "os_type", "os_version", "oem_system",
              "state", "connected", "cpu_quantity", "memory", "current_task", "checks", "init_target_server",
              "replicatesize", "stage_action_time", "totalsize", "last_visit_time", "migration_cycle",
              "state_action_time", "is_consistency_result_exist", "has_tc", "start_type"}
    records = client.request("GET", "/v3/sources")[1]["source_servers"]
    for record in records:
        assert set(record) == fields
        assert {check["result"] for check in record["checks"]} <= {"OK", "WARN", "ERROR"}
        if record["state"] in ("waiting", "unavailable"):
            assert record["current_task"] is None
        else:
            assert record["current_task"]["id"] and record["totalsize"] >= record["replicatesize"]
    assert {"ERROR"} <= {check["result"] for record in records if record["state"] == "unavailable"
                         for check in record["checks"]}


def test_duplicate_names_exist_when_asked(emu):
    names = [record["name"] for record in emu.store.list_sources()]
    assert len(names) - len(set(names)) == 4


def test_iam_projects(emu, client):
    status, body, _headers = client.request("GET", "/v3/projects", {"name": emu.region})
    assert status == 200 and body["projects"][0]["id"] == emu.project_id
    assert client.request("GET", "/v3/projects", {"name": "eu-west-0"})[1]["projects"] == []


def test_registration_dedup_and_environment_check(emu, client):
    status, body, _headers = client.request("POST", "/v3/sources", body=LINUX_BODY)
    assert status == 200
    source_id = body["id"]
    record = emu.store.get_source(source_id)
    assert record["state"] == "waiting" and record["migration_cycle"] == "checking" and record["connected"]
    assert client.request("POST", "/v3/sources", body=LINUX_BODY)[1]["id"] == source_id
    by_id = dict(LINUX_BODY, id=source_id, networks=[{"mac": "fa:16:3e:99:99:99"}])
    assert client.request("POST", "/v3/sources", body=by_id)[1]["id"] == source_id
    assert emu.store.count_sources() == 121
    no_rsync = dict(LINUX_BODY, has_rsync=False, networks=[{"mac": "fa:16:3e:99:00:02"}])
    other = client.request("POST", "/v3/sources", body=no_rsync)[1]["id"]
    stored = emu.store.get_source(other)
    assert stored["state"] == "unavailable"
    assert [check["result"] for check in stored["checks"] if check["name"] == "RSYNC"] == ["ERROR"]


@pytest.mark.parametrize("change, name", [
    ({"name": ""}, "name"), ({"os_type": "BSD"}, "os_type"), ({"os_version": None}, "os_version"),
    ({"agent_version": 5}, "agent_version"), ({"networks": []}, "networks"), ({"networks": [{"mac": ""}]}, "networks"),
    ({"ip": "999.1.1.1"}, "ip")])
def test_bad_registration_is_400(emu, client, change, name):
    status, body, _headers = client.request("POST", "/v3/sources", body=dict(LINUX_BODY, **change))
    assert status == 400 and body["error_msg"].startswith("Invalid parameter %s" % name)
    assert emu.store.count_sources() == 120


def _new_task(emu, client):
    source_id = client.request("POST", "/v3/sources", body=LINUX_BODY)[1]["id"]
    status, body, _headers = client.request("POST", "/v3/tasks", body={
        "name": "t1", "type": "MIGRATE_FILE", "os_type": "LINUX", "source_server": {"id": source_id},
        "target_server": {"vm_id": "vm", "name": "target"}, "region_id": emu.region, "project_id": emu.project_id})
    assert status == 200
    return source_id, body["id"]


def test_task_command_result_state_machine(emu, client):
    source_id, task_id = _new_task(emu, client)
    assert emu.store.get_source(source_id)["migration_cycle"] == "setting"
    assert client.request("GET", "/v3/sources/%s/command" % source_id)[1] == {}
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "stop"})[1]["error_code"] == "SMS.1038"
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})[0] == 200
    assert client.request("GET", "/v3/sources/%s/command" % source_id)[1] == {
        "command_name": "START", "command_param": {"task_id": task_id}}
    # polling does not consume the command
    assert client.request("GET", "/v3/sources/%s/command" % source_id)[1]["command_name"] == "START"
    status, body, _headers = client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "STOP", "result": "success", "result_detail": {}})
    assert status == 400 and body["error_code"] == "SMS.2009"
    for bad in ({"command_name": "START", "result": "ok", "result_detail": {}},
                {"command_name": "START", "result": "success", "result_detail": "text"}):
        status, body, _headers = client.request("POST", "/v3/sources/%s/command_result" % source_id, body=bad)
        assert status == 400 and body["error_code"] == "SMS.6022"
    assert client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "START", "result": "success", "result_detail": {"k": "v"}})[0] == 200
    source = emu.store.get_source(source_id)
    assert (source["state"], source["migration_cycle"]) == ("replicate", "replicating")
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    assert source["current_task"]["state"] == "RUNNING"

    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "stop"})
    assert emu.store.pending_command(source_id)["command_name"] == "STOP"
    assert emu.store.get_source(source_id)["state"] == "stopping"
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "STOP", "result": "success", "result_detail": {}})
    assert emu.store.get_source(source_id)["state"] == "stopped"
    assert emu.store.get_task(task_id)["state"] == "ABORT"

    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "START", "result": "fail", "result_detail": {"error": "disk"}})
    assert emu.store.get_source(source_id)["state"] == "error"
    assert emu.store.get_task(task_id)["state"] == "MIGRATE_FAIL"
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "restart"})[0] == 200
    assert emu.store.pending_command(source_id)["command_name"] == "START"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "collect_log", "param": {"bucket": "b1"}})
    assert emu.store.pending_command(source_id)["command_param"] == {"task_id": task_id, "bucket": "b1"}
    results = emu.store.command_results(source_id)
    assert [(item["command_name"], item["result"]) for item in results] == [
        ("START", "success"), ("STOP", "success"), ("START", "fail")]
    state = client.request("GET", "/_emulator/state", {"source_id": source_id})[1]
    assert state["pending_command"]["command_name"] == "UPLOAD_LOG" and len(state["command_results"]) == 3


def test_task_errors_and_skip_premigrate(emu, client):
    status, body, _headers = client.request("POST", "/v3/tasks", body={
        "name": "t", "type": "MIGRATE_FILE", "source_server": {"id": "missing"}, "target_server": {}})
    assert status == 400 and body["error_code"] == "SMS.2216"
    source_id, task_id = _new_task(emu, client)
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    assert client.request("DELETE", "/v3/tasks/%s" % task_id)[1]["error_code"] == "SMS.2015"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "skip"})
    assert emu.store.pending_command(source_id)["command_name"] == "SKIP"
    assert emu.store.get_source(source_id)["state"] == "skipping"
    status, body, _headers = client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "migration_test"})
    assert status == 400 and body["error_code"] == "SMS.1042"
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "SKIP", "result": "success", "result_detail": {}})
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "migration_test"})
    assert emu.store.pending_command(source_id)["command_name"] == "PREMIGRATE"
    assert emu.store.get_source(source_id)["state"] == "premigready"
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "fly"})[0] == 400


def test_old_generation_sync_and_delete(emulator_factory):
    emu = emulator_factory(command_generation="old")
    client = SignedClient(emu)
    source_id, task_id = _new_task(emu, client)
    emu.store.task_action(task_id, "start")
    emu.store.report_command_result(source_id, {"command_name": "START", "result": "success", "result_detail": {}})
    emu.store.task_action(task_id, "cutover")
    assert emu.store.get_source(source_id)["state"] == "finished"
    emu.store.task_action(task_id, "sync")
    assert emu.store.pending_command(source_id)["command_name"] == "SYNC"
    emu.store.report_command_result(source_id, {"command_name": "SYNC", "result": "success", "result_detail": {}})
    assert emu.store.get_task(task_id)["state"] == "SYNC_SUCCESS"
    assert client.request("DELETE", "/v3/tasks/%s" % task_id)[0] == 200
    assert emu.store.pending_command(source_id)["command_name"] == "DELETE"


def test_show_delete_changestate_overview(emu, client):
    source_id = emu.store.list_sources(state="waiting", limit=1)[0]["id"]
    status, body, _headers = client.request("GET", "/v3/sources/%s" % source_id)
    assert status == 200 and body["networks"][0]["mac"] and "disks" in body
    assert client.request("PUT", "/v3/sources/%s/changestate" % source_id,
                          body={"copystate": "init", "migrationcycle": "setting"})[0] == 200
    assert emu.store.get_source(source_id)["state"] == "initialize"
    finished = emu.store.list_sources(state="finished", limit=1)[0]["id"]
    client.request("PUT", "/v3/sources/%s/changestate" % finished, body={"copystate": "waiting"})
    assert emu.store.get_source(finished)["state"] == "finished"
    overview = client.request("GET", "/v3/sources/overview")[1]
    assert sum(overview[key] for key in ("waiting", "finished", "replicate", "unavailable", "error", "initialize")) == 120
    assert client.request("DELETE", "/v3/sources/%s" % source_id)[0] == 200
    assert emu.store.get_source(source_id) is None
    assert client.request("GET", "/v3/sources/%s" % source_id)[0] == 404


def test_path_parameters_cannot_escape(emu, client):
    for evil in ("..%2Ftasks", "a%3Fb", "a%23b", "a%2Fb"):
        status, body, _headers = client.request("GET", "/v3/sources/" + evil)
        assert status == 404 and body["error_code"] == "SMS.0404", evil
