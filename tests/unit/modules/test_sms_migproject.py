# -*- coding: utf-8 -*-
"""sms_migproject and sms_migproject_info run in-process against the emulator: create with
members, idempotence, check mode, diff, the default project, purge, the deletion rules and the
API's error fields. Moved from tests/integration/test_sms_migproject.py (none of it needs
ansible-playbook; tests/integration/test_templates_guide.py runs the modules through a play)."""

import json

from huaweicloudsdksms.v3 import PostMigProjectBody

from support.module_runner import emulator_args, run_module

SETTINGS = {"name": "wave-1", "type": "MIGRATE_FILE", "syncing": True, "speed_limit": 300, "use_public_ip": False,
            "description": "first wave", "start_network_check": True}


def _run(emu, args, module="sms_migproject", **modes):
    return run_module(module, emulator_args(emu, region=emu.region, **args), **modes)


def _members(emu, project_id):
    return sorted(s["id"] for s in emu.store.list_sources(migproject=project_id))


def test_create_members_idempotence_default_and_purge(emulator_factory):
    emu = emulator_factory(sources=4, states="waiting=1")
    one, two, three, _four = emu.store.list_sources()
    default_id = emu.store.list_projects({})[1][0]["id"]
    check = _run(emu, dict(SETTINGS, sources=[one["name"], two["id"]]), check_mode=True, diff=True)
    assert check["changed"] is True and check["migproject"]["id"] is None
    assert sorted(check["sources_added"]) == sorted([one["id"], two["id"]])
    created = _run(emu, dict(SETTINGS, sources=[one["name"], two["id"]]))
    project_id = created["migproject"]["id"]
    assert created["changed"] is True and project_id
    assert dict((k, created["migproject"][k]) for k in SETTINGS) == SETTINGS
    assert created["migproject"]["region"] == emu.region
    again = _run(emu, dict(SETTINGS, sources=[two["id"], one["id"]]))
    assert again["changed"] is False and again["sources_added"] == []
    check_speed = _run(emu, dict(SETTINGS, speed_limit=0), check_mode=True, diff=True)
    assert check_speed["changed_fields"] == ["speed_limit"]
    assert check_speed["diff"] == {"before": {"speed_limit": 300}, "after": {"speed_limit": 0}}
    assert _run(emu, dict(SETTINGS, speed_limit=0), diff=True)["changed"] is True
    assert emu.store.get_project(project_id)["speed_limit"] == 0
    purge = _run(emu, {"name": "wave-1", "sources": [three["id"], one["id"]], "purge_sources": True}, diff=True)
    assert purge["sources_added"] == [three["id"]] and purge["sources_removed"] == [two["id"]]
    assert purge["diff"]["after"]["sources"] == sorted([one["id"], three["id"]])
    assert _members(emu, project_id) == sorted([one["id"], three["id"]])
    assert two["id"] in _members(emu, default_id)  # purged servers go to the default project
    assert _run(emu, {"name": "wave-1", "default": True})["changed_fields"] == ["isdefault"]
    purge_default = _run(emu, {"name": "wave-1", "sources": [], "purge_sources": True})
    assert "is the default project itself" in purge_default["msg"]
    assert _run(emu, {"name": "wave-1", "default": True})["changed"] is False
    unset = _run(emu, {"name": "wave-1", "default": False})
    assert unset["failed"] and "cannot unset the default" in unset["msg"]
    info = dict((p["name"], p) for p in _run(emu, {"include_sources": True}, "sms_migproject_info")["migprojects"])
    assert sorted(info["wave-1"]["source_ids"]) == sorted([one["id"], three["id"]])
    assert [p["name"] for p in _run(emu, {"default": True}, "sms_migproject_info")["migprojects"]] == ["wave-1"]
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
    no_type = _run(emu, {"name": "new-one"})
    assert "project" in no_type["msg"] and "type is required" in no_type["msg"]
    assert "speed_limit" in _run(emu, {"name": "new-one", "type": "MIGRATE_FILE", "speed_limit": -5})["msg"]
    assert "name must be" in _run(emu, {"name": "new one", "type": "MIGRATE_FILE"})["msg"]
    assert "purge_sources needs sources" in _run(emu, {"name": "busy", "purge_sources": True})["msg"]
    assert "no-such-server" in _run(emu, {"name": "new-one", "type": "MIGRATE_FILE", "sources": ["no-such-server"]})["msg"]
    busy = _run(emu, {"name": "busy", "state": "absent"})
    assert busy["failed"] and "still has 1 source server" in busy["msg"] and source["name"] in busy["msg"]
    assert busy["source_count"] == 1
    assert "is the default project" in _run(emu, {"name": "default", "state": "absent"})["msg"]
    assert _run(emu, {"name": "empty", "state": "absent"}, check_mode=True)["changed"] is True
    empty = _run(emu, {"name": "empty", "state": "absent"})
    assert empty["changed"] is True and _run(emu, {"name": "empty", "state": "absent"})["changed"] is False
    assert sorted(p["name"] for p in emu.store.list_projects({})[1]) == ["busy", "default"]
    # nothing but reads before the one deletion: validation and the pre-checks send no change
    changes = [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"]
    assert changes == [("DELETE", "/v3/migprojects/%s" % empty["migproject"]["id"])]


def test_bad_input_fails_before_any_request(sms_emulator):
    before = len(sms_emulator.request_log())
    for module, args, rule in (
            ("sms_migproject", {"name": "wave-1", "description": "x" * 256}, "description must be at most 255 characters, got 256"),
            ("sms_migproject", {"name": "wave-1", "sources": ["web-01", " "]}, "sources must not contain empty entries"),
            ("sms_migproject", {"name": "wave-1", "sources": [], "purge_sources": True, "default": True},
             "purge_sources moves source servers to the default project, so it cannot be used with default: true"),
            ("sms_migproject_info", {"name": "x" * 256}, "name must be at most 255 characters, got 256"),
            ("sms_migproject_info", {"id": ""}, "id must be a non-empty string")):
        result = _run(sms_emulator, args, module)
        assert result["failed"] and rule in result["msg"], result
    assert len(sms_emulator.request_log()) == before


def test_api_errors_carry_status_code_message_and_request_id(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    emu.add_user("DENIEDAK", "DeniedSecretKey00000000000000000000000",
                 denied_actions=["sms:migproject:create", "sms:server:createTemplate", "sms:server:update"])
    denied = dict(access_key="DENIEDAK", secret_key="DeniedSecretKey00000000000000000000000")
    source = emu.store.list_sources()[0]
    results = {
        "/v3/migprojects": _run(emu, dict(denied, name="wave-9", type="MIGRATE_FILE")),
        "/v3/vm/templates": _run(emu, dict(denied, name="wave-9"), "sms_template"),
        "/v3/sources/%s" % source["id"]: _run(emu, dict(denied, id=source["id"], name="renamed"), "sms_source"),
    }
    for path, result in results.items():
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
    # would make wave-2 the default, then send two's removal to the OLD default project
    becomes = _run(emu, {"name": "wave-2", "default": True, "speed_limit": 100, "sources": [one["id"]],
                         "purge_sources": True})
    assert becomes["failed"] and "purge_sources" in becomes["msg"] and "default: true" in becomes["msg"]
    # the default project itself: the settings must not change when the purge cannot happen
    is_default = _run(emu, {"name": "default", "speed_limit": 100, "sources": [], "purge_sources": True})
    assert is_default["failed"] and "is the default project itself" in is_default["msg"]
    assert [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"] == []
    assert emu.store.get_project(wave_id)["isdefault"] is False and emu.store.get_project(wave_id)["speed_limit"] == 50
    assert emu.store.get_project(default_id)["speed_limit"] != 100
    assert _members(emu, wave_id) == sorted([one["id"], two["id"]])
