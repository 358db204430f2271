# -*- coding: utf-8 -*-
"""sms_task speed_windows and configurations through ansible-playbook: a refused settings request
fails the task with the API's fields at the top level of the registered result. Setting, comparing
and removing them, migration projects and sms_task_info's include are tested in process in
tests/unit/modules/test_sms_task.py."""

import yaml

from support.ansible import emulator_env, run_playbook

NIGHT = [{"start": "00:00", "end": "06:00", "speed": 1000}, {"start": "08:00", "end": "18:00", "speed": 50}]


def _task(name, args, **keywords):
    task = {"name": name, "hwcloud.sms.sms_task": args, "ignore_errors": True}
    task.update(keywords)
    return task


def test_a_refused_settings_request_fails_with_the_api_error(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source = emu.store.list_sources()[0]
    emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]},
                           "target_server": {"name": "t", "vm_id": "", "disks": [{"name": "/dev/vda", "size": 1}]},
                           "region_name": emu.region, "region_id": emu.region, "project_name": emu.region,
                           "project_id": emu.project_id})
    emu.add_user("NOSPEEDAK", "NoSpeedSecretKey000000000000000000000000", denied_actions=["sms:task:updateSpeed"])
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region, HUAWEICLOUD_ACCESS_KEY="NOSPEEDAK",
                       HUAWEICLOUD_SECRET_KEY="NoSpeedSecretKey000000000000000000000000")
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
                 "tasks": [_task("windows", {"source_id": source["id"], "speed_windows": NIGHT})]}]
    result = run_playbook(yaml.safe_dump(playbook), env=env).result("windows")
    assert result["failed"] and result["outcome"] == "failed" and result["attempted"] == "updated"
    assert "SMS.9004" in result["msg"]
    # the API error's fields at the top level, as every module's fail_json_sms puts them
    assert result["status"] == 403 and result["error_code"] == "SMS.9004" and result["request_id"]
    assert result["error_msg"] and "error" not in result
