# -*- coding: utf-8 -*-
"""Absurd numbers and wrong types in SMS's answers (a date of 1e20 ms, a size of 1e300, text where a
number belongs, a number where text belongs) never crash sms_source_info, sms_source or sms_command:
the values come back as SMS sent them, and the modules still do their job.
Run in this process against the emulator (moved from tests/integration/test_absurd_api_numbers.py, assertions
unchanged): the playbook's tasks are run one after the other, as ansible-playbook ran them."""

import json

from support.module_runner import emulator_args
from ansible_collections.hwcloud.sms.tests.unit.modules.sms_task_runner import run_module

ABSURD = {"add_date": 1e20, "memory": 1e300, "totalsize": "lots", "replicatesize": -1e300,
          "last_visit_time": -5, "cpu_quantity": True, "state_action_time": [1], "stage_action_time": 1.5e308,
          "os_version": 7, "cpu_quantity_max": float("inf")}
# ShowServer's disk lists with wrong types: a number and a text among the disks, a dict for a list.
DISKS = {"disks": [7, "vdz", {"name": "/dev/vda", "size": 1e300, "need_migration": "maybe", "adjust_size": 1e20},
                   {"name": ["/dev/vdq"], "size": "big"}],
         "volume_groups": {"vg0": {"size": 1}}}
PARAM = {"task_id": "t-1", "speed_limit": 1e300, "start_date": 1e20, "migrate_size": "lots", "remain": -1}


class _Play(object):
    """The results of a playbook's tasks, by task name (the integration tests' AnsibleRun.result)."""

    def __init__(self, results):
        self.results = results

    def result(self, task_name):
        return self.results[task_name]


def _play(emu, tasks):
    """Run each task (name, one hwcloud.sms module with its options, check_mode, diff) in this
    process, in order, as a playbook with ignore_errors would."""
    results = {}
    for task in tasks:
        task = dict(task)
        name, check_mode, diff = task.pop("name"), task.pop("check_mode", False), task.pop("diff", False)
        (module, args), = task.items()
        results[name] = run_module(module.split(".")[-1], args, emulator_args(emu), check=check_mode, diff=diff)
    return _Play(results)


def _no_traceback(result):
    # (ansible-core 2.19 adds "exception": "(traceback unavailable)" to every failure.)
    text = json.dumps(result)
    assert "most recent call last" not in text and "MODULE FAILURE" not in text and not result.get("module_stderr"), result


def test_absurd_numbers_pass_through_and_never_crash(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    odd, gone, polled = emu.store.list_sources()
    emu.store.update_source(odd["id"], lambda record: record.update(ABSURD))
    emu.store.update_source(gone["id"], lambda record: record.update(
        state=3.5, migration_cycle=12, current_task={"id": "t-x", "state": ["RUNNING"], "start_date": 1e20}))
    # Answers SMS would never give, written straight into the emulator's store.
    with emu.store._write() as conn:  # pylint: disable=protected-access
        conn.execute("UPDATE source_docs SET extra = ? WHERE seq = (SELECT seq FROM sources WHERE id = ?)",
                     (json.dumps(DISKS), odd["id"]))
        conn.execute("INSERT INTO commands (source_id, command_name, command_param, purpose, issued_at) "
                     "VALUES (?, ?, ?, ?, ?)", (polled["id"], "START", json.dumps(PARAM), "start", 0))
    run = _play(emu, [
        {"name": "list", "hwcloud.sms.sms_source_info": {}},
        {"name": "detail", "hwcloud.sms.sms_source_info": {"detail": True, "overview": True}},
        {"name": "query", "hwcloud.sms.sms_source_info": {"query": "[?memory > `1e299`].name"}},
        {"name": "rename", "hwcloud.sms.sms_source": {"id": odd["id"], "name": "odd-01"}},
        {"name": "delete", "hwcloud.sms.sms_source": {"id": gone["id"], "state": "absent"}},
        {"name": "disk", "hwcloud.sms.sms_source": {"id": odd["id"], "disks": [{"id": "/dev/vda", "need_migration": False}]},
         "check_mode": True, "diff": True},
        {"name": "unknown disk", "hwcloud.sms.sms_source": {"id": odd["id"], "disks": [{"id": "7", "need_migration": False}]}},
        {"name": "volume group", "hwcloud.sms.sms_source": {"id": odd["id"], "volume_groups": [{"id": "vg0", "need_migration": False}]}},
        {"name": "command", "hwcloud.sms.sms_command": {"server_id": polled["id"]}},
        {"name": "commands", "hwcloud.sms.sms_command": {"server_ids": [polled["id"], odd["id"]]}},
    ])
    for name in ("list", "detail", "query", "rename", "delete", "command", "commands"):
        result = run.result(name)
        _no_traceback(result)
        assert not result.get("failed"), (name, result)
    for name in ("list", "detail"):
        record = next(r for r in run.result(name)["source_servers"] if r["id"] == odd["id"])
        for key, value in ABSURD.items():
            assert record[key] == value, (name, key, record[key])
    assert run.result("query")["query_result"] == [odd["name"]]
    assert run.result("rename")["source"]["memory"] == 1e300 and run.result("rename")["source"]["name"] == "odd-01"
    assert run.result("delete")["changed"] is True and emu.store.get_source(gone["id"]) is None
    disk = run.result("disk")
    _no_traceback(disk)
    assert disk["changed"] is True and disk["changed_fields"] == ["disks"], disk
    assert disk["diff"]["before"]["disks"][0]["adjust_size"] == 1e20
    for name, message in (("unknown disk", "has no disk 7 (it has: /dev/vda, ['/dev/vdq'])"),
                          ("volume group", "has no volume group vg0 (it has: none)")):
        refused = run.result(name)
        _no_traceback(refused)
        assert refused["failed"] and message in refused["msg"], refused
    assert run.result("command")["command_param"] == PARAM
    assert run.result("commands")["commands"][0]["command_param"] == PARAM
