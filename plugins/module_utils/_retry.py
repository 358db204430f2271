# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""RetryPolicy: every rule of when a request is sent again and how long to wait first. Pure
(no HTTP, no sleeping): the transport asks it after each failed attempt and sleeps the delay it
gets, or gives up when it gets None."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

# How an attempt failed without an HTTP answer to judge (the transport classifies its errors).
TLS_ERROR = "tls_error"  # the certificate or the handshake: the same again next time
NOT_SENT = "not_sent"  # refused or timed out while connecting: no byte of the request left
LOST = "lost"  # the connection broke, or the answer came cut short or too late: maybe applied
ANSWER_TOO_LARGE = "answer_too_large"  # more than the transport reads: the same again next time
ANSWER_UNREADABLE = "answer_unreadable"  # an encoding that cannot be decoded: the same again

FINAL_FAILURES = frozenset((TLS_ERROR, ANSWER_TOO_LARGE, ANSWER_UNREADABLE))


class RetryPolicy:
    """When a request is tried again, and after how long.

    - A method may be sent again when doing so cannot apply it twice: GET, HEAD, PUT and DELETE
      always; any other method (POST) only when the attempt never reached the server (NOT_SENT)
      or the server refused it before acting (429, 503).
    - Statuses worth another attempt: 429, and 5xx (for a POST only 503).
    - Failures without an answer are retried unless they are final (FINAL_FAILURES): a TLS error,
      an answer too large or unreadable would be the same again.
    - At most ``retries`` more attempts. Before each: the server's Retry-After (seconds) or
      exponential backoff with full jitter (uniform between 0 and backoff_base * 2**n, capped at
      backoff_cap), never more than retry_after_cap; no retry when the waits of one request
      would pass max_total_wait in all.
    """

    idempotent_methods = frozenset(("GET", "HEAD", "PUT", "DELETE"))
    # Answers that say the server did not act: safe to repeat whatever the method.
    refused_statuses = frozenset((429, 503))
    backoff_base = 0.5
    backoff_cap = 20.0
    retry_after_cap = 60.0
    max_total_wait = 60.0

    def __init__(self, retries, uniform=random.uniform):
        self.retries = retries
        self._uniform = uniform

    def status_is_retryable(self, method, status):
        if status in self.refused_statuses:
            return True
        return status >= 500 and method in self.idempotent_methods

    def failure_is_retryable(self, method, failure):
        if failure in FINAL_FAILURES:
            return False
        return method in self.idempotent_methods or failure == NOT_SENT

    @staticmethod
    def retry_after(headers):
        """The Retry-After header in seconds (at least 0), or None when absent or an HTTP date."""
        value = headers.get("Retry-After")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return None  # HTTP-date form: fall back to our own backoff

    def delay(self, retry_number, retry_after=None):
        """Seconds to wait before retry ``retry_number`` (0 for the first)."""
        if retry_after is None:
            retry_after = self._uniform(0, min(self.backoff_cap, self.backoff_base * (2 ** retry_number)))
        return min(retry_after, self.retry_after_cap)

    def start(self, method):
        """The attempts of one ``method`` request under this policy."""
        return Attempts(self, method)


class Attempts:
    """One request's attempts: ``count`` made so far, ``waited`` seconds between them. After a
    failed attempt, after_status/after_failure give the seconds to wait before the next one,
    or None when there is to be no next one."""

    def __init__(self, policy, method):
        self.policy = policy
        self.method = method
        self.count = 1
        self.waited = 0.0

    def after_status(self, status, headers):
        if not self.policy.status_is_retryable(self.method, status):
            return None
        return self._next(self.policy.retry_after(headers))

    def after_failure(self, failure):
        if not self.policy.failure_is_retryable(self.method, failure):
            return None
        return self._next(None)

    def _next(self, retry_after):
        if self.count > self.policy.retries:
            return None
        delay = self.policy.delay(self.count - 1, retry_after)
        if self.waited + delay > self.policy.max_total_wait:
            return None
        self.waited += delay
        self.count += 1
        return delay
