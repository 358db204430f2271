# -*- coding: utf-8 -*-
"""The client against hostile and broken answers, names and inputs: every case fails
clearly, never gives a partial answer, and never shows a secret."""

import json
import socket
import threading
import time

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils import _answers, _auth
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError
from ansible_collections.hwcloud.sms.plugins.module_utils._retry import RetryPolicy

from unit.module_utils.test_client import AK, SK, ScriptedServer

TOKEN = "sts-token-secret-0123456789abcdef"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(RetryPolicy, "backoff_base", 0.01)
    srv = ScriptedServer()
    yield srv
    srv.close()


class RawServer:
    """Runs ``handle(connection, number)`` for every TCP connection: answers no HTTP library would send."""

    def __init__(self, handle):
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.handle = handle
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn, self.connections), daemon=True).start()

    def _one(self, conn, number):
        try:
            _read_request(conn)
            self.handle(conn, number)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


def _read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    return data


@pytest.fixture
def raw_server():
    started = []

    def start(handle):
        srv = RawServer(handle)
        started.append(srv)
        return srv
    yield start
    for srv in started:
        srv.close()


def _client_for(url, **kwargs):
    options = dict(endpoint=url, access_key=AK, secret_key=SK, retries=3, timeout=5, project_id="p1")
    options.update(kwargs)
    return SmsClient(**options)


# --- 1: secrets -------------------------------------------------------------------------

@pytest.mark.parametrize("option,value", [
    ("security_token", TOKEN + "\n"),
    ("auth_token", TOKEN + "\n"),
    ("secret_key", SK + "\r\n"),
    ("access_key", AK + " "),
    ("project_id", "p1\nX-Injected: 1"),
])
def test_header_values_with_line_breaks_are_refused_naming_the_option_not_the_value(server, option, value):
    options = {option: value}
    if option == "auth_token":
        options.update(access_key=None, secret_key=None)
    with pytest.raises(SmsClientError) as info:
        _client_for(server.url, **options).get_source("a")
    assert str(info.value).startswith(option + " must be printable ASCII")
    assert value.strip() not in str(info.value)
    assert server.requests == []


def test_an_error_page_echoing_the_request_headers_shows_no_secret(server):
    server.script = [(400, {}, b"<html>Bad request. Your headers: X-Security-Token: " + TOKEN.encode() + b"</html>")]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url, security_token=TOKEN).get_source("a")
    everything = str(info.value) + json.dumps(info.value.to_dict())
    assert TOKEN not in everything and "********" in everything
    assert info.value.status == 400


def test_json_error_fields_echoing_a_token_are_masked(server):
    server.script = [(401, {}, {"error_code": "APIGW.0307", "error_msg": "token %s expired" % TOKEN,
                                "request_id": "r-1"})]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url, access_key=None, secret_key=None, auth_token=TOKEN).get_source("a")
    assert info.value.error_msg == "token ******** expired" and TOKEN not in json.dumps(info.value.to_dict())
    assert (info.value.error_code, info.value.request_id) == ("APIGW.0307", "r-1")


# --- 2: userinfo, netrc, proxies ---------------------------------------------------------------

@pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
def test_userinfo_in_endpoints_is_refused(option):
    with pytest.raises(SmsClientError, match="%s must not hold a user name or password" % option) as info:
        SmsClient(**dict(dict(endpoint="https://sms.example.com", region="ap-southeast-3", access_key=AK, secret_key=SK),
                         **{option: "https://admin:hunter2@sms.example.com"}))
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize("value", ["ftp://admin:hunter2@sms.example.com", "https://admin:hunter2@sms.example.com:x",
                                   "admin:hunter2@sms.example.com", "https://admin:hunter2@"])
def test_userinfo_is_masked_in_the_error_for_an_otherwise_bad_url(value):
    with pytest.raises(SmsClientError, match="endpoint must be an http:// or https:// URL") as info:
        SmsClient(endpoint=value, region="ap-southeast-3", access_key=AK, secret_key=SK)
    assert "hunter2" not in str(info.value) and "admin" not in str(info.value) and "***@" in str(info.value)


def test_netrc_never_replaces_the_signed_authorization(server, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    _client_for(server.url).get_source("a")
    assert server.requests[0]["headers"]["Authorization"].startswith("SDK-HMAC-SHA256 Access=%s" % AK)


def test_proxies_from_the_environment_are_still_used(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _client_for("http://sms.example.invalid").get_source("a")
    assert server.requests[0]["path"] == "http://sms.example.invalid/v3/sources/a"


def test_a_ca_bundle_from_the_environment_is_still_used(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used here")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert _client_for("https://sms.example.com").verify == str(bundle)
    assert _client_for("https://sms.example.com", validate_certs=False).verify is False


# --- 7, 8: answers that are not what the API promises ------------------------------------------

def test_a_redirect_is_an_error_with_status_and_location(server):
    server.script = [(302, {"Location": "https://login.example.com/sso"}, b"")]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url).report_command_result("src-1", "START", "success", {})
    assert info.value.status == 302 and "https://login.example.com/sso" in str(info.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize("payload,content_type,message", [
    (b"<html><form>Sign in</form></html>", "text/html", "the answer is not JSON (Content-Type text/html)"),
    (b'{"command_name": "ST', "application/json", "the answer is not JSON"),
    (b'["START"]', "application/json", "the answer is a JSON array, not a JSON object"),
    (b"", "application/json", "the answer is empty, not a JSON object"),
])
def test_get_command_answer_that_is_not_an_object_is_an_error(server, payload, content_type, message):
    server.script = [(200, {"Content-Type": content_type, "X-Request-Id": "r-8"}, payload)]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url).get_command("src-1")
    assert message in str(info.value) and info.value.request_id == "r-8" and info.value.status == 200


def test_a_login_page_is_not_a_successful_command_result(server):
    server.script = [(200, {"Content-Type": "text/html"}, b"<html>Please log in</html>")]
    with pytest.raises(SmsApiError, match="not JSON"):
        _client_for(server.url).report_command_result("src-1", "START", "success", {})


def test_the_documented_empty_or_message_answers_of_a_report_are_success(server):
    server.script = [(200, {}, b""), (200, {"Content-Type": "text/plain"}, b"success"), (200, {}, {})]
    client = _client_for(server.url)
    assert [client.report_command_result("s", "START", "success", {}) for _attempt in range(3)] == [{}, "success", {}]


# --- 11: resets, malformed settings, IAM answers -----------------------------------------------

def test_a_get_whose_body_is_cut_off_is_retried(raw_server, monkeypatch):
    monkeypatch.setattr(RetryPolicy, "backoff_base", 0.01)
    body = json.dumps({"id": "src-1", "name": "web"}).encode()

    def handle(conn, number):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        if number == 1:
            conn.sendall(head + body[:10])
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
        else:
            conn.sendall(head + body)
    srv = raw_server(handle)
    assert _client_for(srv.url).get_source("src-1") == {"id": "src-1", "name": "web"}
    assert srv.connections == 2


def test_a_post_whose_answer_is_cut_off_is_not_repeated(raw_server):
    def handle(conn, _number):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
    srv = raw_server(handle)
    with pytest.raises(SmsClientError, match="ended after 1 of 100 bytes|connection broke"):
        _client_for(srv.url).report_command_result("src-1", "START", "success", {})
    assert srv.connections == 1


@pytest.mark.parametrize("endpoint", ["https://:443", "http://[::1", "http://host:port", "https://", "http://h/ x"])
def test_malformed_endpoints_are_clean_errors(endpoint):
    with pytest.raises(SmsClientError, match="endpoint must be"):
        _client_for(endpoint)


def test_a_missing_ca_path_is_a_clean_error(tmp_path):
    with pytest.raises(SmsClientError, match="ca_path .* is not a file"):
        _client_for("https://sms.example.com", ca_path=str(tmp_path / "nope.pem"))


@pytest.mark.parametrize("projects", [[{"name": "ap-southeast-3"}], [{"id": None}], ["p"], [{"id": "p\n1"}]])
def test_an_iam_answer_without_a_usable_project_id_is_a_clean_error(server, monkeypatch, projects):
    monkeypatch.setattr(_auth, "_project_id_cache", {})
    server.script = [(200, {}, {"projects": projects})]
    client = _client_for(server.url, region="ap-southeast-3", iam_endpoint=server.url, project_id=None)
    with pytest.raises(SmsClientError, match="without a usable project id"):
        client.get_source("a")
    assert len(server.requests) == 1  # SMS never called without a project id


# --- 13: time bounds ---------------------------------------------------------------------------

def test_timeout_bounds_a_trickled_body(raw_server):
    def handle(conn, _number):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        for _byte in range(300):  # 30 s of trickle unless the client gives up
            conn.sendall(b" ")
            time.sleep(0.1)
    srv = raw_server(handle)
    started = time.monotonic()
    with pytest.raises(SmsClientError, match="did not arrive within timeout"):
        _client_for(srv.url, timeout=1, retries=0).get_source("a")
    # Far below the 30 s the body takes, with room for a loaded 2-core machine.
    assert time.monotonic() - started < 8


def test_retry_after_waits_are_bounded_in_total(server, monkeypatch):
    monkeypatch.setattr(RetryPolicy, "max_total_wait", 1.0)
    server.script = [(429, {"Retry-After": "0.6"}, {"error_code": "APIGW.0308", "error_msg": "throttled"})] * 11
    started = time.monotonic()
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url, retries=10).get_source("a")
    # One 0.6 s wait fits in the 1 s budget, a second would not: 2 requests, not 11 (6 s of waits).
    assert info.value.status == 429 and len(server.requests) == 2
    assert time.monotonic() - started < 4


# --- 14: size caps -----------------------------------------------------------------------------

def test_a_huge_answer_is_refused(server, monkeypatch):
    monkeypatch.setattr(_answers, "MAX_ANSWER_BYTES", 100000)
    server.script = [(200, {}, {"id": "a", "blob": "x" * 200000})]
    with pytest.raises(SmsClientError, match="more than the 100000 bytes read at most"):
        _client_for(server.url, retries=0).get_source("a")


def test_a_gzip_answer_sent_despite_identity_is_read_and_a_gzip_bomb_refused(server, monkeypatch):
    import gzip
    monkeypatch.setattr(_answers, "MAX_ANSWER_BYTES", 100000)
    server.script = [(200, {"Content-Encoding": "gzip"}, gzip.compress(b'{"id": "a"}')),
                     (200, {"Content-Encoding": "gzip"}, gzip.compress(b'{"x": "' + b"y" * 500000 + b'"}'))]
    client = _client_for(server.url, retries=0)
    assert client.get_source("a") == {"id": "a"}
    assert server.requests[0]["headers"]["Accept-Encoding"] == "identity"
    with pytest.raises(SmsClientError, match="more than the 100000 bytes read at most"):
        client.get_source("a")


def test_a_huge_json_error_is_echoed_short(server):
    server.script = [(500, {}, {"error_code": "SMS.2007", "error_msg": "e" * 3000000, "details": ["d" * 1000000]})]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url, retries=0).get_source("a")
    assert info.value.error_code == "SMS.2007" and info.value.error_msg.endswith("(3000000 characters in all)")
    assert len(str(info.value)) < 5000 and len(json.dumps(info.value.to_dict())) < 10000


def test_a_huge_error_page_is_echoed_short(server):
    server.script = [(500, {}, b"<html>" + b"e" * 3000000 + b"</html>")]
    with pytest.raises(SmsApiError) as info:
        _client_for(server.url, retries=0).get_source("a")
    assert info.value.status == 500 and len(str(info.value)) < 5000 and len(json.dumps(info.value.to_dict())) < 10000
    assert "3000013 characters in all" in str(info.value)


# --- 15: a report is never recorded twice --------------------------------------------------------

def test_a_report_repeated_after_a_503_is_recognised_as_applied(server):
    server.script = [(503, {"Retry-After": "0"}, {"error_code": "APIGW.0503", "error_msg": "unavailable"}),
                     (400, {}, {"error_code": "SMS.2009", "error_msg": "The command is inconsistent"}),
                     (200, {}, {})]
    assert _client_for(server.url).report_command_result("src-1", "START", "success", {}) == {}
    assert [r["method"] for r in server.requests] == ["POST", "POST", "GET"]
    assert server.requests[2]["path"] == "/v3/sources/src-1/command"


def test_sms_2009_without_an_earlier_attempt_is_the_error_it_is(server):
    server.script = [(400, {}, {"error_code": "SMS.2009", "error_msg": "The command is inconsistent"})]
    with pytest.raises(SmsApiError, match="SMS.2009"):
        _client_for(server.url).report_command_result("src-1", "STOP", "success", {})
    assert len(server.requests) == 1


def test_sms_2009_after_a_503_while_the_command_is_still_pending_is_an_error(server):
    server.script = [(503, {"Retry-After": "0"}, {"error_code": "APIGW.0503", "error_msg": "unavailable"}),
                     (400, {}, {"error_code": "SMS.2009", "error_msg": "The command is inconsistent"}),
                     (200, {}, {"command_name": "START"})]
    with pytest.raises(SmsApiError, match="SMS.2009"):
        _client_for(server.url).report_command_result("src-1", "START", "success", {})


# --- 16, 17: bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("server_id", [".", "..", ""])
def test_ids_that_would_change_the_path_are_refused(server, server_id):
    with pytest.raises(SmsClientError, match="not a valid id"):
        _client_for(server.url).get_command(server_id)
    assert server.requests == []


@pytest.mark.parametrize("detail", [{"x": float("nan")}, {"x": float("inf")}])
def test_a_body_that_is_not_json_is_refused_before_sending(server, detail):
    with pytest.raises(SmsClientError, match="cannot be sent as JSON"):
        _client_for(server.url).report_command_result("src-1", "START", "success", detail)
    assert server.requests == []


def test_a_region_with_a_trailing_newline_is_refused():
    with pytest.raises(SmsClientError, match="region must look like"):
        SmsClient(region="ap-southeast-3\n", access_key=AK, secret_key=SK)


def test_tls_errors_keep_their_reason(server):
    with pytest.raises(SmsClientError) as info:
        _client_for(server.url.replace("http://", "https://"), retries=0).get_source("a")
    assert "TLS error" in str(info.value) and "wrong version number" in str(info.value).lower()
