# -*- coding: utf-8 -*-
"""sms_task over a wave through ansible-playbook: the wave_plan -> sms_task -> wave_problems chain a
playbook runs, and plans saved by Excel read through Ansible's file lookup and slurp. What a row
looks like that SMS refused or another job created first is tested in process in
tests/unit/modules/test_sms_task_wave.py."""

import json

import pytest
import yaml

from sms_emulator import Emulator
from support.ansible import emulator_env, run_playbook
from support.fleet import take_fresh_sources


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=40, seed=23, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_env(emu, HUAWEICLOUD_REGION=emu.region)


def _posts(emu):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"] == "/v3/tasks"]


def test_a_plan_through_wave_plan_sms_task_and_wave_problems(emu, env, tmp_path):
    ok, dup, windows = take_fresh_sources(emu, 2, os_type="LINUX") + take_fresh_sources(emu, 1, os_type="WINDOWS")
    emu.store.create_project({"name": "nosync", "region": emu.region, "type": "MIGRATE_FILE", "syncing": False})
    plan = tmp_path / "wave.csv"
    plan.write_text(
        "# wave 5\n"
        "source,template_id,type,priority,migproject,ok_to_cutover\n"
        "%s,t,,high,nosync,yes\n"          # line 3: fine; the project says syncing false, the plan's default wins
        "no-such-server,t,,,,\n"           # line 4: unknown source (SMS side)
        "%s,t,,urgent,,\n"                 # line 5: bad priority (plan side), and the same source as line 6
        "%s,t,,,,\n"                       # line 6
        "\n"
        "%s,t,MIGRATE_FILE,,,\n"           # line 8: Windows with MIGRATE_FILE (SMS side)
        % (ok["name"], dup["name"], dup["id"], windows["name"]))
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": [
        {"name": "slurp", "ansible.builtin.slurp": {"src": str(plan)}, "register": "plan"},
        {"name": "rows", "ansible.builtin.set_fact": {"rows": "{{ plan | hwcloud.sms.wave_plan }}"}},
        {"name": "check", "hwcloud.sms.sms_task": {"tasks": "{{ rows | map(attribute='task') | list }}"},
         "check_mode": True, "register": "checked", "ignore_errors": True},
        {"name": "problems", "ansible.builtin.debug": {"msg": "{{ rows | hwcloud.sms.wave_problems(checked) }}"}},
        {"name": "create", "hwcloud.sms.sms_task": {"tasks": "{{ rows[:1] | map(attribute='task') | list }}"},
         "register": "created"},
    ]}]
    emu.clear_request_log()
    run = run_playbook(yaml.safe_dump(playbook), env=env)
    problems = run.result("problems")["msg"]
    assert problems == [
        "line 4, column source (source no-such-server): no source server has name 'no-such-server'",
        "line 5, column priority: priority must be one of low, standard, high, got 'urgent'",
        "line 6, column source (source %s): source server %s (%s) is already planned in line 5 (source_name %s)"
        % (dup["id"], dup["name"], dup["id"], dup["name"]),
        "line 8, column type (source %s): Windows source server %s supports only MIGRATE_BLOCK"
        % (windows["name"], windows["name"]),
    ], json.dumps(problems, indent=1)
    # The plan's continuous sync wins over the project's syncing false.
    created = run.result("create")["results"][0]
    assert created["request"]["body"]["syncing"] is True and emu.store.get_task(created["task"]["id"])["syncing"] is True
    assert len(_posts(emu)) == 1


def test_plans_saved_by_excel_read_through_ansible(tmp_path):
    utf8_bom = tmp_path / "excel-utf8.csv"
    utf8_bom.write_bytes(u"\ufeffsource,template_id\r\nsrv-m\u00fcller,t\r\n".encode("utf-8"))
    windows = tmp_path / "excel-default.csv"
    windows.write_bytes(u"source,template_id\r\nweb-01,t\r\nsrv-m\u00fcller,t\r\n".encode("cp1252"))
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": [
        {"name": "bom", "ansible.builtin.debug": {
            "msg": "{{ lookup('ansible.builtin.file', '%s') | hwcloud.sms.wave_plan }}" % utf8_bom}},
        {"name": "slurp", "ansible.builtin.slurp": {"src": str(windows)}, "register": "plan"},
        {"name": "cp1252", "ansible.builtin.debug": {"msg": "{{ plan | hwcloud.sms.wave_plan }}"},
         "ignore_errors": True},
    ]}]
    run = run_playbook(yaml.safe_dump(playbook))
    rows = run.result("bom")["msg"]
    assert rows[0]["task"]["source_name"] == u"srv-m\u00fcller" and rows[0]["line"] == 2
    refused = run.result("cp1252")
    assert refused["failed"] and "line 3: byte 0xfc is not UTF-8" in refused["msg"], refused["msg"]
    assert 'save it as "CSV UTF-8 (Comma delimited)"' in refused["msg"]
