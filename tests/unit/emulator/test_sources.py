"""Source servers: listing limits, paging and filters, record shape, registration, show, delete,
changestate and overview."""

import pytest

from sms_emulator.inferences import SOURCE_QUOTA, SOURCE_QUOTA_CODE, SOURCE_QUOTA_STATUS
from support.emulator_client import LINUX_BODY, SignedClient


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


def _agent(number):
    """A registration body of a new machine (its own name, IP and MAC)."""
    return dict(LINUX_BODY, name="quota-%02d" % number, ip="192.168.7.%d" % number,
                networks=[{"name": "eth0", "ip": "192.168.7.%d" % number, "mac": "fa:16:3e:77:00:%02x" % number}])


def test_the_source_quota_refuses_a_new_source_and_allows_a_re_registration(emulator_factory):
    emu = emulator_factory(sources=3, seed=2, source_quota=5)  # the generated fleet counts, it is not refused
    client = SignedClient(emu)
    try:
        registered = [client.request("POST", "/v3/sources", body=_agent(number))[1]["id"] for number in (1, 2)]
        assert emu.store.count_sources() == 5
        status, body, headers = client.request("POST", "/v3/sources", body=_agent(3))
        assert (status, body["error_code"]) == (SOURCE_QUOTA_STATUS, SOURCE_QUOTA_CODE) == (400, "SMS.2250")
        assert "quota of the account (5)" in body["error_msg"] and headers["X-Request-Id"]
        assert emu.store.count_sources() == 5 and not emu.store.list_sources(name="quota-03")
        # the agent of a registered machine restarts: same MAC, or its id -> the same source, not refused
        assert client.request("POST", "/v3/sources", body=_agent(1))[1] == {"id": registered[0]}
        again = dict(_agent(9), id=registered[1])
        assert client.request("POST", "/v3/sources", body=again)[0:2] == (200, {"id": registered[1]})
        assert emu.store.count_sources() == 5
        # a batch delete frees two places: two new machines register, a third is refused again
        assert client.request("POST", "/v3/sources/delete", body={"ids": registered})[0:2] == (200, {})
        assert emu.store.count_sources() == 3
        assert [client.request("POST", "/v3/sources", body=_agent(n))[0] for n in (3, 4, 5)] == [200, 200, 400]
    finally:
        client.close()


def test_the_default_quota_is_smss_and_a_bad_one_is_refused(emulator_factory):
    assert emulator_factory().store.registration.source_quota == SOURCE_QUOTA == 1000
    with pytest.raises(ValueError, match="source_quota"):
        emulator_factory(source_quota=-1)


def test_a_batch_delete_is_all_or_nothing(emu, client):
    ids = [record["id"] for record in emu.store.list_sources(state="waiting", limit=3)]
    status, body, _headers = client.request("POST", "/v3/sources/delete", body={"ids": ids[:2] + ["no-such-source"]})
    assert (status, body["error_code"]) == (404, "SMS.0404") and "no-such-source" in body["error_msg"]
    assert all(emu.store.get_source(source_id) for source_id in ids)
    for bad in ({"ids": []}, {"ids": "x"}, {"ids": [""]}, {"ids": [3]}, {}):
        status, body, _headers = client.request("POST", "/v3/sources/delete", body=bad)
        assert (status, body["error_code"]) == (400, "SMS.6101") and "ids" in body["error_msg"], bad
    assert client.request("POST", "/v3/sources/delete", body={"ids": ids})[0:2] == (200, {})
    assert [emu.store.get_source(source_id) for source_id in ids] == [None, None, None]
    assert emu.store.count_sources() == 117
    assert client.request("GET", "/v3/sources/overview")[1]["waiting"] == emu.store.count_sources(state="waiting")
