# -*- coding: utf-8 -*-
"""The small pure helpers of sms_command, sms_command_result and the steps of module logic (no HTTP involved)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import command_name_of
from ansible_collections.hwcloud.sms.plugins.module_utils._command_results import parse_result_detail
from ansible_collections.hwcloud.sms.plugins.module_utils._commands import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, step
from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently


@pytest.mark.parametrize("answer", [{}, None, {"command_name": ""}, {"command_name": "   "},
                                    {"command_name": None, "command_param": {"task_id": "t"}},
                                    {"command_param": {}}, [], "text"])
def test_no_command_when_sms_has_nothing(answer):
    assert command_name_of(answer) is None
    assert describe(answer).startswith("no command")


@pytest.mark.parametrize("name", ["START", "STOP", "SKIP", "PREMIGRATE", "TASK_NOT_STARTED", "TASK_HAS_STOPPED",
                                  "TASK_HAS_FINISHED", "DELETE", "SYNC", "UPLOAD_LOG", "RSET_LOG_ACL",
                                  "SOME_FUTURE_COMMAND", "lower-case?"])
def test_any_command_name_passes_through_untouched(name):
    answer = {"command_name": name, "command_param": {"task_id": "abc"}}
    assert command_name_of(answer) == name
    assert describe(answer) == "command %s with parameters {'task_id': 'abc'}" % name


@pytest.mark.parametrize("value, expected", [
    ({}, {}),
    ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}),
    ('{"msg": "ok", "n": 1}', {"msg": "ok", "n": 1}),
    ("  {}  ", {}),
])
def test_result_detail_accepts_objects(value, expected):
    assert parse_result_detail(value) == (expected, None)


@pytest.mark.parametrize("value, why", [
    ("[1]", "the string holds a JSON list"),
    ("not json", "it is not valid JSON"),
    ('"text"', "the string holds a JSON str"),
    ("", "it is not valid JSON"),
    ([1], "got list"),
    (5, "got int"),
    (None, "got NoneType"),
])
def test_result_detail_rejects_everything_else(value, why):
    detail, problem = parse_result_detail(value)
    assert detail is None
    assert problem.startswith("result_detail must be")
    assert why in problem


@pytest.mark.parametrize("value, message", [
    ({"x": float("nan")}, "no NaN or Infinity"),
    ('{"x": NaN}', "NaN is not JSON"),
    ('{"x": Infinity}', "Infinity is not JSON"),
    ({"blob": "x" * (70 * 1024)}, "at most 65536 bytes of JSON"),
    ('{"blob": "%s"}' % ("x" * (70 * 1024)), "at most 65536 bytes of JSON"),
    ('{"a": ' + '[' * 900 + ']' * 900 + '}', "nested at most 32 levels deep"),
    ('{"a":' * 900 + '1' + '}' * 900, "nested at most 32 levels deep"),
    ('{"a":' * 5000 + '1' + '}' * 5000, "not valid JSON"),
])
def test_result_detail_that_cannot_be_stored_as_sent_is_refused(value, message):
    detail, problem = parse_result_detail(value)
    assert detail is None and message in problem


def test_a_step_names_itself_and_keeps_the_api_fields():
    error = SmsApiError("GET", "https://sms/v3/sources/s1", 404, "SMS.0404", "not found", request_id="rid-1")
    with pytest.raises(SmsError) as caught:
        with step("Reading source server s1 failed"):
            raise error
    assert str(caught.value) == "Reading source server s1 failed: %s" % error
    keywords = caught.value.fail_json_keywords()
    assert (keywords["status"], keywords["error_code"], keywords["request_id"]) == (404, "SMS.0404", "rid-1")


def test_each_concurrently_keeps_the_order_and_every_failure():
    def call(item):
        if item % 3 == 0:
            raise SmsError("no %d" % item)
        return item * 10
    answers = each_concurrently(call, range(1, 8), workers=3)
    assert [a if isinstance(a, int) else str(a) for a in answers] == [10, 20, "no 3", 40, 50, "no 6", 70]
    assert each_concurrently(call, [], workers=3) == []
