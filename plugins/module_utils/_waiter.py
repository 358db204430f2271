# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The one polling loop of the collection: every wait (tasks reaching a phase, a task stopping
before it is deleted, a command being queued) is ``wait_until`` with its own read and test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, SmsError

_NOT_READ = object()


class WaitTimedOut(SmsError):
    """The timeout passed before ``done``: ``value`` is what the last poll read (None if no poll
    succeeded), ``stats`` the wait's statistics."""

    def __init__(self, message, value, stats):
        super(WaitTimedOut, self).__init__(message)
        self.value = value
        self.stats = stats


class WaitOutage(SmsError):
    """Every poll failed for ``outage_timeout`` seconds in a row: ``error`` is the last poll's
    error, ``value`` the last value read before the outage."""

    def __init__(self, message, error, value, stats):
        super(WaitOutage, self).__init__(message)
        self.error = error
        self.value = value
        self.stats = stats

    def fail_json_keywords(self):
        return self.error.fail_json_keywords()


def is_outage(exc):
    """Whether a failed poll may be an outage worth riding through: no connection or a broken
    answer (client error), HTTP 408, 429 or 5xx, or a success answer that is not the documented
    JSON. Other answers (403, 400 ...) will not change by waiting."""
    if isinstance(exc, SmsClientError):
        return True
    if isinstance(exc, SmsApiError):
        return exc.status in (408, 429) or exc.status >= 500 or exc.status < 300
    return False


def wait_until(read, done, timeout, interval, outage_timeout=0, on_poll=None, first=_NOT_READ, stats=None,
               sleep=time.sleep, clock=time.monotonic):
    """Poll: call ``read()`` until ``done(value)`` is true, sleeping ``min(interval, time left)``
    between polls; returns ``(value, stats)``.

    - ``done(value)`` may raise (an SmsError) to end the wait at once, e.g. on a failed task.
    - A ``read()`` raising an outage error (see is_outage) is ridden through until polls have
      failed for ``outage_timeout`` seconds in a row (0: the first failure ends the wait); then
      WaitOutage is raised. Any other error of ``read()`` ends the wait at once.
    - ``on_poll(value, stats)`` runs after every poll (``value`` None while polls fail).
    - ``first``: a value the caller has just read; it counts as the first poll.
    - At ``timeout`` seconds WaitTimedOut is raised with the last value read.

    ``stats``: polls, waited_seconds, failed_polls, last_error (the error of the last poll while
    polls fail, else None); pass a dict to have them kept in it beside keys of your own."""
    started = clock()
    deadline = started + timeout
    stats = {} if stats is None else stats
    stats.update(polls=0, waited_seconds=0.0, failed_polls=0, last_error=None)
    value = None
    failing_since, failed_in_a_row, error = None, 0, None
    while True:
        poll_started = clock()
        try:
            current = read() if first is _NOT_READ or stats["polls"] else first
        except SmsError as exc:
            if not is_outage(exc):
                raise
            error, current = exc, _NOT_READ
            stats["failed_polls"] += 1
            stats["last_error"] = str(exc)
            failed_in_a_row += 1
            failing_since = poll_started if failing_since is None else failing_since
        else:
            value, failing_since, failed_in_a_row, stats["last_error"] = current, None, 0, None
        stats["polls"] += 1
        stats["waited_seconds"] = round(clock() - started, 3)
        if on_poll is not None:
            on_poll(None if current is _NOT_READ else current, stats)
        if current is _NOT_READ:
            failing_for = clock() - failing_since
            if failing_for >= outage_timeout:
                raise WaitOutage("every poll failed for %.0f seconds (outage_timeout %s, %d failed poll(s) in a row); "
                                 "the last error: %s" % (failing_for, outage_timeout, failed_in_a_row, error),
                                 error, value, stats)
        elif done(current):
            return current, stats
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimedOut("timed out after %.0f seconds (%d polls)%s" % (
                stats["waited_seconds"], stats["polls"],
                "; the last poll failed: %s" % stats["last_error"] if stats["last_error"] else ""), value, stats)
        sleep(min(interval, remaining))
