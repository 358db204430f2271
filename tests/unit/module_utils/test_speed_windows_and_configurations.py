# -*- coding: utf-8 -*-
"""_task_settings: speed windows and configurations are checked and normalised before any request."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._task_settings import (
    check_settings, configuration_values, windows_of)


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
