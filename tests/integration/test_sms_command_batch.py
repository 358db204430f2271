# -*- coding: utf-8 -*-
"""The list form of sms_command_result (results) with --check from the command line, through
the module's action plugin. The other tests of the list forms run in-process:
tests/unit/modules/test_sms_command_batch.py."""

import pytest

from support.ansible import emulator_env, run_module

RESULT_PATH = "/v3/sources/%s/command_result"


@pytest.fixture
def wave(emulator_factory):
    """An emulator with four waiting sources; the first two have a pending START."""
    emu = emulator_factory(sources=4, seed=3, states="waiting=1")
    ids = [source["id"] for source in emu.store.list_sources()]
    tasks = {}
    for source_id in ids[:2]:
        tasks[source_id] = emu.store.create_task({"name": "mig-" + source_id, "type": "MIGRATE_FILE",
                                                  "source_server": {"id": source_id}, "auto_start": True})
        assert emu.store.pending_command(source_id)["command_name"] == "START"
    emu.clear_request_log()
    return emu, ids, tasks


def test_results_check_mode_sends_nothing(wave):
    emu, ids, _tasks = wave
    reports = [{"server_id": ids[0], "command_name": "START", "result": "success"}]
    result = run_module("sms_command_result", {"results": reports}, env=emulator_env(emu), check=True)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["results"] == [{"server_id": ids[0], "command_name": "START", "sent": False, "request": {
        "method": "POST", "path": RESULT_PATH % ids[0],
        "body": {"command_name": "START", "result": "success", "result_detail": {}}}}]
    assert emu.request_log() == []
    assert emu.store.command_results() == []
