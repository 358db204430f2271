"""Fault injection: shares, seeds, forced answers, drops, latency, fail-after-acting, new kinds."""

import http.client
import threading
import time

import pytest

from sms_emulator.faults import FAULT_KINDS, Dropped, FaultInjector, FaultKind

from support.emulator_client import SignedClient


REQUESTS = 400


def _statuses(emu, count=REQUESTS, path="/v3/sources", params=None):
    client = SignedClient(emu)
    statuses = []
    for _index in range(count):
        try:
            statuses.append(client.request("GET", path, params or {"limit": 1}))
        except (http.client.HTTPException, ConnectionError):
            statuses.append((0, None, {}))
            client.close()
            client = SignedClient(emu)
    client.close()
    return statuses


def test_429_share_with_retry_after(sms_emulator, sms_emulator_faults):
    sms_emulator_faults(rate_429=0.3, retry_after=2, fault_seed=1)
    answers = _statuses(sms_emulator)
    throttled = [answer for answer in answers if answer[0] == 429]
    assert 0.22 * REQUESTS < len(throttled) < 0.38 * REQUESTS
    assert {answer[0] for answer in answers} == {200, 429}
    status, body, headers = throttled[0]
    assert headers["Retry-After"] == "2" and body["error_code"] == "APIGW.0308" and headers["X-Request-Id"]


def test_retry_after_zero_allowed(sms_emulator, sms_emulator_faults):
    sms_emulator_faults(fail_next=[429], retry_after=0)
    status, _body, headers = SignedClient(sms_emulator).request("GET", "/v3/sources", {"limit": 1})
    assert status == 429 and headers["Retry-After"] == "0"


@pytest.mark.parametrize("status_5xx", [503, 500])
def test_5xx_share_with_exact_status(sms_emulator, sms_emulator_faults, status_5xx):
    sms_emulator_faults(rate_5xx=0.25, status_5xx=status_5xx, fault_seed=2)
    answers = _statuses(sms_emulator)
    failed = [answer for answer in answers if answer[0] >= 500]
    assert {answer[0] for answer in failed} == {status_5xx}
    assert 0.17 * REQUESTS < len(failed) < 0.33 * REQUESTS
    assert failed[0][1]["error_code"].startswith("SMS.")


def test_faults_are_reproducible_with_a_seed(sms_emulator, sms_emulator_faults):
    runs = []
    for _run in range(2):
        sms_emulator_faults(rate_429=0.2, rate_5xx=0.2, status_5xx=None, fault_seed=9)
        runs.append([answer[0] for answer in _statuses(sms_emulator, 60)])
    assert runs[0] == runs[1]
    assert {429, 200} <= set(runs[0])


def test_429_is_decided_before_acting(emulator_factory):
    emu = emulator_factory()
    emu.set_faults(fail_next=[429, 503])
    client = SignedClient(emu)
    body = {"name": "x", "os_type": "LINUX", "os_version": "v", "agent_version": "1", "has_rsync": True,
            "networks": [{"mac": "fa:16:3e:00:00:99"}]}
    assert client.request("POST", "/v3/sources", body=body)[0] == 429
    assert client.request("POST", "/v3/sources", body=body)[0] == 503
    assert emu.store.count_sources() == 0
    assert client.request("POST", "/v3/sources", body=body)[0] == 200
    assert emu.store.count_sources() == 1


def test_fail_after_acting_applies_the_change(emulator_factory):
    emu = emulator_factory(fail_after_acting_5xx=1.0)
    client = SignedClient(emu)
    body = {"name": "x", "os_type": "LINUX", "os_version": "v", "agent_version": "1", "has_rsync": True,
            "networks": [{"mac": "fa:16:3e:00:00:98"}]}
    status, answer, _headers = client.request("POST", "/v3/sources", body=body)
    assert status == 500 and answer["error_code"].startswith("SMS.")
    assert emu.store.count_sources() == 1
    assert emu.request_log()[-1]["fault"] == "after_acting_500"


def test_drop_closes_the_connection_without_answer(sms_emulator, sms_emulator_faults):
    sms_emulator_faults(drop=1.0)
    client = SignedClient(sms_emulator)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        client.request("GET", "/v3/sources", {"limit": 1})
    assert sms_emulator.request_log()[-1]["fault"] == "drop"


def test_drop_share(sms_emulator, sms_emulator_faults):
    sms_emulator_faults(drop=0.2, fault_seed=4)
    dropped = [answer for answer in _statuses(sms_emulator, 200) if answer[0] == 0]
    assert 0.12 * 200 < len(dropped) < 0.28 * 200


def test_latency_does_not_block_other_connections(sms_emulator, sms_emulator_faults):
    sms_emulator_faults(latency_ms=300)
    results = []

    def one():
        results.append(SignedClient(sms_emulator).request("GET", "/v3/sources", {"limit": 1})[0])
    threads = [threading.Thread(target=one) for _index in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert results == [200] * 8
    assert 0.3 <= elapsed < 2.0


def test_a_new_fault_kind_plugs_in(emulator_factory):
    """The extension points the fault kinds give: an option, a seeded draw and a reshaped answer."""

    class HtmlOrCut(FaultKind):
        options = {"html": False, "cut": False}

        def shape_response(self, decision, config, exchange, response):
            if config["html"]:
                exchange.entry["fault"] = "html"
                response.body = b"<html>gateway</html>"
            if config["cut"]:
                def half(wfile, body):
                    wfile.write(body[:len(body) // 2])
                    raise Dropped()
                response.write_body = half

    emu = emulator_factory(sources=3)
    emu.fault_injector = FaultInjector(kinds=FAULT_KINDS + [HtmlOrCut()])
    client = SignedClient(emu)
    emu.set_faults(html=True)
    with pytest.raises(ValueError):
        client.request("GET", "/v3/sources")
    assert emu.request_log()[-1]["fault"] == "html"
    emu.set_faults(cut=True)
    with pytest.raises(http.client.IncompleteRead):
        SignedClient(emu).request("GET", "/v3/sources")
    with pytest.raises(ValueError):
        emu.set_faults(nonsense=1)


def test_an_outage_answers_every_request_for_its_seconds_then_ends(emulator_factory):
    emu = emulator_factory(sources=2, seed=4)
    client = SignedClient(emu)
    emu.set_faults(outage_seconds=5)
    ends = emu.fault_config["outage_ends"]
    # a write during the outage is not carried out (sent first: a loaded machine may stall)
    status, body, _headers = client.request("POST", "/v3/migprojects", body={
        "name": "during-outage", "region": emu.region, "type": "MIGRATE_FILE"})
    assert status == 503 and body["error_code"] == "SMS.2007"
    assert emu.request_log()[-1]["fault"] == "outage_503"
    answers = []
    while len(answers) < 6 and time.time() < ends - 1.0:
        answers.append(client.request("GET", "/v3/sources", {"limit": 1})[0])
    assert answers and set(answers) == {503}
    time.sleep(max(0.0, ends - time.time()) + 0.05)
    assert client.request("GET", "/v3/sources", {"limit": 1})[0] == 200
    assert [p["name"] for p in client.request("GET", "/v3/migprojects")[1]["migprojects"]] == ["default"]
    client.close()


@pytest.mark.parametrize("status", [502, 429, "drop"])
def test_outage_status_and_bad_options(emulator_factory, status):
    emu = emulator_factory(sources=1, seed=4)
    emu.set_faults(outage_seconds=30, outage_status=status)
    answer = _statuses(emu, count=2)
    assert [entry[0] for entry in answer] == [0 if status == "drop" else status] * 2
    emu.reset_faults()
    assert _statuses(emu, count=1)[0][0] == 200
    for options in ({"outage_seconds": -1}, {"outage_seconds": 1, "outage_status": 404}):
        with pytest.raises(ValueError):
            emu.set_faults(**options)
