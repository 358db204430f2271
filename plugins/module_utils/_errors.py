# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The errors module_utils raise. Modules never see a traceback: SmsModule.fail_json_sms turns
each of them into one failure shape, with the API's own fields for an SmsApiError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

# How much of an answer's text an error may echo.
MAX_ECHO_CHARS = 2048


class SmsError(Exception):
    """Every error module_utils raise. ``result`` holds what the module returns with its failure
    (what was already sent, the tasks of a failed wait, the problems of bad input), so a module
    turns any of them into one failure shape (SmsModule.fail_json_sms) and nothing is lost."""

    def __init__(self, message, **result):
        super(SmsError, self).__init__(message)
        self.result = result

    def fail_json_keywords(self):
        """The keywords of fail_json besides ``msg``."""
        return dict(self.result)


class SmsClientError(SmsError):
    """A problem on our side of the wire: bad configuration, unreachable endpoint."""


class SmsInputError(SmsError):
    """Bad module or plugin input, found before any request was sent. ``problems`` lists every
    problem found (the message joins them), so one run reports them all."""

    def __init__(self, problems, **result):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super(SmsInputError, self).__init__("; ".join(self.problems), **result)


class SmsApiError(SmsError):
    """An error answer from SMS (or its API gateway), with everything the API said."""

    def __init__(self, method, url, status, error_code, error_msg, request_id=None,
                 encoded_authorization_message=None, body=None):
        self.method = method
        self.url = url
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.encoded_authorization_message = encoded_authorization_message
        self.body = body
        SmsError.__init__(self, "%s %s failed: HTTP %s%s: %s (request id: %s)" % (
            method, url, status, " " + error_code if error_code else "", error_msg, request_id or "none"))

    @classmethod
    def from_answer(cls, method, url, status, headers, content, error_msg=None):  # pylint: disable=too-many-arguments
        """The error for an answer (``content``: its bytes, already capped at MAX_ANSWER_BYTES).
        Every text taken from it is cut to MAX_ECHO_CHARS, and a JSON body is kept as a dict only
        when it is small, so a huge error page never becomes a huge failure."""
        parsed = _json_or_none(content)
        fields = parsed if isinstance(parsed, dict) else {}
        code, message = _find_error_fields(fields) if fields else (None, None)
        body = fields if fields and len(content) <= 4 * MAX_ECHO_CHARS else _echo(content)
        if error_msg is None:
            error_msg = message if message is not None else content
        request_id = headers.get("X-Request-Id") or fields.get("request_id")
        return cls(
            method, url, status,
            error_code=_echo(code) if code else (str(status) if status >= 300 else None),
            error_msg=_echo(error_msg) if isinstance(error_msg, (str, bytes)) else error_msg,
            request_id=_echo(request_id) if isinstance(request_id, str) else request_id,
            encoded_authorization_message=_echo(fields["encoded_authorization_message"])
            if isinstance(fields.get("encoded_authorization_message"), str) else None,
            body=body,
        )

    def masked(self, mask):
        """A copy with ``mask`` applied to every text it holds."""
        return SmsApiError(self.method, mask(self.url), self.status, mask(self.error_code), mask(self.error_msg),
                           mask(self.request_id), mask(self.encoded_authorization_message), mask(self.body))

    def fail_json_keywords(self):
        return dict(self.result, **self.to_dict())

    def to_dict(self):
        return {
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "request_id": self.request_id,
            "encoded_authorization_message": self.encoded_authorization_message,
            "method": self.method,
            "url": self.url,
            "body": self.body,
        }


def error_entry(exc):
    """The ``error`` of one item of a batch result: ``msg`` always, and for an API error every
    field of SmsApiError.to_dict (status, error_code, error_msg, request_id, ...)."""
    if isinstance(exc, SmsApiError):
        return dict(exc.to_dict(), msg=str(exc))
    return {"msg": str(exc)}


def _find_error_fields(body):
    # The SDK's rule: the first known code/message pair at the top level, else in nested dicts.
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        if code_key in body and msg_key in body:
            return str(body[code_key]), body[msg_key]
    for value in body.values():
        if isinstance(value, dict):
            found = _find_error_fields(value)
            if found != (None, None):
                return found
    return None, None


def _json_or_none(content):
    if not content:
        return None
    try:
        return json.loads(content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _echo(content):
    """At most MAX_ECHO_CHARS of an answer's text, saying how long it was."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    if len(text) <= MAX_ECHO_CHARS:
        return text
    return "%s... (%d characters in all)" % (text[:MAX_ECHO_CHARS], len(text))


@contextlib.contextmanager
def step(msg):
    """An SmsError raised inside says ``msg: <its message>`` and keeps what it carries (the API
    fields of an SmsApiError, the result of any SmsError): what module.fail_json_sms(exc, msg)
    reports, raised by code that holds no module. ``msg`` None leaves the error as it is."""
    try:
        yield
    except SmsError as exc:
        raise step_error(msg, exc)


def step_error(msg, exc):
    """The SmsError ``exc`` as the failure of the step ``msg`` (see step); ``exc`` itself when
    ``msg`` is None."""
    if not msg:
        return exc
    return SmsError("%s: %s" % (msg, exc), **exc.fail_json_keywords())
