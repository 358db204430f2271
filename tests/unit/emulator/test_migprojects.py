"""Migration projects: the seeded default, CRUD, one default at a time, deletion refused for the
default project and for projects with servers; the official SDK's view of them."""

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdksms.v3 import CreateMigprojectRequest, ListMigprojectsRequest, PostMigProjectBody, SmsClient


BODY = {"name": "wave-1", "region": "ap-southeast-3", "type": "MIGRATE_BLOCK", "description": "first wave",
        "syncing": True, "speed_limit": 100, "use_public_ip": False, "exist_server": False,
        "start_target_server": True, "start_network_check": True, "enterprise_project": "default", "isdefault": False}


def _sdk(emulator):
    """The official SDK client, unchanged, pointed at the emulator."""
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    credentials = BasicCredentials(emulator.access_key, emulator.secret_key, emulator.project_id)
    return SmsClient.new_builder().with_http_config(config).with_credentials(credentials).with_endpoint(emulator.url).build()


def _projects(client):
    return client.request("GET", "/v3/migprojects")[1]["migprojects"]


def test_default_project_create_update_and_default_switch(client):
    projects = _projects(client)
    assert [(p["name"], p["isdefault"]) for p in projects] == [("default", True)]
    status, body, _headers = client.request("POST", "/v3/migprojects", body=BODY)
    assert status == 200
    project_id = body["id"]
    shown = client.request("GET", "/v3/migprojects/%s" % project_id)[1]
    assert dict((k, shown[k]) for k in BODY) == BODY
    client.request("PUT", "/v3/migprojects/%s" % project_id, body={"speed_limit": 0, "isdefault": True})
    shown = client.request("GET", "/v3/migprojects/%s" % project_id)[1]
    assert shown["speed_limit"] == 0 and shown["isdefault"] is False  # PUT never moves the default
    assert client.request("PUT", "/v3/migprojects/%s/default" % project_id)[0] == 200
    assert [(p["name"], p["isdefault"]) for p in _projects(client)] == [("default", False), ("wave-1", True)]
    page = client.request("GET", "/v3/migprojects", params={"limit": 1, "offset": 1})[1]
    assert page["count"] == 2 and [p["name"] for p in page["migprojects"]] == ["wave-1"]


def test_validation(client):
    for changes, name in (({"type": "MIGRATE_ALL"}, "type"), ({"region": None}, "region"), ({"name": "a b"}, "name"),
                          ({"speed_limit": -1}, "speed_limit"), ({"syncing": "yes"}, "syncing"), ({"colour": 1}, "colour")):
        body = dict(BODY, **changes)
        body = dict((k, v) for k, v in body.items() if v is not None)
        status, answer, _headers = client.request("POST", "/v3/migprojects", body=body)
        assert (status, answer["error_code"]) == (400, "SMS.6101") and name in answer["error_msg"], answer
    assert client.request("GET", "/v3/migprojects/nope")[1]["error_code"] == "SMS.0404"


def test_delete_rules(emu, client):
    default_id = _projects(client)[0]["id"]
    status, body, _headers = client.request("DELETE", "/v3/migprojects/%s" % default_id)
    assert (status, body["error_code"]) == (400, "SMS.6111")
    project_id = client.request("POST", "/v3/migprojects", body=BODY)[1]["id"]
    source_id = emu.store.list_sources(limit=1)[0]["id"]
    assert client.request("PUT", "/v3/sources/%s" % source_id, body={"migprojectid": project_id})[0] == 200
    assert [s["id"] for s in client.request("GET", "/v3/sources", params={"migproject": project_id})[1]["source_servers"]] == [source_id]
    status, body, _headers = client.request("DELETE", "/v3/migprojects/%s" % project_id)
    assert (status, body["error_code"]) == (400, "SMS.6110")
    client.request("PUT", "/v3/sources/%s" % source_id, body={"migprojectid": default_id})
    assert client.request("DELETE", "/v3/migprojects/%s" % project_id)[0] == 200
    assert [p["id"] for p in _projects(client)] == [default_id]


def test_official_sdk_creates_and_lists(emu):
    client = _sdk(emu)
    created = client.create_migproject(CreateMigprojectRequest(body=PostMigProjectBody(
        name="sdk-project", region=emu.region, type="MIGRATE_FILE", syncing=False)))
    listed = client.list_migprojects(ListMigprojectsRequest())
    assert listed.count == 2 and listed.migprojects[1].id == created.id and listed.migprojects[1].name == "sdk-project"
