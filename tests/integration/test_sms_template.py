# -*- coding: utf-8 -*-
"""sms_template and sms_template_info end to end against the emulator: create, idempotence, check
mode, diff, password handling, validation before any request, deletion rules (SMS.7111, SMS.7101)."""

import json

import yaml
from huaweicloudsdksms.v3 import TemplateRequest

from support.ansible import emulator_env, run_playbook

PASSWORD = "Tgt-Passw0rd-4711"
NEW_PASSWORD = "Tgt-Passw0rd-0815"
BASE = {
    "name": "wave1-web",
    "availability_zone": "ap-southeast-3a",
    "flavor": "s6.large.2",
    "volumetype": "SAS",
    "vpc": {"id": "autoCreate", "name": "vpc-sms", "cidr": "192.168.0.0/16"},
    "nics": [{"id": "autoCreate", "name": "subnet-sms", "cidr": "192.168.0.0/24"}],
    "security_groups": [{"id": "autoCreate", "name": "sg-sms"}],
    "publicip": {"bandwidth_size": 10},
    "disk": [{"index": 1, "name": "data", "disktype": "SAS", "size": 100},
             {"index": 0, "name": "system", "disktype": "SAS", "size": 40, "device_use": "BOOT"}],
    "target_password": PASSWORD,
}


def _env(emu):
    return emulator_env(emu, HUAWEICLOUD_REGION=emu.region)


def _play(emu, tasks, verbosity=0):
    """One playbook, every task ignoring errors, so one ansible run checks a whole sequence."""
    for task in tasks:
        task["ignore_errors"] = True
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    return run_playbook(yaml.safe_dump(playbook), env=_env(emu), verbosity=verbosity)


def _task(name, args, **keywords):
    task = {"name": name, "hwcloud.sms.sms_template": args}
    task.update(keywords)
    return task


def _bodies(emu, method):
    return [json.loads(e["body"]) for e in emu.request_log() if e["method"] == method and e["path"].startswith("/v3/vm/templates")]


def test_create_idempotence_update_diff_and_password(emulator_factory):
    emu = emulator_factory(sources=2)
    run = _play(emu, [
        _task("check create", dict(BASE), check_mode=True, diff=True),
        _task("create", dict(BASE)),
        _task("again", dict(BASE)),
        _task("check flavor", dict(BASE, flavor="s6.xlarge.2"), check_mode=True, diff=True),
        _task("flavor", dict(BASE, flavor="s6.xlarge.2", publicip={"bandwidth_size": 20}), diff=True),
        _task("other password on_create", dict(BASE, flavor="s6.xlarge.2", publicip={"bandwidth_size": 20},
                                               target_password=NEW_PASSWORD)),
        _task("other password always", dict(BASE, flavor="s6.xlarge.2", publicip={"bandwidth_size": 20},
                                            target_password=NEW_PASSWORD, update_password="always"), diff=True),
        _task("same password always", dict(BASE, flavor="s6.xlarge.2", publicip={"bandwidth_size": 20},
                                           target_password=NEW_PASSWORD, update_password="always")),
    ], verbosity=4)
    assert run.rc == 0, run
    check = run.result("check create")
    assert check["changed"] is True and check["template"]["id"] is None
    assert check["diff"]["after"]["flavor"] == "s6.large.2" and check["diff"]["after"]["target_password"] == "(set)"
    created = run.result("create")
    assert created["changed"] is True and created["template"]["id"]
    template_id = created["template"]["id"]
    assert "target_password" not in created["template"]
    assert created["template"]["is_template"] == "true"  # the default keeps it out of task cascades
    assert [d["index"] for d in created["template"]["disk"]] == [0, 1]
    assert created["template"]["region"] == emu.region and created["template"]["projectid"] == emu.project_id
    assert run.result("again")["changed"] is False
    check_flavor = run.result("check flavor")
    assert check_flavor["changed"] is True and check_flavor["changed_fields"] == ["flavor"]
    assert check_flavor["diff"] == {"before": {"flavor": "s6.large.2"}, "after": {"flavor": "s6.xlarge.2"}}
    updated = run.result("flavor")
    assert updated["changed_fields"] == ["flavor", "publicip"]
    assert updated["template"]["flavor"] == "s6.xlarge.2" and updated["template"]["publicip"]["bandwidth_size"] == 20
    assert updated["template"]["availability_zone"] == "ap-southeast-3a"  # fields not changed survive PUT
    assert run.result("other password on_create")["changed"] is False
    always = run.result("other password always")
    assert always["changed"] is True and always["changed_fields"] == ["target_password"]
    assert always["diff"] == {"before": {"target_password": "(hidden)"}, "after": {"target_password": "(changed)"}}
    assert run.result("same password always")["changed"] is False
    stored = emu.store.target_password(template_id)["target_password"]
    assert stored == NEW_PASSWORD
    # the password is sent but never printed, even at -vvvv
    assert PASSWORD not in run.output and NEW_PASSWORD not in run.output
    # one template, and every body sent holds only TemplateRequest fields
    assert emu.store.list_templates({})[0] == 1
    for body in _bodies(emu, "POST") + _bodies(emu, "PUT"):
        assert set(body) == {"template"}
        assert set(body["template"]) <= set(TemplateRequest.attribute_map)
    assert len(_bodies(emu, "POST")) == 1 and len(_bodies(emu, "PUT")) == 2


def test_validation_fails_before_any_request(emulator_factory):
    emu = emulator_factory(sources=1)
    bad = {
        "no vpc cidr": dict(BASE, vpc={"id": "vpc-1", "name": "x"}),
        "empty vpc id": dict(BASE, vpc={"id": " ", "cidr": "10.0.0.0/8"}),
        "nic without cidr": dict(BASE, nics=[{"id": "s-1", "name": "n"}]),
        "two auto nics": dict(BASE, nics=[{"id": "autoCreate", "name": "a", "cidr": "192.168.0.0/24"},
                                          {"id": "s-2", "name": "b", "cidr": "192.168.1.0/24"}]),
        "sg without name": dict(BASE, security_groups=[{"id": "sg-1"}]),
        "bandwidth step": dict(BASE, publicip={"bandwidth_size": 320}),
        "public ip without bandwidth": dict(BASE, publicip={"type": "5_bgp"}),
        "duplicate disk index": dict(BASE, disk=[{"index": 0, "name": "a", "disktype": "SAS", "size": 40},
                                                 {"index": 0, "name": "b", "disktype": "SAS", "size": 40}]),
        "zero disk": dict(BASE, disk=[{"index": 0, "name": "a", "disktype": "SAS", "size": 0}]),
        "bad name": dict(BASE, name="web tier!"),
    }
    run = _play(emu, [_task(name, args) for name, args in bad.items()])
    expected = {"no vpc cidr": "cidr", "empty vpc id": "vpc.id", "nic without cidr": "cidr",
                "two auto nics": "nics: an entry with id autoCreate", "sg without name": "name",
                "bandwidth step": "publicip.bandwidth_size", "public ip without bandwidth": "bandwidth_size",
                "duplicate disk index": "own index", "zero disk": "size (GB)", "bad name": "name must be"}
    for name, fragment in expected.items():
        result = run.result(name)
        assert result.get("failed") and fragment in result["msg"], (name, result)
        assert PASSWORD not in json.dumps(result)
    assert emu.request_log() == []


def test_delete_rules_and_info(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    generic = emu.store.create_template({"template": {"name": "web", "availability_zone": "az1", "target_password": PASSWORD}})
    emu.store.create_template({"template": {"name": "web-2", "availability_zone": "az2"}})
    bound = emu.store.create_template({"template": {"name": "bound", "is_template": False}})
    racing = emu.store.create_template({"template": {"name": "racing"}})
    source_id = emu.store.list_sources(state="waiting")[0]["id"]
    emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": source_id},
                           "vm_template_id": bound})
    original = emu.store.delete_templates

    def deleted_by_someone_else_first(ids):
        if ids == [racing]:
            original(ids)
        return original(ids)
    emu.store.delete_templates = deleted_by_someone_else_first
    run = _play(emu, [
        {"name": "info exact", "hwcloud.sms.sms_template_info": {"name": "web"}},
        {"name": "info all", "hwcloud.sms.sms_template_info": {}},
        {"name": "info zone", "hwcloud.sms.sms_template_info": {"availability_zone": "az2"}},
        _task("check delete", {"name": "web", "state": "absent"}, check_mode=True, diff=True),
        _task("delete", {"name": "web", "state": "absent"}),
        _task("delete again", {"name": "web", "state": "absent"}),
        _task("in use", {"name": "bound", "state": "absent"}),
        _task("already gone", {"name": "racing", "state": "absent"}),
    ])
    exact = run.result("info exact")["templates"]
    assert [(t["id"], t["name"]) for t in exact] == [(generic, "web")]
    assert "target_password" not in exact[0] and PASSWORD not in run.output
    assert [t["name"] for t in run.result("info all")["templates"]] == ["web", "web-2", "bound", "racing"]
    assert [t["name"] for t in run.result("info zone")["templates"]] == ["web-2"]
    check = run.result("check delete")
    assert check["changed"] is True and check["diff"]["after"] == {}
    deleted = run.result("delete")
    assert deleted["changed"] is True and deleted["template"]["id"] == generic
    assert run.result("delete again")["changed"] is False
    in_use = run.result("in use")
    assert in_use["failed"] and in_use["error_code"] == "SMS.7111" and "delete the task first" in in_use["msg"]
    assert in_use["status"] == 400 and in_use["request_id"]
    gone = run.result("already gone")
    assert not gone.get("failed") and gone["changed"] is False and "SMS.7101" in gone["msg"]
    assert sorted(t["name"] for t in emu.store.list_templates({})[1]) == ["bound", "web-2"]


def test_duplicate_names_are_refused(emulator_factory):
    emu = emulator_factory(sources=1)
    for _copy in range(2):
        emu.store.create_template({"template": {"name": "twin"}})
    run = _play(emu, [_task("update twin", {"name": "twin", "flavor": "s6.large.2"})])
    result = run.result("update twin")
    assert result["failed"] and "2 server templates are named 'twin'" in result["msg"]
    assert [e["method"] for e in emu.request_log()] == ["GET"]
