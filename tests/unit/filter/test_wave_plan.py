# -*- coding: utf-8 -*-
"""The wave_plan filter: CSV plan lines -> sms_task rows, every problem named by the physical line."""

import base64

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import wave_plan

PLAN = """# wave 1
source, template_id, target_server_id, target_server_name, syncing, priority, ok_to_cutover, owner

web-01, tmpl-1, , , true, high, yes, team-a
10.0.0.7, , ecs-9, "db, new", false, , yes, team-b
0b36512e-65d1-4a3d-b46b-3daf6e86457a, tmpl-2, , , , low, no,
"""


def _refusal(data, **keywords):
    with pytest.raises(AnsibleFilterError) as caught:
        wave_plan(data, **keywords)
    return str(caught.value)


def test_rows_become_sms_task_rows_numbered_by_the_physical_line():
    rows = wave_plan(PLAN)
    # The comment (line 1) and the blank line (3) count: the header is line 2.
    assert [row["line"] for row in rows] == [4, 5, 6]
    assert rows[0]["task"] == {"source_name": "web-01", "template_id": "tmpl-1", "syncing": True, "priority": "high"}
    assert rows[1]["task"] == {"source_ip": "10.0.0.7", "target_server_id": "ecs-9", "target_server_name": "db, new",
                               "syncing": False}
    assert rows[2]["task"] == {"source_id": "0b36512e-65d1-4a3d-b46b-3daf6e86457a", "template_id": "tmpl-2",
                               "priority": "low", "syncing": True}
    assert [row["ok_to_cutover"] for row in rows] == [True, True, False]
    assert rows[0]["columns"]["owner"] == "team-a" and rows[0]["source"] == "web-01"
    assert all(row["problems"] == [] for row in rows)


def test_a_quoted_cell_over_two_lines_keeps_the_numbering_physical():
    rows = wave_plan('source,template_id,x_comment\nweb-01,t,"two\nlines"\n\n# later\nweb-02,t,\n')
    assert [row["line"] for row in rows] == [2, 6]
    assert rows[0]["columns"]["x_comment"] == "two\nlines"


def test_every_value_problem_of_every_line_at_once_left_out_of_the_task():
    rows = wave_plan("source,template_id,priority,type,syncing,start_target_server,use_public_ip,speed_limit,"
                     "migration_ip,ok_to_cutover,name\n"
                     "web-01,t,urgent,MIGRATE_FAST,perhaps,sometimes,maybe,fast,10.0.0.300,maybe,bad name!\n"
                     "web-02,t,High,migrate_block,Yes,off,N,100,192.168.0.9,Y,web_02\n")
    bad, good = rows
    assert bad["problems"] == [  # left to right
        "line 2, column priority: priority must be one of low, standard, high, got 'urgent'",
        "line 2, column type: type must be one of MIGRATE_FILE, MIGRATE_BLOCK, got 'MIGRATE_FAST'",
        "line 2, column syncing: syncing must be one of true/false/yes/no/y/n/1/0/on/off (or empty), got 'perhaps'",
        "line 2, column start_target_server: start_target_server must be one of true/false/yes/no/y/n/1/0/on/off "
        "(or empty), got 'sometimes'",
        "line 2, column use_public_ip: use_public_ip must be one of true/false/yes/no/y/n/1/0/on/off (or empty), "
        "got 'maybe'",
        "line 2, column speed_limit: speed_limit must be a whole number of Mbit/s from 0 to 10000 (0: no limit), "
        "got 'fast'",
        "line 2, column migration_ip: migration_ip must be an IP address, got '10.0.0.300'",
        "line 2, column ok_to_cutover: ok_to_cutover must be one of true/false/yes/no/y/n/1/0/on/off (or empty), "
        "got 'maybe'",
        "line 2, column name: name 'bad name!' may only hold letters, digits, Chinese characters, _ and - "
        "(1 to 255 characters)",
    ]
    # The bad values are left out, so that sms_task still checks the line's source against SMS.
    assert bad["task"] == {"source_name": "web-01", "template_id": "t"} and bad["ok_to_cutover"] is False
    assert good["problems"] == [] and good["task"] == {
        "source_name": "web-02", "template_id": "t", "priority": "high", "type": "MIGRATE_BLOCK", "syncing": True,
        "start_target_server": False, "use_public_ip": False, "speed_limit": 100, "migration_ip": "192.168.0.9",
        "name": "web_02"}
    assert good["ok_to_cutover"] is True


def test_targets_are_named_in_plan_columns():
    rows = wave_plan("source,template_id,target_server_id,target_server_name\n"
                     "web-01,,,\nweb-02,t,ecs-1,x\nweb-03,,ecs-2,\n")
    assert rows[0]["problems"] == ["line 2: needs a target: a template, template_id or target_server_id column"]
    assert rows[1]["problems"] == ["line 3, column target_server_id: a line has either a template (template or "
                                   "template_id) or an existing target server (target_server_id), not both"]
    assert rows[2]["problems"] == ["line 4, column target_server_name: needed with target_server_id (the name of "
                                   "the existing target server)"]


def test_two_source_columns_naming_different_servers_are_refused():
    rows = wave_plan("source,source_name,source_ip,template_id\nweb-01,web-01,,t\nweb-01,web-02,,t\n"
                     "10.0.0.1,,10.0.0.2,t\nweb-04,,10.0.0.4,t\n,,,t\n")
    assert rows[0]["problems"] == [] and rows[0]["task"]["source_name"] == "web-01"
    assert rows[1]["problems"] == ["line 3, column source_name: names source server 'web-02', but column source "
                                   "names 'web-01': one line, one server"]
    assert rows[2]["problems"] == ["line 4, column source_ip: names source server '10.0.0.2', but column source "
                                   "names '10.0.0.1': one line, one server"]
    # A name and an IP: only SMS can tell whether they are one server; sms_task checks that.
    assert rows[3]["task"] == {"source_name": "web-04", "source_ip": "10.0.0.4", "template_id": "t",
                               "syncing": True}
    assert rows[4]["problems"] == ["line 6: no source server: fill the source or source_name or source_ip column"]


def test_a_line_with_more_or_fewer_cells_than_the_header():
    rows = wave_plan("source,template_id,priority\nweb-01,t\nweb-02,t,high,extra\nweb-03,t,low\n")
    assert rows[0]["problems"] == ["line 2: 2 cells, but the header (line 1) has 3 columns (a missing or extra "
                                   "comma, or an unquoted comma inside a cell?)"]
    assert rows[1]["problems"][0].startswith("line 3: 4 cells, but the header (line 1) has 3 columns")
    assert rows[0]["task"] == {} and rows[2]["problems"] == []


def test_file_level_problems_are_all_refused_at_once_with_line_and_column():
    text = _refusal("# plan\nSource,templat,owner,SOURCE,priorty\nweb-01,t,,,\n")
    assert "4 problem(s)" in text  # the line is checked too: templat is not a target column
    assert text.endswith("- line 3: needs a target: a template, template_id or target_server_id column")
    assert "line 2, column 2: unknown column 'templat'; did you mean template?" in text
    assert "line 2, column 4: column 'SOURCE' is given twice (also column 1; names are not case-sensitive)" in text
    assert "line 2, column 5: unknown column 'priorty'; did you mean priority?" in text
    assert "needs a column naming the source server" in _refusal("server,template_id\nweb-01,t\n")
    assert "the plan is empty" in _refusal("# nothing\n\n")
    assert "line 1: the plan has a header but no server line" in _refusal("source,template_id\n# none yet\n")
    assert "line 3: a quoted cell starting on this line is never closed" in _refusal(
        'source,template_id\nweb-01,t\n"web-02,t\nweb-03,t\n')
    assert "separated by ';'" in _refusal("source;template_id\nweb-01;t\n")


def test_a_byte_order_mark_is_accepted_and_stripped():
    for data in (u"\ufeffsource,template_id\nweb-01,t\n", b"\xef\xbb\xbfsource,template_id\r\nweb-01,t\r\n"):
        rows = wave_plan(data)
        assert rows[0]["task"]["source_name"] == "web-01" and "source" in rows[0]["columns"]


def test_a_file_that_is_not_utf8_names_its_line_and_the_encoding_to_save_as():
    windows_1252 = u"source,template_id\nweb-01,t\nsrv-m\u00fcller,t\n".encode("cp1252")
    slurped = {"content": base64.b64encode(windows_1252).decode(), "encoding": "base64", "source": "/plans/w.csv"}
    for data in (windows_1252, slurped):
        text = _refusal(data)
        assert "line 3: byte 0xfc is not UTF-8" in text and 'save it as "CSV UTF-8 (Comma delimited)"' in text
    # Unknown columns are reported with it, in the same pass.
    text = _refusal(u"source,templat\nsrv-m\u00fcller,t\n".encode("cp1252"))
    assert "3 problem(s)" in text and "did you mean template" in text and "line 2: byte 0xfc" in text


def test_file_problems_do_not_stop_the_line_checks_and_come_in_line_order():
    text = _refusal("source,templat,ok_to_cutover\nweb1,t1,maybe\n")
    assert text.split("\n")[1:] == [
        "- line 1, column 2: unknown column 'templat'; did you mean template? (known columns: source, source_name, "
        "source_id, source_ip, name, template_id, target_server_id, target_server_name, migration_ip, type, syncing, "
        "priority, speed_limit, start_target_server, use_public_ip, migproject, clone_template_id, consistency_check, "
        "migration_test, template, ok_to_cutover, account, ok_to_test, verify, verify_port, verify_address; columns "
        "for your own notes are owner, notes, comment or start with x_)",
        "- line 2, column ok_to_cutover: ok_to_cutover must be one of true/false/yes/no/y/n/1/0/on/off (or empty), "
        "got 'maybe'",
        "- line 2: needs a target: a template, template_id or target_server_id column",
    ]
    # A column given twice: its second cells are not read, the first ones are checked.
    text = _refusal("source,template_id,priority,Priority\nweb-01,t,urgent,high\nweb-02,t,low,x\n")
    assert text.split("\n")[1:] == [
        "- line 1, column 4: column 'Priority' is given twice (also column 3; names are not case-sensitive)",
        "- line 2, column priority: priority must be one of low, standard, high, got 'urgent'",
    ]
    # Not UTF-8: the lines are checked on the text with the bad bytes replaced, in line order.
    text = _refusal(u"source,template_id,priority\nweb-01,t,urgent\nsrv-m\u00fcller,t,\nweb-03,t,asap\n"
                    .encode("cp1252"))
    assert [entry.split(":")[0] for entry in text.split("\n")[1:]] == [
        "- line 2, column priority", "- line 3", "- line 4, column priority"]
    assert "line 3: byte 0xfc is not UTF-8" in text


def test_slurped_utf8_plans_read_like_text():
    text = u"source,template_id\nsrv-m\u00fcller,t\n"
    slurped = {"content": base64.b64encode(text.encode("utf-8")).decode(), "encoding": "base64"}
    assert wave_plan(slurped) == wave_plan(text)
    assert wave_plan(slurped)[0]["source"] == u"srv-m\u00fcller"


def test_syncing_defaults_to_true_an_explicit_no_gets_a_note_or_a_problem():
    rows = wave_plan("source,template_id,syncing,ok_to_cutover\nweb-01,t,,yes\nweb-02,t,no,yes\nweb-03,t,no,\n"
                     "web-04,t,no,no\nweb-05,t,yes,no\n")
    assert [row["task"].get("syncing") for row in rows] == [True, False, False, False, True]
    assert rows[0]["notes"] == [] and rows[4]["notes"] == [] and rows[4]["problems"] == []
    assert rows[1]["notes"] == ["line 3, column syncing: syncing is no: SMS launches the target server as soon as the "
                                "full copy ends, without waiting for the wave's approved cut-over"]
    assert rows[1]["problems"] == []
    # An empty ok_to_cutover is not approved (the cut-over skips the line), but SMS launches the
    # target anyway: as much a problem as an explicit no.
    assert rows[2]["problems"] == ["line 4, column syncing: syncing is no but ok_to_cutover is empty: SMS would "
                                   "launch the target server as soon as the full copy ends, which the line does not "
                                   "approve (make syncing yes or empty, or ok_to_cutover yes)"]
    assert rows[3]["problems"] == ["line 5, column syncing: syncing is no but ok_to_cutover is no: SMS would launch "
                                   "the target server as soon as the full copy ends, which the line does not approve "
                                   "(make syncing yes or empty, or ok_to_cutover yes)"]
    assert rows[2]["notes"] == rows[3]["notes"] == []
    # No ok_to_cutover column at all: no line is approved.
    assert wave_plan("source,template_id,syncing\nweb-01,t,off\n")[0]["problems"] == [
        "line 2, column syncing: syncing is no but ok_to_cutover is empty: SMS would launch the target server as soon "
        "as the full copy ends, which the line does not approve (make syncing yes or empty, or ok_to_cutover yes)"]
    # No syncing column at all: continuous sync.
    assert wave_plan("source,template_id\nweb-01,t\n")[0]["task"]["syncing"] is True


def test_template_names_resolve_to_ids_and_unknown_ones_are_problems():
    templates = [{"name": "web", "id": "t-1"}, {"name": "twin", "id": "t-2"}, {"name": "twin", "id": "t-3"},
                 {"name": "planned", "id": None}]
    rows = wave_plan("source,template,template_id,migproject\nweb-01,web,,wave1\nweb-02,nope,,\nweb-03,twin,,\n"
                     "web-04,planned,,\nweb-05,web,t-9,\nweb-06,,t-7,\n", templates=templates)
    assert rows[0]["task"] == {"source_name": "web-01", "template_id": "t-1", "migproject": "wave1", "syncing": True}
    assert rows[0]["template"] == "web" and rows[0]["problems"] == []
    assert rows[1]["problems"] == ["line 3, column template: template 'nope' matches no server template"]
    assert rows[2]["problems"] == ["line 4, column template: template 'twin' matches 2 server templates; use template_id"]
    # A template that check mode would create has no ID yet: known, its name stands in.
    assert rows[3]["task"]["template_id"] == "planned" and rows[3]["problems"] == []
    assert rows[4]["problems"] == ["line 6, column template: a line has a template or a template_id, not both"]
    assert rows[5]["task"]["template_id"] == "t-7" and rows[5]["template"] is None and rows[5]["problems"] == []
    # An unresolved name is left out of the task; the line's problem says why.
    assert "template_id" not in rows[1]["task"]
    with pytest.raises(AnsibleFilterError, match="line 2, column template of the wave plan names template 'web': "
                                                 "pass templates"):
        wave_plan("source,template\nweb-01,web\n")


def test_unknown_columns_suggest_the_closest_name_and_note_columns_are_kept():
    assert "did you mean ok_to_cutover?" in _refusal("source,template_id,ok_to_cutovr\nweb-01,t,yes\n")
    rows = wave_plan("source,template_id,owner,notes,comment,x_ticket\nweb-01,t,team-a,n,c,CHG-1\n")
    assert rows[0]["columns"]["x_ticket"] == "CHG-1" and "x_ticket" not in rows[0]["task"]


def test_a_value_under_a_column_without_a_name():
    rows = wave_plan("source,template_id,\nweb-01,t,\nweb-02,t,stray\n")
    assert rows[0]["problems"] == []
    assert rows[1]["problems"] == ["line 3, column 3: a value ('stray') in a column without a name"]


def test_lines_of_empty_cells_left_by_excel_are_skipped_but_counted():
    rows = wave_plan("source,template_id,ok_to_cutover\r\nweb-01,t,yes\r\n,,\r\n, , \r\n\"\",,\r\n"
                     "web-02,t,\r\n,,\r\n,,\r\n")
    assert [(row["line"], row["source"]) for row in rows] == [(2, "web-01"), (6, "web-02")]
    assert all(row["problems"] == [] for row in rows)
    assert "line 1: the plan has a header but no server line" in _refusal("source,template_id\n,\n ,\n")


def test_rehearsal_and_verification_columns():
    rows = wave_plan("source,template_id,ok_to_test,verify,verify_port,verify_address,clone_template_id,consistency_check,"
                     "migration_test\n"
                     "web-01,t,yes,,,,tmpl-clone,yes,yes\n"
                     "web-02,t,,no,8080,web-02.example.com,,,\n"
                     "web-03,t,maybe,perhaps,70000,bad address!,,sometimes,\n")
    first, second, bad = rows
    assert (first["ok_to_test"], first["verify"], first["verify_port"], first["verify_address"]) == (True, True, None, None)
    # The test and consistency columns set the task's options (when it is created).
    assert first["task"] == {"source_name": "web-01", "template_id": "t", "clonevm_template_id": "tmpl-clone",
                             "is_need_consistency_check": True, "need_migration_test": True, "syncing": True}
    assert (second["ok_to_test"], second["verify"], second["verify_port"], second["verify_address"]) == (
        False, False, 8080, "web-02.example.com")
    assert second["task"] == {"source_name": "web-02", "template_id": "t", "syncing": True}
    assert [problem.split(":")[0] for problem in bad["problems"]] == [
        "line 4, column ok_to_test", "line 4, column verify", "line 4, column verify_port",
        "line 4, column verify_address", "line 4, column consistency_check"]
    assert "verify_port must be a TCP port from 1 to 65535 (empty: 22 for Linux, 5986 for Windows)" in bad["problems"][2]
    assert (bad["ok_to_test"], bad["verify"], bad["verify_port"]) == (False, True, None)
