# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client for the SMS v3 API, shared by every module and the inventory plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible_collections.hwcloud.sms.plugins.module_utils import _signer

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import ConnectTimeoutError
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "hwcloud.sms-ansible/%s" % COLLECTION_VERSION

# Documented limits of GET /v3/sources.
PAGE_SIZE = 200
MAX_OFFSET = 65535

SOURCE_STATES = (
    "unavailable", "waiting", "initialize", "replicate", "syncing", "stopping", "stopped",
    "skipping", "deleting", "clearing", "cleared", "clearfailed", "premigready", "premiging",
    "premiged", "premigfailed", "cloning", "cutovering", "finished", "error",
)
MIGRATION_CYCLES = ("checking", "setting", "replicating", "syncing", "cutovering", "cutovered")

# Filters used to split a listing whose offsets would pass MAX_OFFSET, in order of use.
_PARTITIONS = (
    ("state", SOURCE_STATES),
    ("connected", (True, False)),
    ("migration_cycle", MIGRATION_CYCLES),
    ("is_consistency_result_exist", (True, False)),
)

# Option name -> environment variables, in order of precedence. The docs fragment and the
# module argument spec are generated from this table so the names cannot drift apart.
CONNECTION_ENV = {
    "endpoint": ("HUAWEICLOUD_SMS_ENDPOINT",),
    "region": ("HUAWEICLOUD_REGION",),
    "access_key": ("HUAWEICLOUD_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"),
    "secret_key": ("HUAWEICLOUD_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"),
    "security_token": ("HUAWEICLOUD_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    "project_id": ("HUAWEICLOUD_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
    "iam_endpoint": ("HUAWEICLOUD_IAM_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT"),
    "auth_token": ("HUAWEICLOUD_AUTH_TOKEN",),
    "validate_certs": (),
    "ca_path": (),
    "timeout": (),
    "retries": (),
}
CONNECTION_OPTIONS = tuple(CONNECTION_ENV)
SECRET_OPTIONS = ("secret_key", "security_token", "auth_token")

# The SDK's region table has one endpoint that does not follow the sms.<region> pattern.
_ENDPOINT_EXCEPTIONS = {"ru-moscow-1": "https://sms-api.ru-moscow-1.myhuaweicloud.com"}
_REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")

_project_id_cache = {}
_project_id_lock = threading.Lock()


class SmsClientError(Exception):
    """A problem on our side of the wire: bad configuration, unreachable endpoint."""


class SmsApiError(Exception):
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
        super(SmsApiError, self).__init__(
            "%s %s failed: HTTP %s %s: %s (request id: %s)"
            % (method, url, status, error_code, error_msg, request_id or "none"))

    @classmethod
    def from_response(cls, method, url, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        code, message = _find_error_fields(body) if isinstance(body, dict) else (None, None)
        request_id = response.headers.get("X-Request-Id")
        if not request_id and isinstance(body, dict):
            request_id = body.get("request_id")
        return cls(
            method, url, response.status_code,
            error_code=code or str(response.status_code),
            error_msg=message if message is not None else response.text,
            request_id=request_id,
            encoded_authorization_message=body.get("encoded_authorization_message") if isinstance(body, dict) else None,
            body=body if body is not None else response.text,
        )

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


def _never_reached_server(exc):
    """True when a connection error happened before any byte of the request was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError subclass.
    return isinstance(reason, ConnectTimeoutError)


def _retry_after_seconds(response):
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff


def unique_by_id(records):
    """Each source once, the first copy winning: pages can overlap while the fleet changes."""
    unique = {}
    for record in records:
        unique.setdefault(record.get("id"), record)
    return list(unique.values())


def sms_endpoint(region):
    return _ENDPOINT_EXCEPTIONS.get(region, "https://sms.%s.myhuaweicloud.com" % region)


def iam_endpoint_for(region):
    return "https://iam.%s.myhuaweicloud.com" % region


def _check_url(option, value):
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SmsClientError("%s must be an http:// or https:// URL with a host, got %r" % (option, value))
    return value.rstrip("/")


class SmsClient:
    """AK/SK-signed (or token) JSON requests to SMS with retries, paging and error mapping."""

    backoff_base = 0.5
    backoff_cap = 20.0
    retry_after_cap = 60.0

    def __init__(self, endpoint=None, region=None, access_key=None, secret_key=None, security_token=None,
                 project_id=None, iam_endpoint=None, auth_token=None, validate_certs=True, ca_path=None,
                 timeout=30, retries=5):
        if not HAS_REQUESTS:
            raise SmsClientError("the Python library 'requests' is required")
        if region and not _REGION_RE.match(region):
            raise SmsClientError("region must look like 'ap-southeast-3', got %r" % region)
        if endpoint:
            self.endpoint = _check_url("endpoint", endpoint)
        elif region:
            self.endpoint = sms_endpoint(region)
        else:
            raise SmsClientError("one of endpoint or region is required (or set HUAWEICLOUD_SMS_ENDPOINT / HUAWEICLOUD_REGION)")
        if bool(access_key) != bool(secret_key):
            missing = "secret_key" if access_key else "access_key"
            raise SmsClientError("access_key and secret_key must be given together; %s is missing" % missing)
        if not access_key and not auth_token:
            raise SmsClientError("credentials are required: access_key and secret_key, or auth_token")
        if security_token and not access_key:
            raise SmsClientError("security_token is only used with a temporary access_key and secret_key")
        if timeout is None or timeout <= 0:
            raise SmsClientError("timeout must be a positive number of seconds, got %r" % timeout)
        if retries is None or not 0 <= retries <= 10:
            raise SmsClientError("retries must be between 0 and 10, got %r" % retries)
        self.region = region
        self._access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token
        self._auth_token = auth_token
        self.project_id = project_id
        self.iam_endpoint = _check_url("iam_endpoint", iam_endpoint) if iam_endpoint else (iam_endpoint_for(region) if region else None)
        self.timeout = timeout
        self.retries = retries
        self.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        self.request_count = 0
        self._count_lock = threading.Lock()
        self._session = requests.Session()
        self._pool_size = 10
        self._mount_adapter(self._pool_size)

    @classmethod
    def from_options(cls, get_option):
        """Build a client from options: ``get_option`` is module.params.get or plugin.get_option."""
        values = dict((name, get_option(name)) for name in CONNECTION_OPTIONS)
        if values["validate_certs"] is None:
            values["validate_certs"] = True
        if values["timeout"] is None:
            values["timeout"] = 30
        if values["retries"] is None:
            values["retries"] = 5
        return cls(**values)

    def _mount_adapter(self, size):
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # --- low level -------------------------------------------------------------------

    @staticmethod
    def path(template, *params):
        """Fill a path template; every parameter is fully percent-encoded so no value can
        add segments, a query or a fragment ('../tasks', 'a?b', 'a#b', 'a/b' stay one segment)."""
        return template.format(*[quote(str(p), safe="") for p in params])

    def _headers(self, method, base_url, path, query_string, body_bytes, project_id):
        headers = {"Content-Type": "application/json", "Host": urlsplit(base_url).netloc}
        if self._auth_token and not self._access_key:
            headers["X-Auth-Token"] = self._auth_token
            if project_id:
                headers["X-Project-Id"] = project_id
            return headers
        headers["X-Sdk-Date"] = _signer.sdk_date()
        if project_id:
            headers["X-Project-Id"] = project_id
        if self._security_token:
            headers["X-Security-Token"] = self._security_token
        headers["Authorization"] = _signer.authorization(
            self._access_key, self._secret_key, method, path, query_string, headers, body_bytes)
        return headers

    def _sleep_before_retry(self, attempt, response=None):
        delay = _retry_after_seconds(response) if response is not None else None
        if delay is None:
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * (2 ** attempt)))
        time.sleep(min(delay, self.retry_after_cap))

    def _send(self, method, base_url, path, query=None, body=None, project_id=None):
        query_string = _signer.canonical_query(query)
        url = base_url + path + ("?" + query_string if query_string else "")
        body_bytes = json.dumps(body).encode("utf-8") if body is not None else b""
        idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        attempt = 0
        while True:
            headers = self._headers(method, base_url, path, query_string, body_bytes, project_id)
            headers["User-Agent"] = USER_AGENT
            with self._count_lock:
                self.request_count += 1
            try:
                response = self._session.request(method, url, data=body_bytes or None, headers=headers,
                                                 timeout=self.timeout, verify=self.verify, allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                raise SmsClientError("TLS error talking to %s: %s" % (base_url, exc.__class__.__name__))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt < self.retries and (idempotent or _never_reached_server(exc)):
                    self._sleep_before_retry(attempt)
                    attempt += 1
                    continue
                raise SmsClientError("%s %s failed after %d attempt(s): %s" % (method, url, attempt + 1, _describe(exc)))
            status = response.status_code
            retryable = status == 429 or (status >= 500 and (idempotent or status == 503))
            if retryable and attempt < self.retries:
                self._sleep_before_retry(attempt, response)
                attempt += 1
                continue
            if status >= 400:
                raise SmsApiError.from_response(method, url, response)
            if not response.content:
                return {}
            try:
                return response.json()
            except ValueError:
                return response.text

    # --- project id (the SDK's IAM lookup) ---------------------------------------------

    def _resolved_project_id(self):
        if self.project_id or not self.region or not self._access_key:
            return self.project_id
        key = (self.iam_endpoint, self._access_key, self.region)
        with _project_id_lock:
            if key not in _project_id_cache:
                answer = self._send("GET", self.iam_endpoint, "/v3/projects", query={"name": self.region})
                projects = answer.get("projects") if isinstance(answer, dict) else None
                if not projects:
                    raise SmsClientError(
                        "IAM at %s knows no project named %r; set project_id explicitly" % (self.iam_endpoint, self.region))
                _project_id_cache[key] = projects[0]["id"]
            self.project_id = _project_id_cache[key]
        return self.project_id

    # --- API -----------------------------------------------------------------------------

    def request(self, method, path, query=None, body=None):
        return self._send(method.upper(), self.endpoint, path, query, body, self._resolved_project_id())

    def get_source(self, server_id):
        return self.request("GET", self.path("/v3/sources/{0}", server_id))

    def get_command(self, server_id):
        return self.request("GET", self.path("/v3/sources/{0}/command", server_id))

    def command_result_request(self, server_id, command_name, result, result_detail):
        """(method, path, body) of a command result report; check mode shows exactly this."""
        body = {"command_name": command_name, "result": result, "result_detail": result_detail}
        return "POST", self.path("/v3/sources/{0}/command_result", server_id), body

    def report_command_result(self, server_id, command_name, result, result_detail):
        method, path, body = self.command_result_request(server_id, command_name, result, result_detail)
        return self.request(method, path, body=body)

    def list_sources_page(self, query, limit, offset):
        params = dict(query or {})
        params.update(limit=limit, offset=offset)
        answer = self.request("GET", "/v3/sources", query=params)
        return answer.get("count", 0), answer.get("source_servers") or []

    def list_sources(self, query=None, limit=None, offset=None, workers=1):
        """(count, records) of GET /v3/sources. With limit/offset: that one page. Without:
        every matching record, pages 2..N fetched by up to ``workers`` threads."""
        query = dict((k, v) for k, v in (query or {}).items() if v is not None)
        if limit is not None or offset is not None:
            return self.list_sources_page(query, limit if limit is not None else PAGE_SIZE, offset or 0)
        if workers > self._pool_size:
            self._pool_size = workers
            self._mount_adapter(workers)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            count, records = self._list_everything(query, pool)
        return count, unique_by_id(records)

    def _list_everything(self, query, pool):
        count, first_page = self.list_sources_page(query, PAGE_SIZE, 0)
        if count <= len(first_page):
            return count, first_page
        if count <= MAX_OFFSET + PAGE_SIZE:
            offsets = range(PAGE_SIZE, count, PAGE_SIZE)
            pages = pool.map(lambda offset: self.list_sources_page(query, PAGE_SIZE, offset)[1], offsets)
            records = list(first_page)
            for page in pages:
                records.extend(page)
            return count, records
        return count, self._list_partitioned(query, count, pool)

    def _list_partitioned(self, query, count, pool):
        # Offsets stop at 65535, so a larger listing is split by a filter the caller did not
        # set; the parts must add up to the total or some record would silently be missing.
        for name, values in _PARTITIONS:
            if name in query:
                continue
            records, covered = [], 0
            for value in values:
                part_query = dict(query)
                part_query[name] = value
                part_count, part_records = self._list_everything(part_query, pool)
                covered += part_count
                records.extend(part_records)
            if covered != count:
                raise SmsClientError(
                    "cannot list all %d source servers: the API pages only up to offset %d, and splitting the "
                    "query by %s covers %d of them; narrow the query with more filters" % (count, MAX_OFFSET, name, covered))
            return records
        raise SmsClientError(
            "cannot list all %d source servers: more than the API can page through (offset %d) even with "
            "every partitioning filter set; narrow the query" % (count, MAX_OFFSET))


def _describe(exc):
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return "%s (%s)" % (exc.__class__.__name__, reason)
