# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The transport's answer handling: reading a body by a deadline and up to MAX_ANSWER_BYTES
(read_capped, undoing a gzip/deflate a server applied anyway), and turning a successful answer
into a value or an SmsApiError (parse_success). AnswerError names its failure the way the
RetryPolicy (_retry.py) judges it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import zlib

from ansible_collections.hwcloud.sms.plugins.module_utils import _retry
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, _echo, _json_or_none

# The largest answer read.
MAX_ANSWER_BYTES = 16 * 1024 * 1024


class AnswerError(Exception):
    """Reading an answer's body failed; ``failure``: how, for the RetryPolicy (a body cut short or
    late is LOST, one too large or in an unknown encoding is final)."""

    def __init__(self, message, failure=_retry.LOST):
        super(AnswerError, self).__init__(message)
        self.failure = failure


def set_read_timeout(raw, seconds):
    # Each read then ends by the deadline, however slowly the server sends.
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(0.001, seconds))


def read_capped(response, deadline, timeout):
    """The body's bytes, read by the deadline and at most MAX_ANSWER_BYTES of them."""
    length = response.headers.get("Content-Length")
    expected = int(length) if length and length.isdigit() else None
    if expected is not None and expected > MAX_ANSWER_BYTES:
        raise AnswerError("the answer (%d bytes) is more than the %d bytes read at most"
                          % (expected, MAX_ANSWER_BYTES), _retry.ANSWER_TOO_LARGE)
    if getattr(response, "_content_consumed", False):
        # requests already read a redirect's body (to prepare the redirect it does not follow).
        return response.content[:MAX_ANSWER_BYTES]
    raw = response.raw
    reader = getattr(raw, "_fp", None)  # http.client's response: read1 returns what has arrived
    if reader is None or not hasattr(reader, "read1"):
        reader = raw
    chunks, size = [], 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AnswerError("the answer did not arrive within timeout (%s s); %d bytes came" % (timeout, size))
            set_read_timeout(raw, remaining)
            chunk = reader.read1(65536) if reader is not raw else raw.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise AnswerError("the answer is more than the %d bytes read at most" % MAX_ANSWER_BYTES,
                                  _retry.ANSWER_TOO_LARGE)
            chunks.append(chunk)
        if reader is not raw:
            reader.read()  # reads nothing more; marks http.client's response done so the connection is reused
    except AnswerError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        if time.monotonic() >= deadline:
            raise AnswerError("the answer did not arrive within timeout (%s s); %d bytes came" % (timeout, size))
        raise AnswerError("the connection broke while the answer was read (%s after %d bytes)" % (describe(exc), size))
    if expected is not None and size != expected:
        raise AnswerError("the answer ended after %d of %d bytes" % (size, expected))
    return _decoded(b"".join(chunks), response.headers.get("Content-Encoding"))


def _decoded(content, encoding):
    """The body without a gzip/deflate encoding a server applied although identity was asked for."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity" or not content:
        return content
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise AnswerError("the answer has Content-Encoding %s, which cannot be read" % encoding, _retry.ANSWER_UNREADABLE)
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    try:
        text = decoder.decompress(content, MAX_ANSWER_BYTES + 1)
    except zlib.error as exc:
        raise AnswerError("the %s answer cannot be decoded (%s)" % (encoding, exc), _retry.ANSWER_UNREADABLE)
    if len(text) > MAX_ANSWER_BYTES:
        raise AnswerError("the answer is more than the %d bytes read at most" % MAX_ANSWER_BYTES, _retry.ANSWER_TOO_LARGE)
    return text


def parse_success(method, url, status, headers, content, expect):
    """The value of a 2xx answer: its JSON, ``{}`` when empty, a text/plain message unless
    ``expect="object"``, which also refuses any JSON but an object."""
    if not content:
        if expect == "object":
            raise SmsApiError.from_answer(method, url, status, headers, content, error_msg="the answer is empty, not a JSON object")
        return {}
    answer = _json_or_none(content)
    if answer is None and content.strip() != b"null":
        content_type = headers.get("Content-Type") or "none"
        if expect != "object" and content_type.startswith("text/plain"):
            return content.decode("utf-8", "replace")  # a "success message" of the string/empty answers
        raise SmsApiError.from_answer(method, url, status, headers, content, error_msg=(
            "the answer is not JSON (Content-Type %s): %s" % (content_type, _echo(content))))
    if expect == "object" and not isinstance(answer, dict):
        raise SmsApiError.from_answer(method, url, status, headers, content,
                                      error_msg="the answer is %s, not a JSON object" % kind_of(answer))
    return answer


def kind_of(value):
    """What a JSON value is, for an error message: "a JSON object", "nothing", "int 3"..."""
    if isinstance(value, (dict, list)):
        return "a JSON %s" % ("object" if isinstance(value, dict) else "array")
    if value is None:
        return "nothing"
    text = repr(value)
    return "%s %s" % (type(value).__name__, text if len(text) <= 60 else text[:57] + "...")


def describe(exc):
    """An exception's class and its innermost reason (urllib3 wraps the socket's)."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return "%s (%s)" % (exc.__class__.__name__, reason)
