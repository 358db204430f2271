# -*- coding: utf-8 -*-
"""_task_settings: speed windows and configurations are checked and normalised before any request,
compared with what SMS holds (against the emulator over HTTP), and migration projects fill options."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import (
    ProjectLookup, check_settings, configuration_values, fill_from_project, plan_settings, send_settings, windows_of)


def test_windows_are_sorted_and_typed():
    windows, problem = windows_of([{"start": "18:00", "end": "23:59", "speed": "1000"},
                                   {"start": "08:00", "end": "18:00", "speed": 100, "over_speed_threshold": "20"}])
    assert problem is None
    assert windows == [{"start": "08:00", "end": "18:00", "speed": 100, "over_speed_threshold": 20.0},
                       {"start": "18:00", "end": "23:59", "speed": 1000}]


@pytest.mark.parametrize("window, fragment", [
    ({"start": "8:00", "end": "09:00", "speed": 1}, "HH:MM"),
    ({"start": "10:00", "end": "09:00", "speed": 1}, "start before end"),
    ({"start": "08:00", "end": "24:00", "speed": 1}, "HH:MM"),
    ({"start": "08:00", "end": "09:00", "speed": 1001}, "0 to 1000"),
    ({"start": "08:00", "end": "09:00", "speed": 1.5}, "integer"),
    ({"start": "08:00", "end": "09:00", "speed": True}, "integer"),
    ({"start": "08:00", "end": "09:00", "speed": 1, "over_speed_threshold": -1}, "over_speed_threshold"),
    ({"start": "08:00", "end": "09:00", "speed": 1, "limit": 2}, "must hold"),
])
def test_bad_windows_are_named(window, fragment):
    windows, problem = windows_of([window])
    assert windows is None and fragment in problem


def test_overlapping_windows():
    assert "overlap" in windows_of([{"start": "08:00", "end": "12:00", "speed": 1},
                                    {"start": "11:59", "end": "13:00", "speed": 1}])[1]
    assert windows_of([{"start": "08:00", "end": "12:00", "speed": 1}, {"start": "12:00", "end": "13:00", "speed": 1}])[1] is None


def test_configuration_values_are_text():
    values, problem = configuration_values({"MIGRATE_EXCLUDE_DIR": ["/tmp", "/var"], "LINUX_CPU_LIMIT": 50,
                                            "CONSISTENCY_RECHECK": True})
    assert problem is None
    assert values == {"MIGRATE_EXCLUDE_DIR": "/tmp,/var", "LINUX_CPU_LIMIT": "50", "CONSISTENCY_RECHECK": "true"}
    assert "unknown key TURBO" in configuration_values({"TURBO": 1})[1]
    assert "needs a value" in configuration_values({"LINUX_CPU_LIMIT": None})[1]


def test_check_settings_collects_problems():
    assert check_settings({}) == []
    assert check_settings({"speed_windows": "fast", "configurations": ["x"]}) == [
        "speed_windows must be a list", "configurations must be a dict of key: value"]


def _client(emu):
    return SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)


def test_plan_settings_returns_only_what_differs_and_raises_api_errors(emulator_factory):
    emu = emulator_factory(sources=1, states="waiting=1")
    client = _client(emu)
    task_id = emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": emu.store.list_sources()[0]["id"]}})
    window = {"start": "08:00", "end": "18:00", "speed": 100}
    new = plan_settings(client, None, {"speed_windows": [window], "configurations": {"LINUX_CPU_LIMIT": 50}})
    assert [request["path"] for request in new["requests"]] == [
        "/v3/tasks/(new task)/speed-limit", "/v3/tasks/(new task)/configuration-setting"]
    assert plan_settings(client, None, {"speed_windows": []}) is None  # a new task has no windows
    emu.clear_request_log()
    existing = plan_settings(client, task_id, {"speed_windows": [window], "configurations": {"LINUX_CPU_LIMIT": 50}})
    assert existing["before"] == {"speed_windows": [], "configurations": {"LINUX_CPU_LIMIT": None}}
    assert existing["after"] == {"speed_windows": [window], "configurations": {"LINUX_CPU_LIMIT": "50"}}
    assert existing["requests"][0] == {"method": "POST", "path": "/v3/tasks/%s/speed-limit" % task_id,
                                       "body": {"speed_limit": [window]}}
    assert emu.write_requests() == []  # planning only reads
    send_settings(client, task_id, existing["plan"])
    assert len(emu.write_requests()) == 2
    assert plan_settings(client, task_id, {"speed_windows": [window], "configurations": {"LINUX_CPU_LIMIT": "50"}}) is None
    with pytest.raises(SmsApiError) as raised:
        plan_settings(client, "no-such-task", {"configurations": {"LINUX_CPU_LIMIT": 1}})
    assert raised.value.status == 404


def test_projects_fill_unset_options_and_are_listed_once_per_name(emulator_factory):
    emu = emulator_factory(sources=1)
    emu.store.create_project({"name": "wave-1", "region": emu.region, "type": "MIGRATE_FILE", "syncing": True,
                              "speed_limit": 200})
    projects = ProjectLookup(_client(emu))
    emu.clear_request_log()
    options = {"migproject": "wave-1", "syncing": False, "type": None}
    fill_from_project(projects, options)
    assert (options["syncing"], options["type"], options["speed_limit"]) == (False, "MIGRATE_FILE", 200)
    fill_from_project(projects, {"migproject": "wave-1"})
    for _attempt in range(2):
        with pytest.raises(SmsInputError) as raised:
            fill_from_project(projects, {"migproject": "wave-9"})
        assert "No migration project has the ID or the name 'wave-9'" in str(raised.value)
    assert [entry["path"] for entry in emu.request_log()] == ["/v3/migprojects", "/v3/migprojects"]
