"""The route table: matching, path parameters, unknown paths and what every answer carries."""

import pytest

from sms_emulator.routes import ROUTES, RouteTable

from support.emulator_client import SignedClient


def test_every_answer_has_request_id_and_json(client):
    for path in ("/v3/sources", "/v3/nope", "/v3/sources/unknown-id"):
        status, body, headers = client.request("GET", path)
        assert len(headers["X-Request-Id"]) == 32
        assert isinstance(body, dict)
    assert status == 404 and body["error_code"] == "SMS.0404"


def test_unknown_path_is_apigw_0101(client):
    status, body, _headers = client.request("GET", "/v3/unknown")
    assert status == 404 and body["error_code"] == "APIGW.0101"


def test_path_parameters_cannot_escape(emu, client):
    for evil in ("..%2Ftasks", "a%3Fb", "a%23b", "a%2Fb"):
        status, body, _headers = client.request("GET", "/v3/sources/" + evil)
        assert status == 404 and body["error_code"] == "SMS.0404", evil


def test_iam_projects(emu, client):
    status, body, _headers = client.request("GET", "/v3/projects", {"name": emu.region})
    assert status == 200 and body["projects"][0]["id"] == emu.project_id
    assert client.request("GET", "/v3/projects", {"name": "eu-west-0"})[1]["projects"] == []


def _table():
    def handler(call):
        return 200, call.params
    return RouteTable([
        ("GET", "/v3/sources", "list", None, handler),
        ("GET", "/v3/sources/overview", "overview", None, handler),
        ("GET", "/v3/sources/{source_id}", "get", "source_id", handler),
        ("POST", "/v3/sources/{source_id}/command_result", "result", "source_id", handler)])


@pytest.mark.parametrize("method, path, action, params", [
    ("GET", "/v3/sources", "list", {}),
    ("GET", "/v3/sources/", "list", {}),
    ("GET", "/v3/sources/overview", "overview", {}),
    ("GET", "/v3/sources/abc", "get", {"source_id": "abc"}),
    ("GET", "/v3/sources/a/b", None, None),
    ("POST", "/v3/sources/abc", None, None),
    ("POST", "/v3/sources/x y/command_result", "result", {"source_id": "x y"}),
    ("POST", "/v3/sources/x/command_result/", None, None),
    ("GET", "/v3/tasks", None, None)])
def test_table_matches_method_and_pattern(method, path, action, params):
    row, bound = _table().match(method, path.split("/")[1:])
    assert (row[2] if row else None, bound) == (action, params)


def test_known_path_with_another_method_is_apigw_0101(emu, client):
    source_id = emu.store.list_sources(limit=1)[0]["id"]
    for method, path in (("PATCH", "/v3/sources/%s" % source_id), ("PATCH", "/v3/tasks"),
                         ("POST", "/v3/sources/overview"), ("GET", "/v3/sources/%s/command_result" % source_id)):
        status, body, _headers = client.request(method, path)
        assert (status, body["error_code"]) == (404, "APIGW.0101"), (method, path)


def test_every_route_checks_its_own_action(emu):
    """Each row's IAM action is the one refused with 403 when denied (and only that route)."""
    source_id = emu.store.list_sources(limit=1)[0]["id"]
    for method, pattern, action, _resource, _handler in ROUTES:
        emu.add_user("AK-" + action, "sk", denied_actions=[action])
        path = pattern.replace("{source_id}", source_id).replace("{task_id}", "no-such-task")
        status, body, _headers = SignedClient(emu, "AK-" + action, "sk").request(method, path, body={})
        message = body["error"]["message"] if action.startswith("ecs:") else body["error_msg"]  # ECS's own shape
        assert status == 403 and action in message, (method, pattern)
