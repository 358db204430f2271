"""The generated fleet: determinism, unique addresses, and the 100k-source build."""

import time

from sms_emulator import Emulator
from sms_emulator.fleet import ip_for

from support.emulator_client import SignedClient


def test_fleet_is_deterministic(emulator_factory):
    first = emulator_factory(sources=40, seed=21, states={"waiting": 1, "finished": 1})
    second = emulator_factory(sources=40, seed=21, states={"waiting": 1, "finished": 1})
    assert first.store.list_sources() == second.store.list_sources()
    assert {record["state"] for record in first.store.list_sources()} == {"waiting", "finished"}
    third = emulator_factory(sources=40, seed=22)
    assert first.store.list_sources() != third.store.list_sources()


def test_ips_unique_for_a_large_fleet():
    ips = {ip_for(index) for index in range(200000)}
    assert len(ips) == 200000
    assert all(ip.startswith(("10.", "172.")) for ip in list(ips)[:1000])


def test_100k_sources_build_time_and_page_speed():
    emulator = Emulator(sources=100000, seed=1).start()
    try:
        print("\n100000 sources built in %.2fs" % emulator.fleet_seconds)
        assert emulator.store.count_sources() == 100000
        client = SignedClient(emulator)
        timings = []
        for offset in (0, 200, 20000, 65000):
            started = time.perf_counter()
            status, body, _headers = client.request("GET", "/v3/sources", {"limit": 200, "offset": offset})
            timings.append((time.perf_counter() - started) * 1000)
            assert status == 200 and body["count"] == 100000 and len(body["source_servers"]) == 200
        print("page of 200 over HTTP: %s ms" % ", ".join("%.1f" % value for value in timings))
        store_timings = []
        for offset in (0, 5000, 50000):
            started = time.perf_counter()
            emulator.store.query_sources_json({}, 200, offset)
            store_timings.append((time.perf_counter() - started) * 1000)
        print("page of 200 from the store: %s ms" % ", ".join("%.1f" % value for value in store_timings))
        assert emulator.fleet_seconds < 120
    finally:
        emulator.stop()
