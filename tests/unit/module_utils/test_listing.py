# -*- coding: utf-8 -*-
"""list_all against a fleet served by a small HTTP server started in the test: any listing
(sources, tasks) is complete or fails, whatever the answers and the fleet do meanwhile."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError


class FleetServer:
    """Serves ``items_key`` listings of ``self.fleet`` (ordered ids) with limit/offset; ``before_page``
    may change the fleet before a page is cut; ``answer`` may replace a whole answer."""

    def __init__(self, items_key="source_servers", size=450):
        self.items_key = items_key
        self.fleet = ["id-%05d" % i for i in range(size)]
        self.before_page = None
        self.answer = None
        self.queries = []
        self._cache = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def do_GET(self):  # noqa: N802 - the http.server name
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                server.queries.append((parts.path, query))
                payload = server.page(parts.path, query)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def page(self, path, query):
        with self.lock:
            number = len(self.queries)
            if self.answer is not None:
                return self.answer(number, query)
            if self.before_page is not None:
                self.before_page(number, query)
            if path == "/v3/sources/overview":
                return {"waiting": len([i for i in self.fleet if _state(i) == "waiting"]),
                        "finished": len([i for i in self.fleet if _state(i) == "finished"]), "error": 0}
            limit, offset = int(query.get("limit", 200)), int(query.get("offset", 0))
            if offset > 65535:  # the API's documented cap
                return {"error_code": "SMS.6101", "error_msg": "Invalid parameter offset"}
            ids = self._matching(query.get("state") if self.items_key == "source_servers" else None)
            return {"count": len(ids), self.items_key: [{"id": i, "state": _state(i)} for i in ids[offset:offset + limit]]}

    def _matching(self, state):
        if state is None:
            return self.fleet
        key = (state, len(self.fleet), self.fleet[-1])
        if key not in self._cache:
            self._cache[key] = [i for i in self.fleet if _state(i) == state]
        return self._cache[key]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _state(source_id):
    return "waiting" if int(source_id[-5:]) % 3 else "finished"


@pytest.fixture
def fleet_server():
    started = []

    def start(**kwargs):
        srv = FleetServer(**kwargs)
        started.append(srv)
        return srv
    yield start
    for srv in started:
        srv.close()


def _client(url):
    return SmsClient(endpoint=url, access_key="AKLISTINGTEST0000001", secret_key="listing-secret", project_id="p", retries=0)


@pytest.mark.parametrize("workers", [1, 4])
def test_any_listing_pages_completely(fleet_server, workers):
    srv = fleet_server(items_key="tasks", size=1000)
    count, records = _client(srv.url).list_all("/v3/tasks", "tasks", {"state": "RUNNING"}, workers=workers)
    assert count == 1000 and [r["id"] for r in records] == srv.fleet
    assert {q["state"] for _p, q in srv.queries} == {"RUNNING"}
    assert {p for p, _q in srv.queries} == {"/v3/tasks"}


def test_a_source_that_never_left_is_not_lost_when_others_move(fleet_server):
    """One source leaves before the page boundary, another arrives at the end: the count stays
    450, but offsets shift and the record at 199 would fall between two pages."""
    srv = fleet_server(size=450)
    stable = srv.fleet[199]

    def churn_once(number, _query):
        if number == 2:
            srv.fleet.remove("id-00010")
            srv.fleet.append("id-99999")
    srv.before_page = churn_once
    count, records = _client(srv.url).list_all("/v3/sources", "source_servers")
    ids = [r["id"] for r in records]
    assert stable in ids
    assert count == 450 and sorted(ids) == sorted(srv.fleet)


def test_a_fleet_that_never_stops_changing_fails_instead_of_giving_a_partial_listing(fleet_server):
    srv = fleet_server(size=450)

    def churn_always(number, _query):
        if number % 3 == 2:
            srv.fleet.remove(srv.fleet[10])
            srv.fleet.append("id-9%04d" % number)
    srv.before_page = churn_always
    with pytest.raises(SmsClientError, match="changed while it was read, 3 times"):
        _client(srv.url).list_all("/v3/sources", "source_servers")


def test_a_count_that_changes_between_pages_fails(fleet_server):
    srv = fleet_server(size=450)

    def growing(number, query):
        ids = srv.fleet[int(query["offset"]):int(query["offset"]) + 200]
        return {"count": 450 + number, "source_servers": [{"id": i} for i in ids]}
    srv.answer = growing
    with pytest.raises(SmsClientError, match="count went from"):
        _client(srv.url).list_sources()


@pytest.mark.parametrize("answer,message", [
    ({"source_servers": []}, "count must be a non-negative integer, got nothing"),
    ({"count": 3}, "source_servers must be a list, got nothing"),
    ({"count": "3", "source_servers": []}, "count must be a non-negative integer, got str '3'"),
    ({"count": True, "source_servers": []}, "count must be a non-negative integer"),
    ({"count": 1, "source_servers": ["x"]}, "every element of source_servers must be an object, got str 'x'"),
    ([{"id": "a"}], "the answer is a JSON array, not a JSON object"),
    (b"<html>login</html>", "the answer is not JSON (Content-Type application/json): <html>login</html>"),
    (b'{"count": 3, "source_ser', "the answer is not JSON"),
])
def test_an_answer_that_is_not_the_documented_listing_is_a_clean_error(fleet_server, answer, message):
    srv = fleet_server()
    srv.answer = lambda _number, _query: answer
    with pytest.raises((SmsApiError, SmsClientError)) as info:
        _client(srv.url).list_sources()
    assert message in str(info.value) and "GET " in str(info.value) and "/v3/sources" in str(info.value)


def test_one_page_asked_for_is_checked_too(fleet_server):
    srv = fleet_server()
    srv.answer = lambda _number, _query: {"count": 5}
    with pytest.raises(SmsClientError, match="source_servers must be a list"):
        _client(srv.url).list_sources(limit=10, offset=0)


@pytest.mark.parametrize("size", [65601, 65735])
def test_listings_just_past_the_offset_cap_are_split_by_non_empty_states(fleet_server, size):
    srv = fleet_server(size=size)
    count, records = \
        _client(srv.url).list_sources(workers=4)
    assert count == size and sorted(r["id"] for r in records) == srv.fleet
    asked = [q for p, q in srv.queries if p == "/v3/sources"]
    assert max(int(q["offset"]) for q in asked) <= 65535
    if size > 65671:  # past what 200-record pages overlapping by one reach: split by state
        # Only states the overview counts as non-empty are listed ("error" is 0 there).
        assert "error" not in {q.get("state") for q in asked} and {"waiting", "finished"} <= {q.get("state") for q in asked}


def test_smaller_pages_for_listings_documented_with_them(fleet_server):
    srv = fleet_server(items_key="templates", size=120)
    count, records = _client(srv.url).list_all("/v3/vm/templates", "templates", page_size=50, workers=2)
    assert count == 120 and [r["id"] for r in records] == srv.fleet
    assert sorted(int(q["offset"]) for _p, q in srv.queries) == [0, 49, 98] and {q["limit"] for _p, q in srv.queries} == {"50"}
