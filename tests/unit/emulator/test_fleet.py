"""The generated fleet: determinism, unique addresses, and the 100k-source build."""

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


def test_100k_sources_page_at_every_offset():
    emulator = Emulator(sources=100000, seed=1).start()
    try:
        assert emulator.store.count_sources() == 100000
        client = SignedClient(emulator)
        pages = []
        for offset in (0, 200, 20000, 65000):
            status, body, _headers = client.request("GET", "/v3/sources", {"limit": 200, "offset": offset})
            assert status == 200 and body["count"] == 100000 and len(body["source_servers"]) == 200
            pages.append([record["id"] for record in body["source_servers"]])
        assert len(set().union(*pages)) == 800  # four different pages, no record twice
    finally:
        emulator.stop()
