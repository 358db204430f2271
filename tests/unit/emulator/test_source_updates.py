"""PUT /v3/sources/{id} (rename, project, disk adjustments before the target is set) and GET /v3/errors."""

from support.emulator_client import new_task


def _waiting_source(emu):
    return next(s for s in emu.store.list_sources(state="waiting") if s["current_task"] is None)


def test_rename_and_disk_adjustments(emu, client):
    source = _waiting_source(emu)
    disks = client.request("GET", "/v3/sources/%s" % source["id"])[1]["disks"]
    assert len(disks) >= 1
    name = disks[-1]["name"]
    status, _body, _headers = client.request("PUT", "/v3/sources/%s" % source["id"], body={
        "name": "renamed-01", "disks": [{"id": name, "need_migration": False, "adjust_size": 0}]})
    assert status == 200
    shown = client.request("GET", "/v3/sources/%s" % source["id"])[1]
    assert shown["name"] == "renamed-01"
    assert [(d["name"], d.get("need_migration"), d.get("adjust_size")) for d in shown["disks"] if d["name"] == name] == [
        (name, False, 0)]
    assert client.request("GET", "/v3/sources", params={"name": "renamed-01"})[1]["count"] == 1


def test_update_errors(emu, client):
    source = _waiting_source(emu)
    path = "/v3/sources/%s" % source["id"]
    for body, name in (({"nick": "x"}, "nick"), ({"name": ""}, "name"), ({"disks": [{"id": "nope"}]}, "disks"),
                       ({"disks": [{"id": "x", "adjust_size": -1}]}, "adjust_size"),
                       ({"disks": [{"id": "x", "size": 1}]}, "size")):
        status, answer, _headers = client.request("PUT", path, body=body)
        assert (status, answer["error_code"]) == (400, "SMS.6101") and name in answer["error_msg"], answer
    assert client.request("PUT", path, body={"migprojectid": "nope"})[1]["error_code"] == "SMS.0404"
    assert client.request("PUT", "/v3/sources/nope", body={"name": "x"})[0] == 404
    source_id, _task_id = new_task(emu, client)
    disk = client.request("GET", "/v3/sources/%s" % source_id)[1]["disks"][0]["name"]
    status, answer, _headers = client.request("PUT", "/v3/sources/%s" % source_id,
                                              body={"disks": [{"id": disk, "need_migration": False}]})
    assert (status, answer["error_code"]) == (400, "SMS.6112")
    assert client.request("PUT", "/v3/sources/%s" % source_id, body={"name": "still-renamable"})[0] == 200


def test_errors_list_sources_in_error(emu, client):
    expected = [s["id"] for s in emu.store.list_sources(state="error")]
    answer = client.request("GET", "/v3/errors", params={"limit": 100})[1]
    assert answer["count"] == len(expected) > 0
    assert [e["source_id"] for e in answer["migration_errors"]] == expected
    assert set(answer["migration_errors"][0]) == {"error_json", "host_name", "name", "source_id", "source_ip", "target_ip"}
    page = client.request("GET", "/v3/errors", params={"limit": 1, "offset": 1})[1]["migration_errors"]
    assert [e["source_id"] for e in page] == expected[1:2]
