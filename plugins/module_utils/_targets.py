# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The servers SMS launched for its tasks: cut-over targets and test clones, with their address.
sms_target_info and the sms_targets inventory plugin both read them here.

- A cut-over target belongs to a task in phase cutting_over or finished (_phases.LAUNCHED_PHASES);
  its address is the task's ``target_server.ip`` (None while SMS has not reported one).
- A test clone belongs to a task whose ``clone_server.clone_state`` is FINISHED. Items of
  GET /v3/tasks carry no clone_state (the SDK's CloneServerBrief: vm_id and name), so a listed task
  with a clone is read once more (GET /v3/tasks/{id}, the whole CloneServer). SMS keeps no
  address for it, so its address comes from ECS (ShowServer, ``GET /v1/{project_id}/cloudservers/{id}``
  through ``client.ecs_request``). ECS answering 404 means the clone was deleted: SMS keeps the
  task's clone_server record after that (INFERENCE), so such a clone is not listed. Any other
  ECS error is raised, naming the task: a listing is complete or an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import LAUNCHED_PHASES, task_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import get_task, has_brief_clone

KINDS = ("clone", "cutover")
# The clone_state of a clone that is ready (PREPARING and CREATING come before it, ERROR instead).
CLONE_READY = "FINISHED"
FIELDS = ("kind", "task_id", "task_name", "source_id", "source_name", "vm_id", "name", "ip")


def check_kinds(kinds):
    kinds = list(kinds)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise SmsInputError("kinds must name at least one of %s, got %s" % (", ".join(KINDS), ", ".join(map(str, kinds))))
    return kinds


def _dict(value):
    return value if isinstance(value, dict) else {}


def _text(value):
    return value if isinstance(value, str) and value != "" else None


def _target(kind, task, vm_id, name, ip):
    source = _dict(task.get("source_server"))
    return {"kind": kind, "task_id": task.get("id"), "task_name": task.get("name"), "source_id": source.get("id"),
            "source_name": source.get("name"), "vm_id": vm_id, "name": name, "ip": ip}


def cutover_target(task):
    """The cut-over target of ``task`` (a record of GET /v3/tasks), or None when it has none."""
    if task_phase(task) not in LAUNCHED_PHASES:
        return None
    target = _dict(task.get("target_server"))
    return _target("cutover", task, _text(target.get("vm_id")) or _text(target.get("id")), _text(target.get("name")),
                   _text(target.get("ip")))


def ready_clone(task):
    """The task's clone_server when the clone is ready (clone_state FINISHED, with a vm_id), else None."""
    clone = _dict(task.get("clone_server"))
    if clone.get("clone_state") != CLONE_READY or _text(clone.get("vm_id")) is None:
        return None
    return clone


def maybe_cloned(task):
    """Whether ``task`` may have a ready clone: clone_state FINISHED, or a clone whose state the
    listing does not tell (_tasks.has_brief_clone: GET /v3/tasks/{id} has it)."""
    return ready_clone(task) is not None or has_brief_clone(task)


def server_ipv4(server):
    """The first fixed IPv4 address of an ECS server (ShowServer's ``server``), networks in name
    order so the answer does not depend on the order of a JSON object; else the first IPv4, else None."""
    addresses = _dict(_dict(server).get("addresses"))
    found = []
    for network in sorted(addresses, key=str):
        for entry in addresses[network] if isinstance(addresses[network], list) else []:
            entry = _dict(entry)
            if _text(entry.get("addr")) and entry.get("version") in (4, "4"):
                found.append((entry.get("OS-EXT-IPS:type") != "fixed", entry["addr"]))
    return min(found, key=lambda item: item[0])[1] if found else None


def _clone_target(client, task):
    """The clone of ``task`` as a target; None when it is not ready, or ECS no longer has it (404)."""
    clone = ready_clone(task)
    if clone is None:
        # A listing item: the task itself tells the clone's state (a task deleted meanwhile has none).
        try:
            clone = ready_clone(get_task(client, task.get("id")))
        except SmsApiError as exc:
            if exc.status != 404:
                raise
        if clone is None:
            return None
    try:
        answer = client.ecs_request("GET", "/cloudservers/{0}", clone["vm_id"], expect="object")
    except SmsApiError as exc:
        if exc.status == 404:
            return None
        raise
    server = _dict(answer.get("server"))
    return _target("clone", task, clone["vm_id"], _text(server.get("name")) or _text(clone.get("name")),
                   server_ipv4(server))


def launched_targets(client, tasks, kinds=KINDS, workers=8):
    """The launched targets of ``tasks`` (records of one GET /v3/tasks listing): dicts with the keys
    of FIELDS, cut-over targets first, each kind in the order of ``tasks``. Only clones cost
    requests, up to ``workers`` at a time: GET /v3/tasks/{id} for a listing item, whose
    clone_server has no clone_state, and ECS ShowServer for each ready clone. Raises SmsError when
    a lookup fails other than with 404, naming the tasks."""
    kinds = check_kinds(kinds)
    tasks = [task for task in tasks if isinstance(task, dict)]
    targets = []
    if "cutover" in kinds:
        targets.extend(target for target in (cutover_target(task) for task in tasks) if target is not None)
    if "clone" in kinds:
        cloned = [task for task in tasks if maybe_cloned(task)]
        answers = each_concurrently(lambda task: _clone_target(client, task), cloned, workers)
        failed = [(task, answer) for task, answer in zip(cloned, answers) if isinstance(answer, SmsError)]
        if failed:
            first = failed[0][1]
            raise SmsError("could not look up the test clone of %d task(s): %s"
                           % (len(failed), "; ".join("task %s (%s), clone %s: %s" % (
                               task.get("id"), task.get("name"), task["clone_server"].get("vm_id"), answer)
                               for task, answer in failed[:5])),
                           **(first.fail_json_keywords() if len(failed) == 1 else {}))
        targets.extend(answer for answer in answers if answer is not None)
    return targets


def select_tasks(tasks, task_ids=None, name_prefix=None, source_names=None):
    """The same filters on task records, before any ECS lookup, so clones left out cost no request."""
    wanted_ids = set(task_ids) if task_ids else None
    wanted_sources = set(source_names) if source_names else None
    return [task for task in tasks if isinstance(task, dict)
            and (wanted_ids is None or task.get("id") in wanted_ids)
            and (not name_prefix or (task.get("name") if isinstance(task.get("name"), str) else "").startswith(name_prefix))
            and (wanted_sources is None or _dict(task.get("source_server")).get("name") in wanted_sources)]
