# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Reading migration tasks cheaply: the tasks named by ID (TaskReader), every task of a query
(list_tasks), the newest task of each source server (tasks_of_sources). Every call goes through
the one client (``SmsClient``) given as the first argument."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import task_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import api_number

# Documented limits of GET /v3/tasks (ListTasks: limit 0-200, offset 0-65535).
TASK_PAGE_SIZE = 200


def task_path(client, task_id, suffix=""):
    """The API path of a task (``suffix``: "/action" ...), the ID quoted by the client."""
    return client.path("/v3/tasks/{0}" + suffix, task_id)


def get_task(client, task_id):
    return client.request("GET", task_path(client, task_id), expect="object")


def list_tasks_page(client, query, offset):
    """(count, tasks) of one page of GET /v3/tasks, the answer's shape checked by the client."""
    return client.list_page("/v3/tasks", "tasks", query, TASK_PAGE_SIZE, offset)


def list_tasks(client, query=None, workers=4):
    """Every task matching ``query`` (GET /v3/tasks), complete or an error (the client's list_all)."""
    return client.list_all("/v3/tasks", "tasks", query, workers)[1]


def has_brief_clone(record):
    """Whether a listed task has a test clone whose state the listing does not tell: GET /v3/tasks
    gives the SDK's CloneServerBrief (vm_id, name), GET /v3/tasks/{id} its CloneServer (with
    clone_state, clone_error, error_msg)."""
    clone = record.get("clone_server") if isinstance(record, dict) else None
    return isinstance(clone, dict) and "clone_state" not in clone and any(value is not None for value in clone.values())


def clone_state_decides(record):
    """Whether the phase of a listed task hangs on its test clone's clone_state, which only GET
    /v3/tasks/{id} gives: the task has a clone and would be syncing or replicated without it. A
    launch, a clone being made (source state cloning) and a drill decide the phase from the listing
    alone, so a wave's tasks that were cloned once cost no extra request once they are launched."""
    return has_brief_clone(record) and task_phase(dict(record, clone_server=None)) in ("syncing", "replicated")


def complete_clone_servers(client, records, workers=8):
    """``records`` (of GET /v3/tasks), each task whose phase hangs on its test clone
    (clone_state_decides) given the clone_server of GET /v3/tasks/{id}, which has the clone_state
    (cloned or not); one request per such task only, ``workers`` at a time. The rest of the listed
    record is kept (the listing has fields GET /v3/tasks/{id} has not, e.g. log_collect_status). A
    task gone meanwhile keeps its listed record."""
    records = list(records)
    deciding = [index for index, record in enumerate(records) if clone_state_decides(record)]
    answers = each_concurrently(lambda index: get_task(client, records[index]["id"]), deciding, workers)
    completed = list(records)
    for index, answer in zip(deciding, answers):
        if isinstance(answer, SmsApiError) and answer.status == 404:
            continue
        if isinstance(answer, Exception):
            raise answer
        completed[index] = dict(records[index], clone_server=answer.get("clone_server"))
    return completed


class TaskReader:
    """Reads a given set of tasks at the lower price of one paged listing of every task and one
    GET per task, learning the size of the listing from its first page. ``listed``: read a single
    task from the listing (GET /v3/tasks?id=...) instead of GET /v3/tasks/{id}, for the fields only
    the listing has (log_collect_status)."""

    def __init__(self, client, query=None, listed=False):
        self.client = client
        self.query = dict((k, v) for k, v in (query or {}).items() if v is not None)
        self.listed = listed
        self.total = None  # tasks in the listing, once one page has told us

    def _listing_pages(self):
        return -(-self.total // TASK_PAGE_SIZE) if self.total is not None else None

    def read(self, task_ids):
        """{task_id: record or None (gone)} for ``task_ids``."""
        wanted = list(dict.fromkeys(task_ids))
        if not wanted:
            return {}
        pages = self._listing_pages()
        if len(wanted) == 1 or (pages is not None and len(wanted) <= pages):
            return self._read_one_by_one(wanted)
        found = {}
        count, page = list_tasks_page(self.client, self.query, 0)
        self.total = count
        self._keep(found, page, wanted)
        offset = len(page)
        while offset < count and page and len(found) < len(wanted):
            missing = [task_id for task_id in wanted if task_id not in found]
            if len(missing) <= -(-(count - offset) // TASK_PAGE_SIZE):
                found.update(self._read_one_by_one(missing))
                return self._with_clone_states(found)
            _count, page = list_tasks_page(self.client, self.query, offset)
            self._keep(found, page, wanted)
            offset += len(page)
        missing = [task_id for task_id in wanted if task_id not in found]
        if missing:
            # Tasks created meanwhile shift the listing's offsets: read the rest one by one.
            found.update(self._read_one_by_one(missing))
        return self._with_clone_states(found)

    def _with_clone_states(self, found):
        listed = [task_id for task_id, record in found.items() if clone_state_decides(record)]
        for task_id, record in zip(listed, complete_clone_servers(self.client, [found[task_id] for task_id in listed])):
            found[task_id] = record
        return found

    @staticmethod
    def _keep(found, page, wanted):
        wanted_set = set(wanted)
        for task in page:
            if isinstance(task.get("id"), str) and task["id"] in wanted_set:
                found.setdefault(task["id"], task)

    def _read_one_by_one(self, task_ids):
        found = {}
        for task_id in task_ids:
            if self.listed:
                page = list_tasks_page(self.client, dict(self.query, id=task_id), 0)[1]
                found[task_id] = next((task for task in page if task.get("id") == task_id), None)
                continue
            try:
                found[task_id] = get_task(self.client, task_id)
            except SmsApiError as exc:
                if exc.status != 404:
                    raise
                found[task_id] = None
        return found


def tasks_of_sources(client, source_ids):
    """{source_id: its newest task or None}, at the lower price of one complete listing of every
    task and one filtered listing per source. A missed task would mean a second task for a
    source, so only complete listings count."""
    wanted = list(dict.fromkeys(source_ids))
    found = {}
    if len(wanted) > 1:
        count, _page = list_tasks_page(client, {}, 0)
        if -(-count // TASK_PAGE_SIZE) <= len(wanted):
            _keep_newest(found, list_tasks(client), set(wanted))
            return _newest_with_clone_states(client, found, wanted)
    for source_id in wanted:
        _keep_newest(found, list_tasks(client, {"source_server_id": source_id}, workers=1), {source_id})
    return _newest_with_clone_states(client, found, wanted)


def _newest_with_clone_states(client, found, wanted):
    newest = [found.get(source_id) for source_id in wanted]
    completed = complete_clone_servers(client, [record for record in newest if record is not None])
    by_id = dict((record["id"], record) for record in completed if isinstance(record.get("id"), str))
    return dict((source_id, by_id.get(record["id"], record) if record is not None else None)
                for source_id, record in zip(wanted, newest))


def _keep_newest(found, tasks, wanted):
    for task in tasks:
        source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
        source_id = source.get("id")
        if not isinstance(source_id, str) or source_id not in wanted:
            continue
        known = found.get(source_id)
        if known is None or (api_number(task.get("create_date")) or 0) > (api_number(known.get("create_date")) or 0):
            found[source_id] = task


def matching_tasks(tasks, name=None, state=None, source_id=None, enterprise_project_id=None):
    """The tasks that match the filters of GET /v3/tasks (name: a part of the task's name), for
    tasks read by ID, which the listing's filters did not select."""
    def keep(task):
        source = task.get("source_server") if isinstance(task.get("source_server"), dict) else {}
        return ((not name or name in str(task.get("name")))
                and (not state or task.get("state") == state)
                and (not source_id or source.get("id") == source_id)
                and (not enterprise_project_id or task.get("enterprise_project_id") == enterprise_project_id))
    return [task for task in tasks if keep(task)]
