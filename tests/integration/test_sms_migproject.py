# -*- coding: utf-8 -*-
"""sms_migproject and sms_migproject_info end to end against the emulator: create with members,
idempotence, check mode, diff, the default project, purge, and the deletion rules."""

import json

import yaml
from huaweicloudsdksms.v3 import PostMigProjectBody

from support.ansible import emulator_env, run_playbook

SETTINGS = {"name": "wave-1", "type": "MIGRATE_FILE", "syncing": True, "speed_limit": 300, "use_public_ip": False,
            "description": "first wave", "start_network_check": True}


def _play(emu, tasks, env=None):
    for task in tasks:
        task["ignore_errors"] = True
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    return run_playbook(yaml.safe_dump(playbook), env=env or emulator_env(emu, HUAWEICLOUD_REGION=emu.region))


def _task(name, args, **keywords):
    task = {"name": name, "hwcloud.sms.sms_migproject": args}
    task.update(keywords)
    return task


def _members(emu, project_id):
    return sorted(s["id"] for s in emu.store.list_sources(migproject=project_id))


def test_create_members_idempotence_default_and_purge(emulator_factory):
    emu = emulator_factory(sources=4, states="waiting=1")
    one, two, three, _four = emu.store.list_sources()
    default_id = emu.store.list_projects({})[1][0]["id"]
    run = _play(emu, [
        _task("check create", dict(SETTINGS, sources=[one["name"], two["id"]]), check_mode=True, diff=True),
        _task("create", dict(SETTINGS, sources=[one["name"], two["id"]])),
        _task("again", dict(SETTINGS, sources=[two["id"], one["id"]])),
        _task("check speed", dict(SETTINGS, speed_limit=0), check_mode=True, diff=True),
        _task("speed", dict(SETTINGS, speed_limit=0), diff=True),
        _task("purge", {"name": "wave-1", "sources": [three["id"], one["id"]], "purge_sources": True}, diff=True),
        _task("make default", {"name": "wave-1", "default": True}),
        _task("purge from the default", {"name": "wave-1", "sources": [], "purge_sources": True}),
        _task("default again", {"name": "wave-1", "default": True}),
        _task("unset default", {"name": "wave-1", "default": False}),
        {"name": "info", "hwcloud.sms.sms_migproject_info": {"include_sources": True}},
        {"name": "info default", "hwcloud.sms.sms_migproject_info": {"default": True}},
    ])
    assert run.rc == 0, run
    check = run.result("check create")
    assert check["changed"] is True and check["migproject"]["id"] is None
    assert sorted(check["sources_added"]) == sorted([one["id"], two["id"]])
    created = run.result("create")
    project_id = created["migproject"]["id"]
    assert created["changed"] is True and project_id
    assert dict((k, created["migproject"][k]) for k in SETTINGS) == SETTINGS
    assert created["migproject"]["region"] == emu.region
    again = run.result("again")
    assert again["changed"] is False and again["sources_added"] == []
    check_speed = run.result("check speed")
    assert check_speed["changed_fields"] == ["speed_limit"]
    assert check_speed["diff"] == {"before": {"speed_limit": 300}, "after": {"speed_limit": 0}}
    assert run.result("speed")["changed"] is True
    assert emu.store.get_project(project_id)["speed_limit"] == 0
    assert run.result("make default")["changed_fields"] == ["isdefault"]
    assert run.result("default again")["changed"] is False
    unset = run.result("unset default")
    assert unset["failed"] and "cannot unset the default" in unset["msg"]
    purge = run.result("purge")
    assert purge["sources_added"] == [three["id"]] and purge["sources_removed"] == [two["id"]]
    assert purge["diff"]["after"]["sources"] == sorted([one["id"], three["id"]])
    assert _members(emu, project_id) == sorted([one["id"], three["id"]])
    assert two["id"] in _members(emu, default_id)  # purged servers go to the default project
    assert "is the default project itself" in run.result("purge from the default")["msg"]
    info = dict((p["name"], p) for p in run.result("info")["migprojects"])
    assert sorted(info["wave-1"]["source_ids"]) == sorted([one["id"], three["id"]])
    assert [p["name"] for p in run.result("info default")["migprojects"]] == ["wave-1"]
    assert emu.store.get_project(project_id)["isdefault"] is True
    bodies = [json.loads(e["body"]) for e in emu.request_log() if e["method"] in ("POST", "PUT") and e["path"] == "/v3/migprojects"
              or e["method"] == "PUT" and e["path"] == "/v3/migprojects/%s" % project_id]
    assert len(bodies) == 2 and bodies[1] == {"speed_limit": 0}
    for body in bodies:
        assert set(body) <= set(PostMigProjectBody.attribute_map)


def test_deletion_rules_and_validation(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    source = emu.store.list_sources()[0]
    project_id = emu.store.create_project({"name": "busy", "region": emu.region, "type": "MIGRATE_BLOCK"})
    emu.store.update_source_fields(source["id"], {"migprojectid": project_id})
    emu.store.create_project({"name": "empty", "region": emu.region, "type": "MIGRATE_BLOCK"})
    emu.clear_request_log()
    run = _play(emu, [
        _task("no type", {"name": "new-one"}),
        _task("bad speed", {"name": "new-one", "type": "MIGRATE_FILE", "speed_limit": -5}),
        _task("bad name", {"name": "new one", "type": "MIGRATE_FILE"}),
        _task("purge without sources", {"name": "busy", "purge_sources": True}),
        _task("unknown source", {"name": "new-one", "type": "MIGRATE_FILE", "sources": ["no-such-server"]}),
        _task("busy", {"name": "busy", "state": "absent"}),
        _task("default", {"name": "default", "state": "absent"}),
        _task("check empty", {"name": "empty", "state": "absent"}, check_mode=True),
        _task("empty", {"name": "empty", "state": "absent"}),
        _task("empty again", {"name": "empty", "state": "absent"}),
    ])
    assert "project" in run.result("no type")["msg"] and "type is required" in run.result("no type")["msg"]
    assert "speed_limit" in run.result("bad speed")["msg"]
    assert "name must be" in run.result("bad name")["msg"]
    assert "purge_sources needs sources" in run.result("purge without sources")["msg"]
    assert "no-such-server" in run.result("unknown source")["msg"]
    busy = run.result("busy")
    assert busy["failed"] and "still has 1 source server" in busy["msg"] and source["name"] in busy["msg"]
    assert "is the default project" in run.result("default")["msg"]
    assert run.result("check empty")["changed"] is True
    assert run.result("empty")["changed"] is True and run.result("empty again")["changed"] is False
    assert sorted(p["name"] for p in emu.store.list_projects({})[1]) == ["busy", "default"]
    # nothing but reads before the one deletion: validation and the pre-checks send no change
    changes = [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]
    assert changes == [("DELETE", "/v3/migprojects/%s" % run.result("empty")["migproject"]["id"])]


def test_api_errors_carry_status_code_message_and_request_id(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    emu.add_user("DENIEDAK", "DeniedSecretKey00000000000000000000000",
                 denied_actions=["sms:migproject:create", "sms:server:createTemplate", "sms:server:update"])
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region, HUAWEICLOUD_ACCESS_KEY="DENIEDAK",
                       HUAWEICLOUD_SECRET_KEY="DeniedSecretKey00000000000000000000000")
    source = emu.store.list_sources()[0]
    run = _play(emu, [
        _task("project", {"name": "wave-9", "type": "MIGRATE_FILE"}),
        {"name": "template", "hwcloud.sms.sms_template": {"name": "wave-9"}},
        {"name": "source", "hwcloud.sms.sms_source": {"id": source["id"], "name": "renamed"}},
    ], env=env)
    for name, path in (("project", "/v3/migprojects"), ("template", "/v3/vm/templates"),
                       ("source", "/v3/sources/%s" % source["id"])):
        result = run.result(name)
        assert result["failed"] and result["status"] == 403 and result["error_code"] == "SMS.9004", result
        assert result["error_msg"] and result["request_id"] and path in result["url"]
    assert [p["name"] for p in emu.store.list_projects({})[1]] == ["default"]
    assert emu.store.list_templates({})[0] == 0 and emu.store.get_source(source["id"])["name"] == source["name"]


def test_purge_sources_into_the_default_project_is_refused_before_any_change(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    one, two, _three = emu.store.list_sources()
    wave_id = emu.store.create_project({"name": "wave-2", "region": emu.region, "type": "MIGRATE_FILE", "speed_limit": 50})
    emu.store.update_source_fields(one["id"], {"migprojectid": wave_id})
    emu.store.update_source_fields(two["id"], {"migprojectid": wave_id})
    default_id = [p["id"] for p in emu.store.list_projects({})[1] if p["isdefault"]][0]
    emu.store.update_source_fields(_three["id"], {"migprojectid": default_id})
    emu.clear_request_log()
    run = _play(emu, [
        # would make wave-2 the default, then send two's removal to the OLD default project
        _task("becomes default", {"name": "wave-2", "default": True, "speed_limit": 100, "sources": [one["id"]],
                                  "purge_sources": True}),
        # the default project itself: the settings must not change when the purge cannot happen
        _task("is default", {"name": "default", "speed_limit": 100, "sources": [], "purge_sources": True}),
    ])
    becomes = run.result("becomes default")
    assert becomes["failed"] and "purge_sources" in becomes["msg"] and "default: true" in becomes["msg"]
    is_default = run.result("is default")
    assert is_default["failed"] and "is the default project itself" in is_default["msg"]
    assert [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"] == []
    assert emu.store.get_project(wave_id)["isdefault"] is False and emu.store.get_project(wave_id)["speed_limit"] == 50
    assert emu.store.get_project(default_id)["speed_limit"] != 100
    assert _members(emu, wave_id) == sorted([one["id"], two["id"]])
