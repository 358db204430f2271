# -*- coding: utf-8 -*-
"""docs/templates_and_projects.md: its wave play runs as written against the emulator, defines the
template, the project with its servers and the tasks, and changes nothing when run again."""

import os
import re

from support.ansible import REPO_ROOT, emulator_env, run_playbook

GUIDE = os.path.join(REPO_ROOT, "docs", "templates_and_projects.md")


def _wave_play():
    with open(GUIDE) as handle:
        blocks = re.findall(r"^```yaml\n(.*?)^```", handle.read(), re.S | re.M)
    return blocks[0]


def test_the_guides_play_defines_template_project_and_tasks(emulator_factory):
    emu = emulator_factory(sources=6, states="waiting=1")
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region)
    first = run_playbook(_wave_play(), env=env)
    assert first.rc == 0, [[i.get("msg") for i in r["result"].get("results", [r["result"]])] for r in first.results if r["result"].get("failed")]
    shown = first.result("What was defined")["msg"]
    template = emu.store.get_template(shown["template"])
    assert template["name"] == "wave-1-web" and template["vpc"]["id"] == "autoCreate"
    members = [s["id"] for s in emu.store.list_sources(migproject=shown["project"])]
    assert len(members) == 2
    tasks = [emu.store.get_task(task_id) for task_id in shown["tasks"]]
    assert sorted(t["source_server"]["id"] for t in tasks) == sorted(members)
    assert all(t["vm_template_id"] == shown["template"] and t["syncing"] is True and t["speed_limit"] == 300
               for t in tasks)  # from the project
    for task in tasks:
        assert emu.store.speed_limits(task["id"]) == {"speed_limit": [{"start": "08:00", "end": "18:00", "speed": 100}]}
        assert [(c["config_key"], c["config_value"]) for c in emu.store.configurations(task["id"])["configurations"]] == [
            ("MIGRATE_EXCLUDE_DIR", "/tmp,/var/cache")]
    again = run_playbook(_wave_play(), env=env)
    assert again.rc == 0, again
    changed = [r["task"] for r in again.results if r["result"].get("changed")]
    assert changed == [], changed
    assert again.result("What was defined")["msg"] == shown
