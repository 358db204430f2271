"""The API as a table: method + path pattern -> IAM action checked + handler.

Every handler lives at the end of the part it serves, next to that part's ``ROUTES`` rows; this
module joins them.  A handler gets a ``Call`` (the emulator, its store, the path parameters, the
query and the body) and returns (status, payload); payload is a JSON-able value or ready JSON
bytes.  Requests matching no row: 404 APIGW.0101, as the API gateway answers.
"""

import json

from . import (commands, ecs, errors, iam, migprojects, registration, source_updates, sources, task_actions, task_logs,
               task_settings, task_updates, tasks, templates)
from .auth import authorize
from .errors import ApiError


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


# Each part declares its handlers and its rows, ``(method, path pattern, IAM action, path parameter
# naming the resource, handler)``, as ``ROUTES`` at its end; this is the API in that order.
ROUTES = (iam.ROUTES + sources.ROUTES + registration.ROUTES + commands.ROUTES + tasks.ROUTES + task_actions.ROUTES
          + task_updates.ROUTES + task_logs.ROUTES + templates.ROUTES + migprojects.ROUTES + source_updates.ROUTES
          + task_settings.ROUTES + ecs.ROUTES)


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
    try:
        authorize(user, action, params[resource] if resource else "*")
    except ApiError as exc:
        if action.startswith("ecs:"):  # ECS answers in its own error shape (ecs.py)
            raise ecs.EcsError(exc.status, "Ecs.0003", "You do not have permission to perform this operation. "
                               + exc.extra["error_param"][0]) from exc
        raise
    return handler(Call(emulator, params, query, body, user))
