# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Reports of what an agent did with a command (POST /v3/sources/{id}/command_result): the
checks of sms_command_result's options, the request each report sends, and many reports sent
at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import MAX_DETAIL_DEPTH, check_id, check_workers, nesting_depth
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, SmsInputError, error_entry
from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently

# Details are stored by SMS as they are: keep them to what a report needs.
MAX_DETAIL_BYTES = 64 * 1024

# How many reports a batch sends at the same time, at most.
MAX_REPORT_WORKERS = 10

_SINGLE_OPTIONS = ("server_id", "command_name", "result")


def _reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def parse_result_detail(value):
    """Return (detail dict, None) or (None, why it is not acceptable)."""
    if isinstance(value, str):
        if len(value) > MAX_DETAIL_BYTES:
            return None, "result_detail must be at most %d bytes of JSON, got %d characters" % (MAX_DETAIL_BYTES, len(value))
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            return None, "result_detail must be a dictionary or a JSON object string; it is not valid JSON (%s)" % exc
        if not isinstance(value, dict):
            return None, "result_detail must be a JSON object; the string holds a JSON %s" % type(value).__name__
    elif not isinstance(value, dict):
        return None, "result_detail must be a dictionary or a JSON object string, got %s" % type(value).__name__
    if nesting_depth(value, MAX_DETAIL_DEPTH) > MAX_DETAIL_DEPTH:
        return None, "result_detail must be nested at most %d levels deep" % MAX_DETAIL_DEPTH
    try:
        size = len(json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8"))
    except ValueError as exc:
        return None, "result_detail must hold only JSON values (no NaN or Infinity): %s" % exc
    except TypeError as exc:
        return None, "result_detail must hold only JSON values: %s" % exc
    if size > MAX_DETAIL_BYTES:
        return None, "result_detail must be at most %d bytes of JSON, got %d" % (MAX_DETAIL_BYTES, size)
    return value, None


def check_report(report, label=None):
    """``(server_id, command_name, result, detail)`` of one report (the single form's options, or
    an item of ``results`` named ``label``); raises SmsInputError naming the option and the rule."""
    prefix = label + "." if label else ""
    server_id = check_id(prefix + "server_id", report["server_id"], "source server id")
    command_name = check_id(prefix + "command_name", report["command_name"], "command name")
    detail, problem = parse_result_detail(report["result_detail"])
    if problem:
        raise SmsInputError("%s: %s" % (label, problem) if label else problem)
    return server_id, command_name, report["result"], detail


def check_many(params):
    """``results`` and ``workers`` before anything is built; raises SmsInputError."""
    single = [name for name in _SINGLE_OPTIONS if params[name] is not None]
    if single:
        raise SmsInputError("results cannot be combined with %s" % ", ".join(single))
    if not params["results"]:
        raise SmsInputError("results must list at least one report")
    check_workers("workers", params["workers"], MAX_REPORT_WORKERS)


def request_of(client, server_id, command_name, result, detail):
    """The request a report sends, as the module returns it (check mode shows exactly this)."""
    method, path, body = client.command_result_request(server_id, command_name, result, detail)
    return dict(method=method, path=path, body=body)


def report_entries(client, reports):
    """One ``results`` item (not sent yet) per item of the option ``results``, every item checked
    first; raises SmsInputError at the first bad one."""
    entries = []
    for index, report in enumerate(reports):
        server_id, command_name, result, detail = check_report(report, "results[%d]" % index)
        entries.append(dict(server_id=server_id, command_name=command_name, sent=False,
                            request=request_of(client, server_id, command_name, result, detail)))
    return entries


def send_reports(client, entries, workers):
    """Send the reports of ``entries``, up to ``workers`` at a time; each entry gets ``sent`` and
    ``response``, or ``error``. Raises an SmsError holding them all when any report failed."""
    def send(entry):
        body = entry["request"]["body"]
        return client.report_command_result(entry["server_id"], entry["command_name"], body["result"],
                                            body["result_detail"])

    for entry, answer in zip(entries, each_concurrently(send, entries, workers)):
        if isinstance(answer, SmsError):
            entry["error"] = error_entry(answer)
        else:
            entry.update(response=answer, sent=True)
    failed = [entry for entry in entries if "error" in entry]
    if failed:
        raise SmsError("Reporting failed for %d of %d command results (first: %s %s: %s)" % (
            len(failed), len(entries), failed[0]["server_id"], failed[0]["command_name"], failed[0]["error"]["msg"]),
            changed=len(failed) < len(entries), results=entries)
    return entries
