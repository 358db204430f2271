# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The commands SMS queues for a source server's agent (GET /v3/sources/{id}/command): the
checks of sms_command's options, one read, a wait for a command and the read of many."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import check_id, check_seconds, check_workers
from ansible_collections.hwcloud.sms.plugins.module_utils._client import command_name_of
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, SmsInputError, error_entry, step_error
from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import WaitOutage, WaitTimedOut, wait_until

# How many commands a batch reads at the same time, at most.
MAX_COMMAND_WORKERS = 10


def describe(answer):
    """A command answer in words, for a timeout message."""
    name = command_name_of(answer)
    if name is None:
        return "no command (answer %s)" % (answer,)
    return "command %s with parameters %s" % (name, answer.get("command_param"))


def command_entry(answer, server_id=None):
    """What sms_command returns about one answer (with ``server_id``: one item of ``commands``)."""
    body = answer if isinstance(answer, dict) else {}
    entry = dict(has_command=command_name_of(answer) is not None, command_name=body.get("command_name"),
                 command_param=body.get("command_param"), response=answer)
    if server_id is not None:
        entry = dict(server_id=server_id, **entry)
    return entry


def check_single(params):
    """server_id and the wait options: ``(server_id, waiting)``; raises SmsInputError."""
    server_id = check_id("server_id", params["server_id"], "source server id")
    wait_for = params["wait_for"]
    if wait_for is not None:
        if not wait_for:
            raise SmsInputError("wait_for must list at least one command name")
        if any(not name or not name.strip() for name in wait_for):
            raise SmsInputError("wait_for must not contain empty command names")
    for name in ("wait_timeout", "poll_interval"):
        check_seconds(name, params[name])
    if params["poll_interval"] > params["wait_timeout"]:
        raise SmsInputError("poll_interval (%s) must not be greater than wait_timeout (%s)"
                            % (params["poll_interval"], params["wait_timeout"]))
    return server_id, params["wait"] or wait_for is not None


def check_many(params):
    """server_ids (duplicates dropped, order kept) and workers; raises SmsInputError."""
    if params["wait"] or params["wait_for"] is not None:
        raise SmsInputError("wait and wait_for apply to server_id only; server_ids reads each command once")
    if not params["server_ids"]:
        raise SmsInputError("server_ids must list at least one source server id")
    check_workers("workers", params["workers"], MAX_COMMAND_WORKERS)
    for index, server_id in enumerate(params["server_ids"]):
        check_id("server_ids[%d]" % index, server_id, "source server id")
    return list(dict.fromkeys(params["server_ids"]))


def wait_for_command(client, server_id, names=None, timeout=300, interval=5, waiting=True):
    """``(answer, stats)`` of GET .../command, read until it holds a command (one of ``names``
    when given); without ``waiting``, the first answer. ``stats`` as wait_until keeps them.
    Raises an SmsError naming the source server: the timeout says how long it waited, how many
    polls and what it last saw; a failed read ends the wait at once."""
    def wanted(answer):
        name = command_name_of(answer)
        return not waiting or (name is not None and (names is None or name in names))

    try:
        return wait_until(lambda: client.get_command(server_id), wanted, timeout, interval)
    except WaitTimedOut as exc:
        waited = exc.stats["waited_seconds"]
        target = "one of the commands %s" % ", ".join(names) if names else "a command"
        raise SmsError("Timed out after %.1f seconds (%d polls) waiting for %s for source server %s; last seen: %s"
                       % (waited, exc.stats["polls"], target, server_id, describe(exc.value)),
                       polls=exc.stats["polls"], waited=waited, waited_seconds=waited, response=exc.value)
    except WaitOutage as exc:  # no outage is ridden through (outage_timeout 0): the first failed read
        raise _read_failed(server_id, exc.error)
    except SmsError as exc:  # an error waiting cannot change (HTTP 403, 404 ...)
        raise _read_failed(server_id, exc)


def _read_failed(server_id, exc):
    return step_error("Reading the command for source server %s failed" % server_id, exc)


def read_commands(client, server_ids, workers):
    """One ``commands`` item per source server, up to ``workers`` reads at a time; a failed read
    becomes that item's ``error``. Raises an SmsError holding them all when any read failed."""
    answers = each_concurrently(client.get_command, server_ids, workers)
    commands = []
    for server_id, answer in zip(server_ids, answers):
        if isinstance(answer, SmsError):
            commands.append(dict(command_entry(None, server_id), error=error_entry(answer)))
        else:
            commands.append(command_entry(answer, server_id))
    failed = [entry for entry in commands if "error" in entry]
    if failed:
        raise SmsError("Reading the command failed for %d of %d source servers (first: %s: %s)"
                       % (len(failed), len(commands), failed[0]["server_id"], failed[0]["error"]["msg"]),
                       commands=commands, polls=len(commands), waited=0.0, waited_seconds=0.0)
    return commands
