# -*- coding: utf-8 -*-
"""sms_template and sms_template_info run in-process against the emulator: create, idempotence,
check mode, diff, password handling, validation before any request, deletion rules (SMS.7111,
SMS.7101). Moved from tests/integration/test_sms_template.py; what needs ansible-playbook itself
(the password never in -vvvv output) stayed there."""

import json

from huaweicloudsdksms.v3 import TemplateRequest

from support.module_runner import emulator_args, run_module

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


def _run(emu, args, module="sms_template", **modes):
    """One module run with the emulator's connection and region; no password in its result."""
    result = run_module(module, emulator_args(emu, region=emu.region, **args), **modes)
    assert PASSWORD not in json.dumps(result) and NEW_PASSWORD not in json.dumps(result)
    return result


def _bodies(emu, method):
    return [json.loads(e["body"]) for e in emu.request_log() if e["method"] == method and e["path"].startswith("/v3/vm/templates")]


def test_create_idempotence_update_diff_and_password(emulator_factory):
    emu = emulator_factory(sources=2)
    updated_args = dict(BASE, flavor="s6.xlarge.2", publicip={"bandwidth_size": 20})
    check = _run(emu, BASE, check_mode=True, diff=True)
    assert check["changed"] is True and check["template"]["id"] is None
    assert check["diff"]["after"]["flavor"] == "s6.large.2" and check["diff"]["after"]["target_password"] == "(set)"
    assert emu.store.list_templates({})[0] == 0
    created = _run(emu, BASE)
    assert created["changed"] is True and created["template"]["id"]
    template_id = created["template"]["id"]
    assert "target_password" not in created["template"]
    assert created["template"]["is_template"] == "true"  # the default keeps it out of task cascades
    assert [d["index"] for d in created["template"]["disk"]] == [0, 1]
    assert created["template"]["region"] == emu.region and created["template"]["projectid"] == emu.project_id
    assert _run(emu, BASE)["changed"] is False
    check_flavor = _run(emu, dict(BASE, flavor="s6.xlarge.2"), check_mode=True, diff=True)
    assert check_flavor["changed"] is True and check_flavor["changed_fields"] == ["flavor"]
    assert check_flavor["diff"] == {"before": {"flavor": "s6.large.2"}, "after": {"flavor": "s6.xlarge.2"}}
    updated = _run(emu, updated_args, diff=True)
    assert updated["changed_fields"] == ["flavor", "publicip"]
    assert updated["template"]["flavor"] == "s6.xlarge.2" and updated["template"]["publicip"]["bandwidth_size"] == 20
    assert updated["template"]["availability_zone"] == "ap-southeast-3a"  # fields not changed survive PUT
    assert _run(emu, dict(updated_args, target_password=NEW_PASSWORD))["changed"] is False  # on_create
    always = _run(emu, dict(updated_args, target_password=NEW_PASSWORD, update_password="always"), diff=True)
    assert always["changed"] is True and always["changed_fields"] == ["target_password"]
    assert always["diff"] == {"before": {"target_password": "(hidden)"}, "after": {"target_password": "(changed)"}}
    assert _run(emu, dict(updated_args, target_password=NEW_PASSWORD, update_password="always"))["changed"] is False
    stored = emu.store.target_password(template_id)["target_password"]
    assert stored == NEW_PASSWORD
    # one template, and every body sent holds only TemplateRequest fields
    assert emu.store.list_templates({})[0] == 1
    for body in _bodies(emu, "POST") + _bodies(emu, "PUT"):
        assert set(body) == {"template"}
        assert set(body["template"]) <= set(TemplateRequest.attribute_map)
    assert len(_bodies(emu, "POST")) == 1 and len(_bodies(emu, "PUT")) == 2


def test_validation_fails_before_any_request(emulator_factory):
    emu = emulator_factory(sources=1)
    bad = {
        "no vpc cidr": (dict(BASE, vpc={"id": "vpc-1", "name": "x"}), "cidr"),
        "empty vpc id": (dict(BASE, vpc={"id": " ", "cidr": "10.0.0.0/8"}), "vpc.id"),
        "nic without cidr": (dict(BASE, nics=[{"id": "s-1", "name": "n"}]), "cidr"),
        "two auto nics": (dict(BASE, nics=[{"id": "autoCreate", "name": "a", "cidr": "192.168.0.0/24"},
                                           {"id": "s-2", "name": "b", "cidr": "192.168.1.0/24"}]),
                          "nics: an entry with id autoCreate"),
        "sg without name": (dict(BASE, security_groups=[{"id": "sg-1"}]), "name"),
        "bandwidth step": (dict(BASE, publicip={"bandwidth_size": 320}), "publicip.bandwidth_size"),
        "public ip without bandwidth": (dict(BASE, publicip={"type": "5_bgp"}), "bandwidth_size"),
        "duplicate disk index": (dict(BASE, disk=[{"index": 0, "name": "a", "disktype": "SAS", "size": 40},
                                                  {"index": 0, "name": "b", "disktype": "SAS", "size": 40}]),
                                 "own index"),
        "zero disk": (dict(BASE, disk=[{"index": 0, "name": "a", "disktype": "SAS", "size": 0}]), "size (GB)"),
        "bad name": (dict(BASE, name="web tier!"), "name must be"),
    }
    for name, (args, fragment) in bad.items():
        result = _run(emu, args)
        assert result.get("failed") and fragment in result["msg"], (name, result)
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
    exact = _run(emu, {"name": "web"}, "sms_template_info")["templates"]
    assert [(t["id"], t["name"]) for t in exact] == [(generic, "web")]
    assert "target_password" not in exact[0]
    assert [t["name"] for t in _run(emu, {}, "sms_template_info")["templates"]] == ["web", "web-2", "bound", "racing"]
    assert [t["name"] for t in _run(emu, {"availability_zone": "az2"}, "sms_template_info")["templates"]] == ["web-2"]
    check = _run(emu, {"name": "web", "state": "absent"}, check_mode=True, diff=True)
    assert check["changed"] is True and check["diff"]["after"] == {}
    deleted = _run(emu, {"name": "web", "state": "absent"})
    assert deleted["changed"] is True and deleted["template"]["id"] == generic
    assert _run(emu, {"name": "web", "state": "absent"})["changed"] is False
    in_use = _run(emu, {"name": "bound", "state": "absent"})
    assert in_use["failed"] and in_use["error_code"] == "SMS.7111" and "delete the task first" in in_use["msg"]
    assert in_use["status"] == 400 and in_use["request_id"]
    gone = _run(emu, {"name": "racing", "state": "absent"})
    assert not gone.get("failed") and gone["changed"] is False and "SMS.7101" in gone["msg"]
    assert sorted(t["name"] for t in emu.store.list_templates({})[1]) == ["bound", "web-2"]


def test_duplicate_names_are_refused(emulator_factory):
    emu = emulator_factory(sources=1)
    for _copy in range(2):
        emu.store.create_template({"template": {"name": "twin"}})
    result = _run(emu, {"name": "twin", "flavor": "s6.large.2"})
    assert result["failed"] and "2 server templates are named 'twin'" in result["msg"]
    assert [e["method"] for e in emu.request_log()] == ["GET"]


def test_info_filters_are_checked_before_any_request(sms_emulator):
    before = len(sms_emulator.request_log())
    for option, value, rule in (("name", "x" * 256, "name must be at most 255 characters, got 256"),
                                ("id", " ", "id must be a non-empty string"),
                                ("template_region", " ap-southeast-3", "template_region must not start or end with white space")):
        result = _run(sms_emulator, {option: value}, "sms_template_info")
        assert result["failed"] and rule in result["msg"], result
    assert len(sms_emulator.request_log()) == before
