# -*- coding: utf-8 -*-
"""RetryPolicy's rules on their own, no HTTP: which answers and failures are tried again for
which methods, how long to wait first, and when a request stops (retries, total wait)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._retry import (
    ANSWER_TOO_LARGE,
    ANSWER_UNREADABLE,
    LOST,
    NOT_SENT,
    TLS_ERROR,
    RetryPolicy,
)


def _upper_bound(low, high):
    """A 'random' backoff that always takes the largest delay jitter allows."""
    assert low == 0
    return high


@pytest.mark.parametrize("method,status,retryable", [
    ("GET", 429, True), ("GET", 500, True), ("GET", 502, True), ("GET", 503, True), ("GET", 504, True),
    ("PUT", 500, True), ("DELETE", 502, True), ("HEAD", 500, True),
    # A POST may have been applied by a server that answered 5xx, unless it said "not now".
    ("POST", 429, True), ("POST", 503, True), ("POST", 500, False), ("POST", 502, False), ("POST", 504, False),
    ("GET", 200, False), ("GET", 301, False), ("GET", 400, False), ("GET", 401, False), ("GET", 404, False),
    ("POST", 409, False),
])
def test_retryable_statuses_depend_on_the_method(method, status, retryable):
    assert RetryPolicy(3).status_is_retryable(method, status) is retryable


@pytest.mark.parametrize("method,failure,retryable", [
    ("GET", LOST, True), ("PUT", LOST, True), ("DELETE", LOST, True),
    ("POST", LOST, False),  # the request may have arrived: never sent twice
    ("GET", NOT_SENT, True), ("POST", NOT_SENT, True),  # nothing left this machine
    ("GET", TLS_ERROR, False), ("POST", TLS_ERROR, False),
    ("GET", ANSWER_TOO_LARGE, False), ("GET", ANSWER_UNREADABLE, False),
])
def test_retryable_failures_depend_on_the_method_and_whether_the_request_left(method, failure, retryable):
    assert RetryPolicy(3).failure_is_retryable(method, failure) is retryable


@pytest.mark.parametrize("value,seconds", [
    (None, None), ("0", 0.0), ("3", 3.0), ("0.6", 0.6), ("-5", 0.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", None),  # the HTTP-date form: our own backoff instead
])
def test_retry_after_is_read_in_seconds(value, seconds):
    headers = {} if value is None else {"Retry-After": value}
    assert RetryPolicy.retry_after(headers) == seconds


def test_backoff_is_exponential_full_jitter_and_capped():
    drawn = []

    def uniform(low, high):
        drawn.append((low, high))
        return high / 2

    policy = RetryPolicy(10, uniform=uniform)
    assert [policy.delay(n) for n in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    # Full jitter: anything between 0 and 0.5 * 2**n, never more than 20 s.
    assert drawn == [(0, 0.5), (0, 1.0), (0, 2.0), (0, 4.0), (0, 8.0), (0, 16.0), (0, 20.0), (0, 20.0)]


def test_retry_after_replaces_the_backoff_up_to_its_cap():
    policy = RetryPolicy(10, uniform=lambda low, high: pytest.fail("no jitter when the server said how long"))
    assert policy.delay(0, retry_after=7.5) == 7.5
    assert policy.delay(3, retry_after=0.0) == 0.0
    assert policy.delay(0, retry_after=3600.0) == 60.0


def test_at_most_retries_more_attempts():
    attempts = RetryPolicy(3, uniform=_upper_bound).start("GET")
    delays = [attempts.after_status(502, {}) for _attempt in range(5)]
    assert delays == [0.5, 1.0, 2.0, None, None]
    assert attempts.count == 4 and attempts.waited == 3.5


def test_no_retries_means_one_attempt():
    attempts = RetryPolicy(0).start("GET")
    assert attempts.after_status(503, {"Retry-After": "0"}) is None
    assert attempts.after_failure(LOST) is None
    assert attempts.count == 1


def test_an_answer_or_failure_not_worth_retrying_uses_up_nothing():
    attempts = RetryPolicy(2, uniform=_upper_bound).start("POST")
    assert attempts.after_status(500, {}) is None
    assert attempts.after_failure(LOST) is None
    assert attempts.after_failure(ANSWER_TOO_LARGE) is None
    assert (attempts.count, attempts.waited) == (1, 0.0)
    assert attempts.after_failure(NOT_SENT) == 0.5
    assert attempts.after_status(429, {"Retry-After": "2"}) == 2.0
    assert (attempts.count, attempts.waited) == (3, 2.5)


def test_waits_of_one_request_stay_within_the_total_budget():
    policy = RetryPolicy(10)
    attempts = policy.start("GET")
    # 25 + 25 fits in 60 s, a third 25 would not: the request stops rather than wait past it.
    assert [attempts.after_status(429, {"Retry-After": "25"}) for _attempt in range(3)] == [25.0, 25.0, None]
    assert attempts.waited == 50.0 and attempts.count == 3
    # A shorter wait that still fits is taken.
    assert attempts.after_status(429, {"Retry-After": "10"}) == 10.0
    assert attempts.waited == 60.0


def test_the_budget_is_the_class_setting(monkeypatch):
    monkeypatch.setattr(RetryPolicy, "max_total_wait", 1.0)
    attempts = RetryPolicy(10).start("GET")
    assert [attempts.after_status(429, {"Retry-After": "0.6"}) for _attempt in range(2)] == [0.6, None]


def test_each_request_has_its_own_attempts():
    policy = RetryPolicy(1, uniform=_upper_bound)
    first, second = policy.start("GET"), policy.start("GET")
    assert first.after_failure(LOST) == 0.5 and first.after_failure(LOST) is None
    assert second.after_failure(LOST) == 0.5
