# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""SmsClient, the one client of the SMS v3 API that every module and the inventory plugin use,
and the endpoint calls that need more than one request. It composes the parts, each in its file:

- _config.py: the connection option table and its checks, the endpoints of a region;
- _auth.py (with _signer.py): AK/SK signing or token, the IAM project id lookup;
- _transport.py (with _retry.py's RetryPolicy and _answers.py): one request with retries;
- _listing.py: one page, or every record of a paged listing, complete or an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible_collections.hwcloud.sms.plugins.module_utils import _listing
from ansible_collections.hwcloud.sms.plugins.module_utils._auth import auth_for, iam_project_id
from ansible_collections.hwcloud.sms.plugins.module_utils._config import CONNECTION_OPTIONS, ConnectionConfig
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError
from ansible_collections.hwcloud.sms.plugins.module_utils._listing import PAGE_SIZE
from ansible_collections.hwcloud.sms.plugins.module_utils._retry import RetryPolicy
from ansible_collections.hwcloud.sms.plugins.module_utils._transport import HAS_REQUESTS, Transport

SOURCE_STATES = (
    "unavailable", "waiting", "initialize", "replicate", "syncing", "stopping", "stopped",
    "skipping", "deleting", "clearing", "cleared", "clearfailed", "premigready", "premiging",
    "premiged", "premigfailed", "cloning", "cutovering", "finished", "error",
)
MIGRATION_CYCLES = ("checking", "setting", "replicating", "syncing", "cutovering", "cutovered")

# Query parameters of GET /v3/sources a caller may filter on (limit/offset belong to paging):
# name -> "str", "bool" or the tuple of allowed values. Used by sms_source_info's argument
# spec, list_sources() and the sms_sources inventory plugin.
SOURCE_FILTERS = {
    "id": "str", "name": "str", "ip": "str", "ipv6": "str", "vm_id": "str", "migproject": "str",
    "enterprise_project_id": "str", "state": SOURCE_STATES, "migration_cycle": MIGRATION_CYCLES,
    "connected": "bool", "is_consistency_result_exist": "bool",
}

# Filters that split a source listing whose offsets would pass MAX_OFFSET, in order of use
# (list_sources asks the overview which states are worth a part).
_SOURCE_PARTITIONS = (
    ("connected", (True, False)),
    ("migration_cycle", MIGRATION_CYCLES),
    ("is_consistency_result_exist", (True, False)),
)

_MASK = "********"


class SmsClient:
    """AK/SK-signed (or token) JSON requests to SMS with retries, paging and error mapping."""

    def __init__(self, endpoint=None, region=None, access_key=None, secret_key=None, security_token=None,
                 project_id=None, iam_endpoint=None, auth_token=None, validate_certs=True, ca_path=None,
                 timeout=30, retries=5, ecs_endpoint=None):
        if not HAS_REQUESTS:
            raise SmsClientError("the Python library 'requests' is required")
        config = ConnectionConfig(
            endpoint=endpoint, region=region, access_key=access_key, secret_key=secret_key,
            security_token=security_token, project_id=project_id, iam_endpoint=iam_endpoint, auth_token=auth_token,
            validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, retries=retries,
            ecs_endpoint=ecs_endpoint)
        self.endpoint = config.endpoint
        self.region = config.region
        self.project_id = config.project_id
        self.iam_endpoint = config.iam_endpoint
        self.ecs_endpoint = config.ecs_endpoint
        self.timeout = config.timeout
        self.retries = config.retries
        self.verify = config.verify
        self._secrets = config.secrets()
        self._auth = auth_for(config)
        self._transport = Transport(self._auth, RetryPolicy(config.retries), config.verify, config.timeout)

    @classmethod
    def from_options(cls, get_option):
        """Build a client from options: ``get_option`` is module.params.get or plugin.get_option."""
        values = {}
        for name, option in CONNECTION_OPTIONS.items():
            value = get_option(name)
            values[name] = option.get("default") if value is None else value
        return cls(**values)

    @property
    def request_count(self):
        """HTTP requests sent so far (every attempt counts)."""
        return self._transport.request_count

    @staticmethod
    def path(template, *params):
        """Fill a path template; every parameter is fully percent-encoded so no value can
        add segments, a query or a fragment ('../tasks', 'a?b', 'a#b', 'a/b' stay one segment).
        '.', '..' and '' would still change the path's shape, so they are refused."""
        for param in params:
            if str(param) in ("", ".", ".."):
                raise SmsClientError("%r is not a valid id in an API path" % str(param))
        return template.format(*[quote(str(p), safe="") for p in params])

    def mask(self, value):
        """``value`` with every secret of this client replaced (texts, nested in dicts and lists)."""
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, _MASK)
            return value
        if isinstance(value, dict):
            return dict((self.mask(k), self.mask(v)) for k, v in value.items())
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        return value

    def _send(self, method, base_url, path, query=None, body=None, project_id=None, expect="any", attempts=None):
        """One request with retries; errors carry no secret (see mask)."""
        try:
            return self._transport.send(method, base_url, path, query, body, project_id, expect, attempts)
        except SmsApiError as exc:
            raise exc.masked(self.mask)
        except SmsClientError as exc:
            raise SmsClientError(self.mask(str(exc)))

    def _resolved_project_id(self):
        if self.project_id or not self.region or not self._auth.access_key:
            return self.project_id
        self.project_id = iam_project_id(
            lambda: self._send("GET", self.iam_endpoint, "/v3/projects", query={"name": self.region}, expect="object"),
            self.iam_endpoint, self._auth.access_key, self.region)
        return self.project_id

    # --- API -----------------------------------------------------------------------------

    def request(self, method, path, query=None, body=None, expect="any", attempts=None):
        """The answer of one SMS request: a JSON value, ``{}`` for an empty body. ``expect="object"``
        fails unless it is a JSON object; ``attempts`` (a list) collects each attempt's HTTP status
        (or "connection")."""
        return self._send(method.upper(), self.endpoint, path, query, body, self._resolved_project_id(), expect, attempts)

    def ecs_request(self, method, template, *params, **kwargs):
        """The answer of one ECS request, for the servers SMS launches (test clones and targets),
        which SMS itself cannot show or delete. ``template`` is the path after
        ``/v1/{project_id}`` with ``{0}``-style parameters; ``query``, ``body`` and ``expect`` as
        for request()."""
        project_id = self._resolved_project_id()
        if not self.ecs_endpoint or not project_id:
            raise SmsClientError("ECS requests need ecs_endpoint (or region) and project_id (or region)")
        path = self.path("/v1/{0}", project_id) + self.path(template, *params)
        return self._send(method.upper(), self.ecs_endpoint, path, kwargs.get("query"), kwargs.get("body"),
                          project_id, kwargs.get("expect", "any"))

    def get_source(self, server_id):
        return self.request("GET", self.path("/v3/sources/{0}", server_id), expect="object")

    def get_command(self, server_id):
        return self.request("GET", self.path("/v3/sources/{0}/command", server_id), expect="object")

    def command_result_request(self, server_id, command_name, result, result_detail):
        """(method, path, body) of a command result report; check mode shows exactly this."""
        body = {"command_name": command_name, "result": result, "result_detail": result_detail}
        return "POST", self.path("/v3/sources/{0}/command_result", server_id), body

    def report_command_result(self, server_id, command_name, result, result_detail):
        """Send a command result once. A gateway may answer 5xx after SMS recorded a report, and
        the repeat is then refused with SMS.2009 (not the pending command): when that follows a
        retried 5xx or lost answer and the command is no longer pending, the first report
        was applied, and its answer is ``{}``."""
        method, path, body = self.command_result_request(server_id, command_name, result, result_detail)
        attempts = []
        try:
            return self.request(method, path, body=body, attempts=attempts)
        except SmsApiError as exc:
            maybe_applied = any(a == "connection" or (isinstance(a, int) and a >= 500) for a in attempts[:-1])
            if exc.error_code != "SMS.2009" or not maybe_applied:
                raise
            pending = command_name_of(self.get_command(server_id))
            if pending == command_name:
                raise
            return {}

    def list_page(self, path, items_key, query=None, limit=PAGE_SIZE, offset=0):
        """(count, records) of one page of a listing (_listing.list_page)."""
        return _listing.list_page(self.request, path, items_key, query, limit, offset)

    def list_all(self, path, items_key, query=None, workers=1, partitions=(), page_size=PAGE_SIZE, id_key="id"):  # pylint: disable=too-many-arguments
        """(count, records) of every record of a paged listing, complete or an error
        (_listing.list_all), pages fetched by up to ``workers`` threads."""
        self._transport.reserve_connections(max(1, workers))
        return _listing.list_all(self.request, path, items_key, query, workers, partitions, page_size, id_key)

    def list_sources(self, query=None, limit=None, offset=None, workers=1):
        """(count, records) of GET /v3/sources. With limit/offset: that one page. Without:
        every matching record (see list_all)."""
        unknown = sorted(set(query or {}) - set(SOURCE_FILTERS))
        if unknown:
            raise SmsClientError("GET /v3/sources has no filter %s; it filters on %s"
                                 % (", ".join(unknown), ", ".join(sorted(SOURCE_FILTERS))))
        if limit is not None or offset is not None:
            return self.list_page("/v3/sources", "source_servers", query,
                                  limit if limit is not None else PAGE_SIZE, offset or 0)
        partitions = [("state", self._states_with_sources)] + list(_SOURCE_PARTITIONS)
        return self.list_all("/v3/sources", "source_servers", query, workers, partitions)

    def _states_with_sources(self):
        """Source states worth a partition: every state except those GET /v3/sources/overview
        counts as empty (it counts the whole fleet, so a state it counts 0 is empty under any filter)."""
        overview = self.request("GET", "/v3/sources/overview", expect="object")
        return [state for state in SOURCE_STATES if not _is_zero(overview.get(state))]


def _is_zero(value):
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def command_name_of(answer):
    """The queued command's name in a GET .../command answer, or None when SMS has nothing."""
    if not isinstance(answer, dict):
        return None
    name = answer.get("command_name")
    if isinstance(name, str) and name.strip():
        return name
    return None
