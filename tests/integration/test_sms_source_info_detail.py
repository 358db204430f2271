# -*- coding: utf-8 -*-
"""sms_source_info detail, overview and errors against the emulator."""

import yaml

from support.ansible import emulator_env, run_playbook


def _play(emu, tasks):
    for task in tasks:
        task["ignore_errors"] = True
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    return run_playbook(yaml.safe_dump(playbook), env=emulator_env(emu))


def test_detail_overview_and_errors(emulator_factory):
    emu = emulator_factory(sources=12, seed=4, states="waiting=0.5,error=0.5")
    waiting = emu.store.list_sources(state="waiting")
    in_error = emu.store.list_sources(state="error")
    assert waiting and in_error
    vanished = waiting[0]["id"]
    original = emu.store.get_source
    emu.store.get_source = lambda source_id: None if source_id == vanished else original(source_id)
    run = _play(emu, [
        {"name": "detail", "hwcloud.sms.sms_source_info": {"state": "error", "detail": True, "overview": True, "errors": True}},
        {"name": "plain", "hwcloud.sms.sms_source_info": {"state": "error"}},
        {"name": "detail query", "hwcloud.sms.sms_source_info": {"state": "error", "detail": True,
                                                                 "query": "[].networks[0].mac"}},
        {"name": "gone while read", "hwcloud.sms.sms_source_info": {"id": vanished, "detail": True}},
    ])
    detail = run.result("detail")
    assert [s["id"] for s in detail["source_servers"]] == [s["id"] for s in in_error]
    for listed, shown in zip(in_error, detail["source_servers"]):
        expected = original(listed["id"])
        assert shown["disks"] == expected["disks"] and shown["networks"] == expected["networks"]
        assert shown["is_consistency_result_exist"] == listed["is_consistency_result_exist"]  # listing fields kept
    assert detail["overview"] == emu.store.overview()
    assert sorted(e["source_id"] for e in detail["migration_errors"]) == sorted(s["id"] for s in in_error)
    plain = run.result("plain")
    assert "disks" not in plain["source_servers"][0] and "overview" not in plain and "migration_errors" not in plain
    assert run.result("detail query")["query_result"] == [original(s["id"])["networks"][0]["mac"] for s in in_error]
    gone = run.result("gone while read")
    assert gone["failed"] and gone["status"] == 404 and gone["error_code"] == "SMS.0404" and vanished in gone["msg"]
