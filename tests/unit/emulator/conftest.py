"""Fixtures of the emulator's own tests: a 120-source emulator with 3 enterprise projects and
4 duplicate names, and a signed client for it."""

import pytest

from support.emulator_client import LINUX_BODY, SignedClient, task_body


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(sources=120, seed=3, enterprise_projects=3, duplicate_names=4)


@pytest.fixture
def client(emu):
    signed = SignedClient(emu)
    yield signed
    signed.close()


_REHEARSAL_MACS = iter(range(1, 100000))


@pytest.fixture
def rehearsal(emulator_factory):
    """An emulator whose agents answer by themselves (1 clock second) and a signed client
    (``rehearsal.client``); ``rehearsal.syncing(**task_fields)`` registers a source and runs its task
    (continuous sync) until SYNCING: (source_id, task_id); ``rehearsal.template()`` a server template id."""
    emulator = emulator_factory(sources=0, auto_agent=True, agent_delay=1)
    emulator.client = SignedClient(emulator)

    def syncing(**changes):
        number = next(_REHEARSAL_MACS)
        body = dict(LINUX_BODY, name="rehearsal-%d" % number, networks=[{"mac": "fa:16:3e:77:%02x:%02x" % (
            number // 256, number % 256)}])
        source_id = emulator.client.request("POST", "/v3/sources", body=body)[1]["id"]
        status, answer, _headers = emulator.client.request(
            "POST", "/v3/tasks", body=task_body(emulator, source_id, **dict({"syncing": True}, **changes)))
        assert status == 200, answer
        task_id = answer["id"]
        assert emulator.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})[0] == 200
        emulator.advance(86400)
        assert emulator.store.get_task(task_id)["state"] == ("SYNCING" if changes.get("syncing", True) else "MIGRATE_SUCCESS")
        return source_id, task_id

    def template(**fields):
        body = {"template": dict({"name": "clone-template"}, **fields)}
        status, answer, _headers = emulator.client.request("POST", "/v3/vm/templates", body=body)
        assert status == 200, answer
        return answer["id"]

    emulator.syncing = syncing
    emulator.template = template
    yield emulator
    emulator.client.close()
