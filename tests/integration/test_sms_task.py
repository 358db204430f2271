# -*- coding: utf-8 -*-
"""sms_task end to end: ansible-playbook -> module -> shared client -> emulator, for what needs Ansible
itself (check and diff mode from the play). The module's logic is tested in process in
tests/unit/modules/test_sms_task.py."""

import json

import pytest

from sms_emulator import Emulator
from support.ansible import emulator_env, run_playbook
from support.fleet import take_fresh_sources


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=40, seed=11, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_env(emu, HUAWEICLOUD_REGION=emu.region)


_fresh_sources = take_fresh_sources


def test_check_and_diff_mode_send_nothing_and_show_the_body(emu, env):
    source = _fresh_sources(emu, 1)[0]
    emu.clear_request_log()
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": [
        {"name": "create", "hwcloud.sms.sms_task": {"source_id": source["id"], "template_id": "t-1"},
         "check_mode": True, "diff": True, "register": "planned"}]}]
    run = run_playbook(json.dumps(playbook) + "\n", env=env)
    result = run.result("create")
    assert result["changed"] is True and result["outcome"] == "created"
    assert result["diff"]["before"] == {} and result["diff"]["after"] == result["request"]["body"]
    assert result["task"]["phase"] == "ready" and result["task"]["id"] is None
    assert [e["method"] for e in emu.request_log()] == ["GET", "GET"]  # the source, its tasks
    assert emu.store.get_source_record(source["id"])["current_task"] is None
