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


def test_diff_of_a_wave_shows_per_row_which_fields_change_in_place_and_the_failure_which_need_recreate(emu, env):
    first, second = _fresh_sources(emu, 2)
    for source in (first, second):
        assert emu.store.create_task({"name": "diff-%s" % source["name"], "type": "MIGRATE_FILE", "os_type": "LINUX",
                                      "source_server": {"id": source["id"]}, "speed_limit": 0, "priority": 1})
    emu.clear_request_log()
    in_place = [{"source_id": first["id"], "speed_limit": 20}, {"source_id": second["id"], "name": "renamed"}]
    recreate = [{"source_id": second["id"], "name": "renamed", "priority": "high"}]
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": [
        {"name": "in place", "hwcloud.sms.sms_task": {"tasks": in_place}},
        {"name": "recreate", "hwcloud.sms.sms_task": {"tasks": recreate}, "ignore_errors": True}]}]
    # The default callback prints the diff of a changed task: one per row, the headers naming the
    # row and how each field changes. A failed task shows no diff: its message names them.
    run = run_playbook(json.dumps(playbook) + "\n", env=env, check=True, callback="default", extra_args=("--diff",))
    assert "+++ after: row 1 (source_id %s): updated in place: speed_limit" % first["id"] in run.stdout, run.output
    assert "+++ after: row 2 (source_id %s): updated in place: name" % second["id"] in run.stdout, run.output
    assert '+    "speed_limit": 20' in run.stdout and '+    "name": "renamed"' in run.stdout
    assert "name 'diff-%s' -> 'renamed' (updated in place), priority 1 -> 2 (needs recreate)" % second["name"] in run.stdout
    assert "Traceback" not in run.output and "callback" not in run.stderr.lower(), run.output
    assert all(e["method"] == "GET" for e in emu.request_log())
