"""The API as a table: method + path pattern -> IAM action checked + handler.

A handler gets a ``Call`` (the emulator, its store, the path parameters, the query and the
body) and returns (status, payload); payload is a JSON-able value or ready JSON bytes.
Requests matching no row: 404 APIGW.0101, as the API gateway answers.
"""

import json

from . import errors, migprojects, source_updates, sources, task_settings, tasks, templates
from .auth import authorize
from .errors import ApiError, not_found
from .shapes import shape


class Call:
    """One routed API request."""

    def __init__(self, emulator, params, query, body, user):
        self.emulator = emulator
        self.store = emulator.store
        self.params = params
        self.query = query
        self.body = body
        self.user = user

    def json(self, code=errors.INVALID_PARAMETER):
        """The body as a JSON object, else 400 ``code``."""
        try:
            value = json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, code, "The request body is not valid JSON") from exc
        if not isinstance(value, dict):
            raise ApiError(400, code, "The request body must be a JSON object")
        return value


# ----------------------------------------------------------------- handlers
def list_projects(call):
    emulator = call.emulator
    name = call.query.get("name")
    if name and name != emulator.region:
        return 200, {"projects": [], "links": {"self": None}}
    return 200, {"projects": [{"id": emulator.project_id, "name": emulator.region, "domain_id": emulator.domain_id,
                               "enabled": True, "is_domain": False, "parent_id": emulator.domain_id,
                               "description": "", "links": {}}],
                 "links": {"self": None}}


def list_sources(call):
    filters, limit, offset = sources.validate_list_query(call.query)
    _count, text = call.store.query_sources_json(filters, limit, offset)
    return 200, text.encode("utf-8")


def register_source(call):
    source_id, _created = call.store.register_source(call.json())
    return 200, {"id": source_id}


def sources_overview(call):
    return 200, call.store.overview()


def show_source(call):
    source = call.store.get_source(call.params["source_id"])
    if source is None:
        raise not_found("source server", call.params["source_id"])
    return 200, shape(source, "ShowServerResponse")


def delete_source(call):
    call.store.delete_source(call.params["source_id"])
    return 200, {}


def show_command(call):
    return 200, call.store.poll_command(call.params["source_id"])


def command_result(call):
    call.store.report_command_result(call.params["source_id"], call.json(code="SMS.6022"))
    return 200, {}


def change_state(call):
    call.store.change_state(call.params["source_id"], call.json())
    return 200, {}


def create_task(call):
    return 200, {"id": call.store.create_task(call.json(), fill_defaults=False)}


def list_tasks(call):
    count, found = call.store.list_tasks(**tasks.validate_list_query(call.query))
    return 200, {"count": count, "tasks": shape(found, "TasksResponseBody")}


def show_task(call):
    task = call.store.get_task(call.params["task_id"])
    if task is None:
        raise not_found("task", call.params["task_id"])
    return 200, shape(task, "ShowTaskResponse")


def delete_task(call):
    call.store.delete_task(call.params["task_id"])
    return 200, {}


def task_action(call):
    request = call.json()
    tasks.validate_action_body(request)
    call.store.task_action(call.params["task_id"], request["operation"], request)
    return 200, {}


# method, path pattern, IAM action, path parameter naming the resource, handler
ROUTES = (
    ("GET", "/v3/projects", "iam:projects:listProjects", None, list_projects),
    ("GET", "/v3/sources", "sms:server:list", None, list_sources),
    ("POST", "/v3/sources", "sms:server:register", None, register_source),
    ("GET", "/v3/sources/overview", "sms:server:list", None, sources_overview),
    ("GET", "/v3/sources/{source_id}", "sms:server:get", "source_id", show_source),
    ("DELETE", "/v3/sources/{source_id}", "sms:server:delete", "source_id", delete_source),
    ("GET", "/v3/sources/{source_id}/command", "sms:server:getCommand", "source_id", show_command),
    ("POST", "/v3/sources/{source_id}/command_result", "sms:server:updateCommandResult", "source_id", command_result),
    ("PUT", "/v3/sources/{source_id}/changestate", "sms:server:updateCopyState", "source_id", change_state),
    ("POST", "/v3/tasks", "sms:task:create", None, create_task),
    ("GET", "/v3/tasks", "sms:task:list", None, list_tasks),
    ("GET", "/v3/tasks/{task_id}", "sms:task:get", "task_id", show_task),
    ("DELETE", "/v3/tasks/{task_id}", "sms:task:delete", "task_id", delete_task),
    ("POST", "/v3/tasks/{task_id}/action", "sms:task:updateStatus", "task_id", task_action),
) + templates.ROUTES + migprojects.ROUTES + source_updates.ROUTES + task_settings.ROUTES


class RouteTable:
    """First matching row wins; ``{name}`` matches one (percent-decoded) path segment."""

    def __init__(self, rows):
        self.rows = [(method, tuple(pattern.strip("/").split("/")), action, resource, handler)
                     for method, pattern, action, resource, handler in rows]

    def match(self, method, segments):
        """(row, path parameters) or (None, None)."""
        if len(segments) > 1 and segments[-1] == "":
            collection = list(segments[:-1])  # "/v3/sources/" is the collection
        else:
            collection = None
        for row in self.rows:
            if row[0] != method:
                continue
            pattern = row[1]
            candidate = segments
            if collection is not None and not any(part.startswith("{") for part in pattern):
                candidate = collection
            params = _bind(pattern, candidate)
            if params is not None:
                return row, params
        return None, None


def _bind(pattern, segments):
    if len(pattern) != len(segments):
        return None
    params = {}
    for part, segment in zip(pattern, segments):
        if part.startswith("{"):
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params


API = RouteTable(ROUTES)


def dispatch(emulator, method, segments, query, body, user, table=API):
    """Authorize and run the handler of a request; raise ApiError for the answer otherwise."""
    row, params = table.match(method, segments)
    if row is None:
        raise errors.no_api()
    _method, _pattern, action, resource, handler = row
    authorize(user, action, params[resource] if resource else "*")
    return handler(Call(emulator, params, query, body, user))
