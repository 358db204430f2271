# -*- coding: utf-8 -*-
"""Templates, migration projects and source servers on the oldest and newest ansible-core: module
options with sub-options and aliases, module_defaults through the action group, check mode, diff."""

import yaml

from support.ansible import run_playbook

from test_compat import UNSUPPORTED_WARNING, connection

PLAY = [{
    "hosts": "localhost", "gather_facts": False, "connection": "local",
    "module_defaults": {"group/hwcloud.sms.sms": "{{ sms_connection }}"},
    "tasks": [
        {"name": "template", "hwcloud.sms.sms_template": {
            "name": "compat-web", "availability_zone": "az1", "volume_type": "SAS",
            "vpc": {"id": "autoCreate", "cidr": "192.168.0.0/16"}, "public_ip": {"bandwidth_size": 5},
            "disks": [{"index": 0, "name": "system", "disktype": "SAS", "size": 40}], "target_password": "Compat-Pw-1"}},
        {"name": "template again in check mode", "check_mode": True, "diff": True, "hwcloud.sms.sms_template": {
            "name": "compat-web", "availability_zone": "az2", "volume_type": "SAS",
            "vpc": {"id": "autoCreate", "cidr": "192.168.0.0/16"}, "public_ip": {"bandwidth_size": 5}}},
        {"name": "templates", "hwcloud.sms.sms_template_info": {"name": "compat-web"}},
        {"name": "project", "hwcloud.sms.sms_migproject": {
            "name": "compat-wave", "type": "MIGRATE_FILE", "sources": ["{{ first_source }}"]}},
        {"name": "projects", "hwcloud.sms.sms_migproject_info": {"include_sources": True}},
        {"name": "rename in check mode", "check_mode": True, "hwcloud.sms.sms_source": {
            "id": "{{ first_source }}", "name": "compat-renamed"}},
    ],
}]


def test_template_project_source_modules(emulator_factory):
    fleet = emulator_factory(sources=3, states="waiting=1")
    first = fleet.store.list_sources()[0]
    settings = dict(connection(fleet), region=fleet.region)
    run = run_playbook(yaml.safe_dump(PLAY), extra_vars={"sms_connection": settings, "first_source": first["id"]})
    assert run.rc == 0, run.output[-4000:]
    created = run.result("template")
    assert created["changed"] is True and created["template"]["volumetype"] == "SAS"
    assert created["template"]["publicip"]["type"] == "5_bgp" and "target_password" not in created["template"]
    check = run.result("template again in check mode")
    assert check["changed_fields"] == ["availability_zone"] and check["diff"]["after"] == {"availability_zone": "az2"}
    assert [t["id"] for t in run.result("templates")["templates"]] == [created["template"]["id"]]
    project = run.result("project")["migproject"]
    listed = dict((p["name"], p) for p in run.result("projects")["migprojects"])
    assert listed["compat-wave"]["id"] == project["id"] and listed["compat-wave"]["source_ids"] == [first["id"]]
    assert run.result("rename in check mode")["changed"] is True
    assert fleet.store.get_source(first["id"])["name"] == first["name"]
    assert "Compat-Pw-1" not in run.output and UNSUPPORTED_WARNING not in run.output
