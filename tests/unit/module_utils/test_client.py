# -*- coding: utf-8 -*-
"""The shared client against a scripted HTTP server started in the test: retries, error
mapping, path encoding, auth headers, project id lookup."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils import _auth
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, error_entry
from ansible_collections.hwcloud.sms.plugins.module_utils._retry import RetryPolicy

AK, SK = "AKTESTTESTTESTTEST01", "sk-very-secret-value-0123456789"


class ScriptedServer:
    """Answers each request with the next scripted (status, headers, body) or drops it."""

    def __init__(self):
        self.script = []
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append({"method": self.command, "path": self.path,
                                        "headers": dict(self.headers), "body": body})
                status, headers, payload = server.script.pop(0) if server.script else (200, {}, {})
                if status == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(RetryPolicy, "backoff_base", 0.01)
    srv = ScriptedServer()
    yield srv
    srv.close()


def _client_for(url, **kwargs):
    options = dict(endpoint=url, access_key=AK, secret_key=SK, retries=3, timeout=5)
    options.update(kwargs)
    return SmsClient(**options)


def test_get_is_retried_on_429_and_5xx_honouring_retry_after(server):
    server.script = [(429, {"Retry-After": "0"}, {"error_code": "APIGW.0308", "error_msg": "throttled"}),
                     (502, {}, {"error_code": "SMS.2007", "error_msg": "busy"}),
                     (200, {}, {"command_name": "START", "command_param": {"task_id": "t1"}})]
    answer = _client_for(server.url).get_command("src-1")
    assert answer["command_name"] == "START"
    assert len(server.requests) == 3
    # Each attempt is signed anew (fresh X-Sdk-Date header present on every try).
    assert all("SDK-HMAC-SHA256 Access=%s" % AK in r["headers"]["Authorization"] for r in server.requests)


def test_post_is_not_retried_after_a_500(server):
    server.script = [(500, {"X-Request-Id": "rid-500"}, {"error_code": "SMS.2007", "error_msg": "internal"})]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url).report_command_result("src-1", "START", "success", {})
    assert len(server.requests) == 1
    assert (info.value.status, info.value.error_code, info.value.request_id) == (500, "SMS.2007", "rid-500")


def test_post_is_not_retried_after_a_dropped_connection(server):
    server.script = [("drop", {}, b"")]
    with pytest.raises(SmsClientError):
        _client_for(server.url).report_command_result("src-1", "START", "success", {})
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_post_is_retried_when_the_server_refused_before_acting(server, status):
    server.script = [(status, {"Retry-After": "0"}, {"error_code": "X", "error_msg": "later"}), (200, {}, {})]
    _client_for(server.url).report_command_result("src-1", "START", "success", {"k": "v"})
    assert len(server.requests) == 2
    assert json.loads(server.requests[1]["body"]) == {"command_name": "START", "result": "success", "result_detail": {"k": "v"}}


def test_post_is_retried_when_the_connection_was_refused(monkeypatch):
    monkeypatch.setattr(RetryPolicy, "backoff_base", 0.01)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = _client_for("http://127.0.0.1:%d" % port, retries=2)
    with pytest.raises(SmsClientError) as info:
        client.report_command_result("src-1", "START", "success", {})
    assert client.request_count == 3
    assert "after 3 attempt(s)" in str(info.value)


def test_error_fields_request_id_and_no_secret_in_the_exception(server):
    body = {"error_code": "SMS.9004", "error_msg": "You do not have permission to perform action sms:server:getCommand",
            "encoded_authorization_message": "ENC123", "error_param": ["x"], "details": [{"error_code": "SMS.9004", "error_msg": "x"}]}
    server.script = [(403, {"X-Request-Id": "rid-403"}, body)]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url, security_token="tok-secret-123").get_command("src-1")
    error = info.value
    assert (error.status, error.error_code, error.request_id, error.encoded_authorization_message) == (403, "SMS.9004", "rid-403", "ENC123")
    text = str(error) + json.dumps(error.to_dict())
    assert "rid-403" in str(error) and "SMS.9004" in str(error)
    assert SK not in text and "tok-secret-123" not in text


def test_gateway_error_request_id_falls_back_to_body_and_non_json_body(server):
    server.script = [(401, {}, {"error_code": "APIGW.0301", "error_msg": "verify aksk signature fail", "request_id": "gw-1"}),
                     (404, {"X-Request-Id": "r404"}, b"<html>not here</html>")]
    client = _client_for(server.url)
    with pytest.raises(SmsApiError) as first:
        client.get_source("a")
    assert (first.value.error_code, first.value.request_id) == ("APIGW.0301", "gw-1")
    with pytest.raises(SmsApiError) as second:
        client.get_source("a")
    assert (second.value.error_code, second.value.error_msg) == ("404", "<html>not here</html>")


@pytest.mark.parametrize("server_id,expected", [
    ("../tasks", "/v3/sources/..%2Ftasks/command"),
    ("a?b", "/v3/sources/a%3Fb/command"),
    ("a#b", "/v3/sources/a%23b/command"),
    ("a/b", "/v3/sources/a%2Fb/command"),
    ("a b", "/v3/sources/a%20b/command"),
])
def test_path_parameters_stay_one_segment(server, server_id, expected):
    _client_for(server.url).get_command(server_id)
    assert server.requests[0]["path"] == expected


def test_token_auth_and_temporary_credentials_headers(server):
    _client_for(server.url, access_key=None, secret_key=None, auth_token="iam-token-1").get_source("x")
    headers = server.requests[0]["headers"]
    assert headers["X-Auth-Token"] == "iam-token-1" and "Authorization" not in headers
    _client_for(server.url, security_token="sts-1", project_id="p1").get_source("x")
    headers = server.requests[1]["headers"]
    assert headers["X-Security-Token"] == "sts-1" and headers["X-Project-Id"] == "p1"
    assert "x-security-token" in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]


def test_project_id_is_looked_up_in_iam_once(server, monkeypatch):
    monkeypatch.setattr(_auth, "_project_id_cache", {})
    server.script = [(200, {}, {"projects": [{"id": "proj-42", "name": "ap-southeast-3"}]}), (200, {}, {}), (200, {}, {})]
    client = _client_for(server.url, region="ap-southeast-3", iam_endpoint=server.url)
    client.get_source("a")
    client.get_source("b")
    assert server.requests[0]["path"] == "/v3/projects?name=ap-southeast-3"
    assert [r["headers"].get("X-Project-Id") for r in server.requests[1:]] == ["proj-42", "proj-42"]
    assert len(server.requests) == 3


def test_ecs_requests_go_to_the_ecs_endpoint_with_the_project_in_the_path(server):
    server.script = [(200, {}, {"server": {"id": "vm 1"}})]
    client = _client_for("http://127.0.0.1:9", project_id="p1", ecs_endpoint=server.url)
    assert client.ecs_request("GET", "/cloudservers/{0}", "vm 1", expect="object") == {"server": {"id": "vm 1"}}
    request = server.requests[0]
    assert request["path"] == "/v1/p1/cloudservers/vm%201"
    assert request["headers"]["X-Project-Id"] == "p1" and request["headers"]["Authorization"].startswith("SDK-HMAC-SHA256")


def test_ecs_endpoint_defaults_from_region_and_is_needed_with_project():
    assert _client_for("http://127.0.0.1:9", region="ap-southeast-3").ecs_endpoint == "https://ecs.ap-southeast-3.myhuaweicloud.com"
    with pytest.raises(SmsClientError, match="ECS requests need ecs_endpoint"):
        _client_for("http://127.0.0.1:9", project_id="p1").ecs_request("GET", "/cloudservers/{0}", "vm")


def test_unknown_project_name_is_a_clear_error(server, monkeypatch):
    monkeypatch.setattr(_auth, "_project_id_cache", {})
    server.script = [(200, {}, {"projects": []})]
    with pytest.raises(SmsClientError, match="no project named 'xx-nowhere-1'"):
        _client_for(server.url, region="xx-nowhere-1", iam_endpoint=server.url).get_source("a")


@pytest.mark.parametrize("options,message", [
    (dict(endpoint=None, region=None), "one of endpoint or region"),
    (dict(secret_key=None), "secret_key is missing"),
    (dict(access_key=None), "access_key is missing"),
    (dict(access_key=None, secret_key=None), "credentials are required"),
    (dict(endpoint="ftp://x"), "endpoint must be an http"),
    (dict(region="Not A Region"), "region must look like"),
    (dict(retries=11), "retries must be between 0 and 10"),
    (dict(timeout=0), "timeout must be a positive"),
])
def test_bad_configuration_is_rejected_before_any_request(options, message):
    settings = dict(endpoint="http://127.0.0.1:9", access_key=AK, secret_key=SK)
    settings.update(options)
    with pytest.raises(SmsClientError, match=message) as info:
        SmsClient(**settings)
    assert SK not in str(info.value)


def test_region_gives_the_documented_endpoints():
    assert _client_for(None, region="ap-southeast-3").endpoint == "https://sms.ap-southeast-3.myhuaweicloud.com"
    assert _client_for(None, region="ru-moscow-1").endpoint == "https://sms-api.ru-moscow-1.myhuaweicloud.com"


def test_error_entry_has_msg_and_the_api_fields():
    api = SmsApiError("GET", "https://sms.example/v3/sources", 404, "SMS.0205", "not found", request_id="req-1")
    entry = error_entry(api)
    assert entry["msg"] == str(api) and "SMS.0205" in entry["msg"]
    assert (entry["status"], entry["error_code"], entry["error_msg"], entry["request_id"]) == (404, "SMS.0205", "not found", "req-1")
    assert error_entry(SmsClientError("the answer is not JSON")) == {"msg": "the answer is not JSON"}
