# -*- coding: utf-8 -*-
"""The wave_plan filter: CSV plan lines -> sms_task rows."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import wave_plan

PLAN = """# wave 1
source, template_id, target_server_id, target_server_name, syncing, priority, ok_to_cutover, owner

web-01, tmpl-1, , , true, high, yes, team-a
10.0.0.7, , ecs-9, "db, new", false, , , team-b
0b36512e-65d1-4a3d-b46b-3daf6e86457a, tmpl-2, , , , low, no,
"""


def test_rows_become_sms_task_rows_with_the_source_kind_detected():
    rows = wave_plan(PLAN)
    assert [row["line"] for row in rows] == [2, 3, 4]
    assert rows[0]["task"] == {"source_name": "web-01", "template_id": "tmpl-1", "syncing": "true", "priority": "high"}
    assert rows[1]["task"] == {"source_ip": "10.0.0.7", "target_server_id": "ecs-9", "target_server_name": "db, new",
                               "syncing": "false"}
    assert rows[2]["task"] == {"source_id": "0b36512e-65d1-4a3d-b46b-3daf6e86457a", "template_id": "tmpl-2",
                               "priority": "low"}
    assert [row["ok_to_cutover"] for row in rows] == [True, False, False]
    assert rows[0]["columns"]["owner"] == "team-a" and rows[0]["source"] == "web-01"


def test_explicit_source_columns_and_bad_values():
    rows = wave_plan("source_name,source_ip,template_id\nweb-01,,t\n")
    assert rows[0]["task"] == {"source_name": "web-01", "template_id": "t"}
    with pytest.raises(AnsibleFilterError, match="line 2 of the wave plan: ok_to_cutover must be yes or no"):
        wave_plan("source,ok_to_cutover\nweb-01,maybe\n")
    with pytest.raises(AnsibleFilterError, match="needs a column naming the source server"):
        wave_plan("server,template_id\nweb-01,t\n")
    with pytest.raises(AnsibleFilterError, match="empty"):
        wave_plan("# nothing\n\n")


def test_template_names_resolve_to_ids_and_unknown_ones_are_problems():
    templates = [{"name": "web", "id": "t-1"}, {"name": "twin", "id": "t-2"}, {"name": "twin", "id": "t-3"},
                 {"name": "planned", "id": None}]
    rows = wave_plan("source,template,template_id,migproject\nweb-01,web,,wave1\nweb-02,nope,,\nweb-03,twin,,\n"
                     "web-04,planned,,\nweb-05,web,t-9,\nweb-06,,t-7,\n", templates=templates)
    assert rows[0]["task"] == {"source_name": "web-01", "template_id": "t-1", "migproject": "wave1"}
    assert rows[0]["template"] == "web" and rows[0]["problems"] == []
    assert rows[1]["problems"] == ["row 2 (source_name web-02): template 'nope' matches no server template"]
    assert rows[2]["problems"] == ["row 3 (source_name web-03): template 'twin' matches 2 server templates; use template_id"]
    # A template that check mode would create has no ID yet: known, its name stands in.
    assert rows[3]["task"]["template_id"] == "planned" and rows[3]["problems"] == []
    assert rows[4]["problems"] == ["row 5 (source_name web-05): template and template_id are mutually exclusive"]
    assert rows[5]["task"]["template_id"] == "t-7" and rows[5]["template"] is None and rows[5]["problems"] == []
    with pytest.raises(AnsibleFilterError, match="line 2 of the wave plan names template 'web': pass templates"):
        wave_plan("source,template\nweb-01,web\n")
