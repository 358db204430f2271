# -*- coding: utf-8 -*-
"""wait_until, the one polling loop, with a fake clock: reads are plain functions, so each rule
(sleep, timeout, outage riding, errors that end a wait at once) is shown without HTTP or sleeping.
The waits built on it are tested against the emulator (test_task_wait.py and the module tests)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, SmsError
from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import (
    WaitOutage,
    WaitTimedOut,
    is_outage,
    wait_until,
)


class Clock(object):
    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def _api_error(status):
    return SmsApiError("GET", "https://sms/v3/tasks", status, "SMS.%d" % status, "no", request_id="rid-%d" % status)


def _reads(*answers):
    """A read() giving ``answers`` in turn; an exception among them is raised."""
    queue = list(answers)

    def read():
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
    return read


def test_polls_until_done_sleeping_the_interval():
    clock = Clock()
    value, stats = wait_until(_reads(1, 2, 3), lambda v: v == 3, timeout=100, interval=10,
                              sleep=clock.sleep, clock=clock)
    assert value == 3
    assert clock.slept == [10, 10]
    assert stats == dict(polls=3, waited_seconds=20.0, failed_polls=0, last_error=None)


def test_the_last_sleep_is_cut_to_the_time_left_and_the_timeout_names_the_polls():
    clock = Clock()
    with pytest.raises(WaitTimedOut) as caught:
        wait_until(_reads(*range(10)), lambda v: False, timeout=25, interval=10, sleep=clock.sleep, clock=clock)
    assert clock.slept == [10, 10, 5]
    assert caught.value.value == 3 and caught.value.stats["polls"] == 4
    assert str(caught.value) == "timed out after 25 seconds (4 polls)"


def test_a_first_value_counts_as_the_first_poll():
    clock = Clock()
    value, stats = wait_until(_reads("b"), lambda v: v == "b", timeout=100, interval=5, first="a",
                              sleep=clock.sleep, clock=clock)
    assert value == "b" and stats["polls"] == 2 and clock.slept == [5]


def test_outages_are_ridden_through_and_a_good_poll_resets_the_count():
    clock = Clock()
    seen = []
    value, stats = wait_until(
        _reads(_api_error(503), SmsClientError("refused"), "up", _api_error(429), "done"), lambda v: v == "done",
        timeout=1000, interval=10, outage_timeout=15, on_poll=lambda v, s: seen.append((v, s["last_error"])),
        sleep=clock.sleep, clock=clock)
    assert value == "done"
    assert stats["failed_polls"] == 3 and stats["polls"] == 5 and stats["last_error"] is None
    assert [value for value, _error in seen] == [None, None, "up", None, "done"]
    assert seen[1][1] == "refused"


def test_an_outage_past_its_bound_raises_the_last_error_with_its_api_fields():
    clock = Clock()
    with pytest.raises(WaitOutage) as caught:
        wait_until(_reads("up", _api_error(502), _api_error(503), _api_error(504)), lambda v: False,
                   timeout=1000, interval=10, outage_timeout=20, sleep=clock.sleep, clock=clock)
    assert clock.now == 30  # failures at 10, 20, 30: 20 s in a row at the third
    assert "every poll failed for 20 seconds (outage_timeout 20, 3 failed poll(s) in a row)" in str(caught.value)
    assert caught.value.value == "up"
    keywords = caught.value.fail_json_keywords()
    assert keywords["status"] == 504 and keywords["error_code"] == "SMS.504" and keywords["request_id"] == "rid-504"


@pytest.mark.parametrize("error", [_api_error(403), _api_error(404), _api_error(400)])
def test_an_answer_that_waiting_cannot_change_ends_the_wait_at_once(error):
    clock = Clock()
    with pytest.raises(SmsApiError) as caught:
        wait_until(_reads(error), lambda v: False, timeout=1000, interval=10, outage_timeout=900,
                   sleep=clock.sleep, clock=clock)
    assert caught.value is error and clock.slept == []


def test_done_may_end_the_wait_with_its_own_error():
    clock = Clock()

    def done(value):
        if value == "failed":
            raise SmsError("the task failed", task=value)
        return False
    with pytest.raises(SmsError) as caught:
        wait_until(_reads("running", "failed"), done, timeout=100, interval=1, sleep=clock.sleep, clock=clock)
    assert caught.value.result == {"task": "failed"}


def test_outage_rule():
    assert is_outage(SmsClientError("timeout"))
    assert all(is_outage(_api_error(status)) for status in (408, 429, 500, 503, 200))
    assert not any(is_outage(_api_error(status)) for status in (400, 401, 403, 404, 409))
    assert not is_outage(SmsError("a problem of ours"))
