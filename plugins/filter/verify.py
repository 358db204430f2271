# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the rehearsal and the verification of a wave check, what they found, and what the cleanup
may touch: hwcloud.sms.wave_verify_targets, wave_verify_record, wave_unverified and
wave_failed_task_ids (the filters of playbooks/migrate_wave.yml and wave_cleanup.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

from ansible_collections.hwcloud.sms.plugins.filter.wave_plan import per_account

# The port the verification waits for when the plan's verify_port is empty: SSH, WinRM over HTTPS.
DEFAULT_PORTS = {"LINUX": 22, "WINDOWS": 5986}
OUTCOMES = ("failed", "not_checked", "passed")
_UNREACHABLE = "unreachable: the port answered, but Ansible could not connect to the target (or lost it)"


def _items(result, key):
    """Every item of ``key`` of a registered result: one call, a loop of calls, or a plain list."""
    if isinstance(result, list):
        return [item for item in result if isinstance(item, dict)]
    found = []
    for _account, one in per_account(result):
        found.extend(item for item in one.get(key) or () if isinstance(item, dict))
    return found


def _pair(pair):
    if isinstance(pair, dict):
        return pair.get("row") or {}, pair.get("result") or {}
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return pair[0] or {}, pair[1] or {}
    raise AnsibleFilterError("wave_verify_targets expects [row, sms_task result] pairs (wave_existing), got %r" % (pair,))


def _host_name(row, server):
    account = row.get("account")
    return "%s.%s" % (account, server) if account else server


def wave_verify_targets(pairs, targets, sources=None, kind="cutover", only_test=False, ports=None):
    """One entry per line of the wave (in plan order) saying what the verification checks: the
    target of ``kind`` (clone or cutover) of the line's task as hwcloud.sms.sms_target_info found it,
    the address (verify_address or the target's IP) and port (verify_port, else by the source's OS),
    or, for a line that is not checked, why (``outcome`` not_checked and ``reason``).

    ``pairs``: [row of wave_plan, result of sms_task] of the lines with a task; ``targets``: the
    registered sms_target_info result(s) or a list of targets; ``sources``: sms_source_info result(s)
    (the OS of each source); ``only_test``: only the lines with ok_to_test (the rehearsal)."""
    if kind not in ("clone", "cutover"):
        raise AnsibleFilterError("wave_verify_targets: kind must be clone or cutover, got %r" % (kind,))
    ports = dict(DEFAULT_PORTS, **(ports or {}))
    by_task = {}
    for target in _items(targets, "targets"):
        if target.get("kind", kind) == kind and target.get("task_id"):
            by_task.setdefault(target["task_id"], target)
    os_of = dict((source.get("id"), source.get("os_type")) for source in _items(sources, "source_servers"))
    entries = []
    for pair in pairs or ():
        row, found = _pair(pair)
        if only_test and not row.get("ok_to_test"):
            continue
        task = found.get("task") if isinstance(found.get("task"), dict) else {}
        task_id = task.get("id")
        source_id = found.get("source_id") or (task.get("source_server") or {}).get("id")
        target = by_task.get(task_id) or {}
        server = row.get("source") or target.get("source_name") or found.get("source_name") or source_id
        os_type = os_of.get(source_id) or target.get("os_type")
        port = row.get("verify_port") or ports.get(str(os_type).upper(), ports["LINUX"])
        entry = dict(host=_host_name(row, target.get("source_name") or server), account=row.get("account") or "",
                     line=row.get("line"), server=server, source_id=source_id, task_id=task_id, kind=kind,
                     target_name=target.get("name"), vm_id=target.get("vm_id"), target_ip=target.get("ip"),
                     address=row.get("verify_address") or target.get("ip"), port=port, os_type=os_type,
                     check=False, outcome=None, reason=None)
        if row.get("verify") is False:
            entry.update(outcome="not_checked", reason="the plan says verify no")
        elif not target:
            entry.update(outcome="not_checked", reason="no target: SMS lists no %s for the task" % (
                "test clone" if kind == "clone" else "launched target server"))
        elif not entry["address"]:
            entry.update(outcome="not_checked", reason="no target address: SMS gives the target no IP address "
                                                       "(set verify_address in the plan)")
        else:
            entry["check"] = True
        entries.append(entry)
    return entries


def _get(mapping, key):
    # HostVars of a host that is gone may fail in any way: such a host has no outcome.
    try:
        return mapping.get(key)
    except Exception:  # pylint: disable=broad-except
        return None


def wave_verify_record(entries, hostvars=None, wave=None, phase="verify", tests=None, now=None):
    """The verification record of a wave: ``entries`` of wave_verify_targets with the outcome of
    each checked one read from ``hostvars`` (wave_verify_result, set by the verification play; a
    host without it lost its connection), and for the rehearsal what ``tests`` says of each task
    (wave_test_outcomes: the clone and the drill). Failed servers first, then not checked, then passed."""
    tests = tests or {}
    servers = []
    for entry in entries or ():
        server = dict(entry)
        server.pop("check", None)
        if entry.get("check"):
            found = _get(_get(hostvars or {}, entry.get("host")) or {}, "wave_verify_result")
            found = dict(found) if isinstance(found, dict) else {"outcome": "failed", "reason": _UNREACHABLE}
            server.update(outcome=found.get("outcome") or "failed", reason=found.get("reason"),
                          failed_task=found.get("failed_task"), checked_at=found.get("checked_at"))
        test = tests.get(entry.get("task_id"))
        if test:
            server.update(test)
            if test.get("clone_state") == "ERROR":
                server.update(outcome="failed", reason="the clone failed: %s" % (
                    " ".join(str(part) for part in (test.get("clone_error"), test.get("clone_error_msg")) if part)
                    or "SMS gave no error"))
            if test.get("drill") == "failed" and server.get("outcome") != "failed":
                server.update(outcome="failed", reason="the drill (migration_test) failed%s" % (
                    ": %s" % test["drill_error"] if test.get("drill_error") else ""))
            elif test.get("drill") == "passed" and not entry.get("check") and entry.get("reason", "").startswith("no target"):
                # A drill launches no target to check: its outcome is the server's.
                server.update(outcome="passed", reason="the drill (migration_test) passed")
        if server.get("outcome") not in OUTCOMES:
            server["outcome"] = "failed"
        servers.append(server)
    servers.sort(key=lambda s: OUTCOMES.index(s["outcome"]))
    summary = dict((outcome, len([s for s in servers if s["outcome"] == outcome])) for outcome in OUTCOMES)
    moment = now or datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    return dict(wave=wave, phase=phase, generated=moment, summary=summary, servers=servers)


def _refusal(item):
    """The text of a request SMS refused (results[].error) or the module refused to send (refused[])."""
    error = item.get("error") if isinstance(item.get("error"), dict) else None
    if error:
        return "SMS refused the request: %s" % (" ".join(
            str(error[key]) for key in ("status", "error_code", "error_msg") if error.get(key) not in (None, ""))
            or error.get("msg") or "no details")
    if item.get("reason"):
        return "refused in state %s: %s" % (item.get("state"), item["reason"])
    return None


def wave_test_outcomes(clone_results=None, drill_results=None):
    """{task_id: {clone_state, clone_vm_id, clone_name, clone_error, clone_error_msg, drill, drill_error}} of the
    registered hwcloud.sms.sms_task_action clone_test and migration_test calls (one or a loop). A request
    refused (by SMS or by the module's guard) counts as a clone in ERROR or a failed drill, with the reason."""
    outcomes = {}
    for item in _items(clone_results, "results") + _items(clone_results, "refused"):
        task_id = item.get("task_id") or item.get("id")
        refusal = _refusal(item)
        if task_id and refusal and not isinstance(item.get("clone_server"), dict):
            outcomes.setdefault(task_id, {}).update(clone_state="ERROR", clone_vm_id=None, clone_name=None,
                                                    clone_error=None, clone_error_msg=refusal)
    for item in _items(drill_results, "results") + _items(drill_results, "refused"):
        task_id = item.get("task_id") or item.get("id")
        refusal = _refusal(item)
        if task_id and refusal and item.get("drill") is None:
            outcomes.setdefault(task_id, {}).update(drill="failed", drill_error=refusal)
    for item in _items(clone_results, "results") + _items(clone_results, "failed_tasks"):
        task_id = item.get("task_id") or item.get("id")
        clone = item.get("clone_server") if isinstance(item.get("clone_server"), dict) else None
        if not task_id or clone is None:
            continue
        outcomes.setdefault(task_id, {}).update(
            clone_state=clone.get("clone_state"), clone_vm_id=clone.get("vm_id"), clone_name=clone.get("name"),
            clone_error=clone.get("clone_error"), clone_error_msg=clone.get("error_msg"))
    for item in _items(drill_results, "results") + _items(drill_results, "failed_tasks"):
        task_id = item.get("task_id") or item.get("id")
        drill = item.get("drill")
        if not task_id or drill is None and item.get("phase") != "drill_failed":
            continue
        error = item.get("error") if isinstance(item.get("error"), dict) else {}
        outcomes.setdefault(task_id, {}).update(
            drill=drill or "failed",
            drill_error=" ".join(str(error[key]) for key in ("error_code", "error_msg") if error.get(key)) or None)
    return outcomes


def wave_unverified(servers, record=None):
    """[{id, name, reason}] of the ``servers`` (source servers: id, name) whose verification did not
    pass according to ``record`` (the <wave>-verify.json of migrate_wave, or None)."""
    if record is not None and not isinstance(record, dict):
        raise AnsibleFilterError("wave_unverified: the verification record must be a dict (<wave>-verify.json), got %s"
                                 % type(record).__name__)
    checked = {}
    for entry in (record or {}).get("servers") or ():
        if isinstance(entry, dict):
            for key in (entry.get("source_id"), entry.get("server")):
                if key:
                    checked.setdefault(key, entry)
    refused = []
    for server in servers or ():
        entry = checked.get(server.get("id")) or checked.get(server.get("name"))
        if entry is not None and entry.get("outcome") == "passed":
            continue
        if record is None:
            reason = "no verification record (run migrate_wave with wave_phase=verify, or name it in wave_verify_file)"
        elif entry is None:
            reason = "not in the verification record"
        else:
            reason = "%s%s" % (str(entry.get("outcome")).replace("_", " "),
                               ": %s" % entry["reason"] if entry.get("reason") else "")
        refused.append(dict(id=server.get("id"), name=server.get("name"), reason=reason))
    return refused


def wave_failed_task_ids(result):
    """[{account, task_ids}] of the tasks that failed in a registered hwcloud.sms.sms_task_action or
    sms_task_info result (one call or a loop over accounts): failed waits, refused requests, clones
    in ERROR, failed drills. Accounts without a failed task are left out."""
    if not isinstance(result, dict):
        return []
    found = []
    for account, one in per_account(result):
        ids = []
        for task in one.get("failed_tasks") or ():
            ids.append(task.get("id") if isinstance(task, dict) else task)
        for item in one.get("results") or ():
            if not isinstance(item, dict):
                continue
            clone = item.get("clone_server") if isinstance(item.get("clone_server"), dict) else {}
            if item.get("error") or clone.get("clone_state") == "ERROR" or item.get("drill") == "failed":
                ids.append(item.get("task_id") or item.get("id"))
        ids = [task_id for task_id in dict.fromkeys(ids) if isinstance(task_id, string_types) and task_id]
        if ids:
            found.append(dict(account=account or "", task_ids=ids))
    return found


class FilterModule(object):

    def filters(self):
        return {"wave_verify_targets": wave_verify_targets, "wave_verify_record": wave_verify_record,
                "wave_test_outcomes": wave_test_outcomes, "wave_unverified": wave_unverified,
                "wave_failed_task_ids": wave_failed_task_ids}
