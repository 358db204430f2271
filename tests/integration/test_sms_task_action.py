# -*- coding: utf-8 -*-
"""sms_task_action through ansible-playbook: check mode from the command line (--check). The module's
logic (guards, waves, waits) is tested in process in tests/unit/modules/test_sms_task_action.py."""

import pytest

from sms_emulator import Emulator
from support.ansible import emulator_env, run_module

ACTION = "/v3/tasks/%s/action"


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=30, seed=5, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_env(emu)


_taken = set()


def _new_tasks(emu, count):
    """(source_id, task_id) of ``count`` new READY tasks on sources no other test used."""
    made = []
    for source in emu.store.list_sources(state="waiting"):
        if source["id"] in _taken:
            continue
        _taken.add(source["id"])
        task_id = emu.store.create_task({"name": "t-" + source["name"], "type": "MIGRATE_FILE",
                                         "source_server": {"id": source["id"]}})
        made.append((source["id"], task_id))
        if len(made) == count:
            return made
    raise AssertionError("not enough sources")


def _actions(emu):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith("/action")]


def test_check_mode_reports_what_would_be_sent(emu, env):
    made = _new_tasks(emu, 2)
    emu.clear_request_log()
    result = run_module("sms_task_action", {"task_ids": [t for _s, t in made], "operation": "start"}, env=env,
                        check=True)
    assert result["changed"] is True and result["sent"] == 0
    assert [r["outcome"] for r in result["results"]] == ["would_send"] * 2
    assert result["results"][0]["request"] == {"operation": "start"}
    assert _actions(emu) == []
    assert all(emu.store.get_task(t)["state"] == "READY" for _s, t in made)
