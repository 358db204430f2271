# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The one HTTP client for the SMS v3 API, shared by every module and the inventory plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json
import os
import random
import re
import threading
import time
import traceback
import zlib
from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible_collections.hwcloud.sms.plugins.module_utils import _signer
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError, _echo, _json_or_none

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from requests.utils import get_environ_proxies
    from urllib3.exceptions import ConnectTimeoutError
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

# Must equal galaxy.yml's version (tests/unit/module_utils/test_options.py checks it).
COLLECTION_VERSION = "1.0.0"
USER_AGENT = "hwcloud.sms-ansible/%s" % COLLECTION_VERSION

# Documented limits of GET /v3/sources (and /v3/tasks).
PAGE_SIZE = 200
MAX_OFFSET = 65535
# list_all's pages overlap by one record, which proves nothing moved across their boundary between reads.
LISTING_ATTEMPTS = 3

SOURCE_STATES = (
    "unavailable", "waiting", "initialize", "replicate", "syncing", "stopping", "stopped",
    "skipping", "deleting", "clearing", "cleared", "clearfailed", "premigready", "premiging",
    "premiged", "premigfailed", "cloning", "cutovering", "finished", "error",
)
MIGRATION_CYCLES = ("checking", "setting", "replicating", "syncing", "cutovering", "cutovered")

# Filters used to split a source listing whose offsets would pass MAX_OFFSET, in order of use.
_PARTITIONS = (
    ("state", SOURCE_STATES),
    ("connected", (True, False)),
    ("migration_cycle", MIGRATION_CYCLES),
    ("is_consistency_result_exist", (True, False)),
)

# The connection options of every module and of the inventory plugin, once: Ansible type,
# default, environment variables (in order of precedence) and whether the value is a secret.
# The module argument spec (_base.sms_argument_spec) and from_options() are built from it; the
# docs fragment (plugins/doc_fragments/sms.py) must repeat it as text, and a unit test
# (tests/unit/module_utils/test_options.py) fails when the two differ.
CONNECTION_OPTIONS = {
    "endpoint": dict(type="str", env=("HUAWEICLOUD_SMS_ENDPOINT",)),
    "region": dict(type="str", env=("HUAWEICLOUD_REGION",)),
    "access_key": dict(type="str", env=("HUAWEICLOUD_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK")),
    "secret_key": dict(type="str", secret=True, env=("HUAWEICLOUD_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK")),
    "security_token": dict(type="str", secret=True, env=("HUAWEICLOUD_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN")),
    "project_id": dict(type="str", env=("HUAWEICLOUD_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID")),
    "iam_endpoint": dict(type="str", env=("HUAWEICLOUD_IAM_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT")),
    "auth_token": dict(type="str", secret=True, env=("HUAWEICLOUD_AUTH_TOKEN",)),
    "validate_certs": dict(type="bool", default=True),
    "ca_path": dict(type="path"),
    "timeout": dict(type="int", default=30),
    "retries": dict(type="int", default=5),
}
CONNECTION_ENV = dict((name, option.get("env", ())) for name, option in CONNECTION_OPTIONS.items())
SECRET_OPTIONS = tuple(name for name, option in CONNECTION_OPTIONS.items() if option.get("secret"))

# Query parameters of GET /v3/sources a caller may filter on (limit/offset belong to paging):
# name -> "str", "bool" or the tuple of allowed values. Used by sms_source_info's argument
# spec, list_sources() and the sms_sources inventory plugin.
SOURCE_FILTERS = {
    "id": "str", "name": "str", "ip": "str", "ipv6": "str", "vm_id": "str", "migproject": "str",
    "enterprise_project_id": "str", "state": SOURCE_STATES, "migration_cycle": MIGRATION_CYCLES,
    "connected": "bool", "is_consistency_result_exist": "bool",
}

# The SDK's region table has one endpoint that does not follow the sms.<region> pattern.
_ENDPOINT_EXCEPTIONS = {"ru-moscow-1": "https://sms-api.ru-moscow-1.myhuaweicloud.com"}
_REGION_RE = re.compile(r"\A[a-z]{2,}(-[a-z0-9]+)+\Z")
# Values sent in headers (or, for secret_key, signing them): visible ASCII only, so a pasted
# line break fails here with the option's name instead of inside requests with the value.
_HEADER_VALUE_RE = re.compile(r"\A[\x21-\x7e]+\Z")
_HEADER_OPTIONS = ("access_key", "secret_key", "security_token", "auth_token", "project_id")

# The largest answer read, and how much of an error answer is echoed in an error.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
# All waits between the attempts of one request together (Retry-After included).
MAX_RETRY_WAIT = 60.0
_MASK = "********"

_project_id_cache = {}
_project_id_lock = threading.Lock()


def _never_reached_server(exc):
    """True when a connection error happened before any byte of the request was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError subclass.
    return isinstance(reason, ConnectTimeoutError)


def _retry_after_seconds(headers):
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff


def unique_by_id(records, id_key="id"):
    """Each record once (by its ``id_key`` field), the first copy winning: pages overlap."""
    unique = {}
    for record in records:
        unique.setdefault(record.get(id_key), record)
    return list(unique.values())


def sms_endpoint(region):
    return _ENDPOINT_EXCEPTIONS.get(region, "https://sms.%s.myhuaweicloud.com" % region)


def iam_endpoint_for(region):
    return "https://iam.%s.myhuaweicloud.com" % region


def _without_userinfo(url):
    """``url`` with anything up to an '@' of its authority shown as ***, for error messages: a
    user:password@ must never be echoed, whatever else is wrong with the URL."""
    return re.sub(r"[^/?#]*@", "***@", url, count=1)


def _check_url(option, value):
    try:
        parts = urlsplit(value)
        port = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise SmsClientError("%s must be an http:// or https:// URL with a host, got %r (%s)"
                             % (option, _without_userinfo(value), exc))
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise SmsClientError("%s must be an http:// or https:// URL with a host, got %r"
                             % (option, _without_userinfo(value)))
    if "@" in parts.netloc:
        # requests would turn user:password@ into Basic auth and drop the signed Authorization.
        raise SmsClientError("%s must not hold a user name or password (user:password@host); "
                             "credentials go in access_key/secret_key or auth_token" % option)
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        raise SmsClientError("%s must be a plain URL without query, fragment or white space, got %r" % (option, value))
    return value.rstrip("/")


def _check_header_values(values):
    for name in _HEADER_OPTIONS:
        value = values.get(name)
        if value and not _HEADER_VALUE_RE.match(value):
            # Never the value: it may be a secret.
            raise SmsClientError("%s must be printable ASCII without spaces or line breaks (a line break "
                                 "pasted at its end?)" % name)


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
        _check_header_values(dict(access_key=access_key, secret_key=secret_key, security_token=security_token,
                                  auth_token=auth_token, project_id=project_id))
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
        if ca_path and validate_certs and not os.path.isfile(ca_path):
            raise SmsClientError("ca_path %r is not a file; give a PEM file of CA certificates" % ca_path)
        if timeout is None or not 0 < timeout < float("inf"):
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
        if self.verify is True:
            # What requests takes from the environment with trust_env (which stays off, see below).
            self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.request_count = 0
        self._count_lock = threading.Lock()
        self._secrets = sorted((v for v in (secret_key, security_token, auth_token) if v), key=len, reverse=True)
        self._session = requests.Session()
        # No ~/.netrc on a signed request, no environment CA bundle over ca_path; proxies from
        # the environment are still used (_proxies_for).
        self._session.trust_env = False
        self._pool_size = 10
        self._mount_adapter(self._pool_size)

    @classmethod
    def from_options(cls, get_option):
        """Build a client from options: ``get_option`` is module.params.get or plugin.get_option."""
        values = {}
        for name, option in CONNECTION_OPTIONS.items():
            value = get_option(name)
            values[name] = option.get("default") if value is None else value
        return cls(**values)

    def _mount_adapter(self, size):
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # --- low level -------------------------------------------------------------------

    @staticmethod
    def path(template, *params):
        """Fill a path template; every parameter is fully percent-encoded so no value can
        add segments, a query or a fragment ('../tasks', 'a?b', 'a#b', 'a/b' stay one segment).
        '.', '..' and '' would still change the path's shape, so they are refused."""
        for param in params:
            if str(param) in ("", ".", ".."):
                raise SmsClientError("%r is not a valid id in an API path" % str(param))
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

    def _proxies_for(self, url):
        # What requests would take from HTTP(S)_PROXY/NO_PROXY with trust_env, without netrc.
        return get_environ_proxies(url)

    def _wait_before_retry(self, attempt, waited, headers=None):
        """Sleep before the next attempt; False when that would pass MAX_RETRY_WAIT in all."""
        delay = _retry_after_seconds(headers) if headers is not None else None
        if delay is None:
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * (2 ** attempt)))
        delay = min(delay, self.retry_after_cap)
        if waited[0] + delay > MAX_RETRY_WAIT:
            return False
        waited[0] += delay
        time.sleep(delay)
        return True

    def _send(self, method, base_url, path, query=None, body=None, project_id=None, expect="any", attempts=None):
        """One request with retries; errors carry no secret (see mask)."""
        try:
            return self._send_with_retries(method, base_url, path, query, body, project_id, expect, attempts)
        except SmsApiError as exc:
            raise exc.masked(self.mask)
        except SmsClientError as exc:
            raise SmsClientError(self.mask(str(exc)))

    def _send_with_retries(self, method, base_url, path, query, body, project_id, expect, attempts):
        query_string = _signer.canonical_query(query)
        url = base_url + path + ("?" + query_string if query_string else "")
        body_bytes = _json_body(body)
        idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        proxies = self._proxies_for(url)
        attempt, waited = 0, [0.0]
        while True:
            headers = self._headers(method, base_url, path, query_string, body_bytes, project_id)
            headers["User-Agent"] = USER_AGENT
            headers["Accept-Encoding"] = "identity"  # the body is read raw, byte-counted (_read_capped)
            with self._count_lock:
                self.request_count += 1
            deadline = time.monotonic() + self.timeout
            try:
                response = self._session.request(method, url, data=body_bytes or None, headers=headers, stream=True,
                                                 timeout=self.timeout, verify=self.verify, allow_redirects=False,
                                                 proxies=proxies)
                try:
                    content = _read_capped(response, deadline, self.timeout)
                except BaseException:
                    response.close()  # drops the connection: it holds the rest of a body nobody reads
                    raise
                _set_read_timeout(response.raw, self.timeout)
                response.raw.release_conn()  # fully read: the connection is kept for the next request
            except requests.exceptions.SSLError as exc:
                raise SmsClientError("TLS error talking to %s: %s" % (base_url, _describe(exc)))
            except (requests.exceptions.RequestException, OSError, _BodyError) as exc:
                if isinstance(exc, _BodyError) and exc.final:
                    raise SmsClientError("%s %s: %s" % (method, url, exc))
                if attempts is not None:
                    attempts.append("connection")
                if attempt < self.retries and (idempotent or _never_reached_server(exc)) and \
                        self._wait_before_retry(attempt, waited):
                    attempt += 1
                    continue
                raise SmsClientError("%s %s failed after %d attempt(s): %s" % (method, url, attempt + 1, _describe(exc)))
            status = response.status_code
            if attempts is not None:
                attempts.append(status)
            retryable = status == 429 or (status >= 500 and (idempotent or status == 503))
            if retryable and attempt < self.retries and self._wait_before_retry(attempt, waited, response.headers):
                attempt += 1
                continue
            if 300 <= status < 400:
                raise SmsApiError.from_answer(method, url, status, response.headers, content, error_msg=(
                    "redirect to %s not followed: SMS answers API calls directly, so a redirect means a wrong "
                    "endpoint or a proxy in the way" % (response.headers.get("Location") or "nowhere")))
            if status >= 400 or status < 200:
                raise SmsApiError.from_answer(method, url, status, response.headers, content)
            return _parse_success(method, url, status, response.headers, content, expect)

    # --- project id (the SDK's IAM lookup) ---------------------------------------------

    def _resolved_project_id(self):
        if self.project_id or not self.region or not self._access_key:
            return self.project_id
        key = (self.iam_endpoint, self._access_key, self.region)
        with _project_id_lock:
            if key not in _project_id_cache:
                answer = self._send("GET", self.iam_endpoint, "/v3/projects", query={"name": self.region}, expect="object")
                projects = answer.get("projects")
                if not projects:
                    raise SmsClientError(
                        "IAM at %s knows no project named %r; set project_id explicitly" % (self.iam_endpoint, self.region))
                found = projects[0].get("id") if isinstance(projects, list) and isinstance(projects[0], dict) else None
                if not isinstance(found, str) or not _HEADER_VALUE_RE.match(found):
                    raise SmsClientError("IAM at %s answered GET /v3/projects?name=%s without a usable project id; "
                                         "set project_id explicitly" % (self.iam_endpoint, self.region))
                _project_id_cache[key] = found
            self.project_id = _project_id_cache[key]
        return self.project_id

    # --- API -----------------------------------------------------------------------------

    def request(self, method, path, query=None, body=None, expect="any", attempts=None):
        """The answer of one SMS request: a JSON value, ``{}`` for an empty body. ``expect="object"``
        fails unless it is a JSON object; ``attempts`` (a list) collects each attempt's HTTP status
        (or "connection")."""
        return self._send(method.upper(), self.endpoint, path, query, body, self._resolved_project_id(), expect, attempts)

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
        """(count, records) of one page of a listing, checked to be the documented
        ``{"count": int, items_key: [object, ...]}`` answer."""
        params = dict((k, v) for k, v in (query or {}).items() if v is not None)
        params.update(limit=limit, offset=offset)
        answer = self.request("GET", path, query=params, expect="object")
        where = "GET %s with limit=%s offset=%s" % (path, limit, offset)
        count, records = answer.get("count"), answer.get(items_key)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise SmsClientError("%s: the answer's count must be a non-negative integer, got %s" % (where, _kind(count)))
        if not isinstance(records, list):
            raise SmsClientError("%s: the answer's %s must be a list, got %s" % (where, items_key, _kind(records)))
        for record in records:
            if not isinstance(record, dict):
                raise SmsClientError("%s: every element of %s must be an object, got %s" % (where, items_key, _kind(record)))
        if len(records) > limit:
            raise SmsClientError("%s: the answer holds %d records, more than the limit" % (where, len(records)))
        return count, records

    def list_all(self, path, items_key, query=None, workers=1, partitions=(), page_size=PAGE_SIZE, id_key="id"):  # pylint: disable=too-many-arguments
        """(count, records) of every record of a paged SMS listing (GET ``path`` with limit and
        offset), pages 2..N fetched by up to ``workers`` threads.

        The listing is complete or this fails: consecutive pages overlap by one record, and the
        shared record, every page's count and the number of distinct ids must agree, so a
        record that matched during the whole listing cannot have been skipped by offsets that
        moved under it. A fleet that changes while it is read is read again, up to
        LISTING_ATTEMPTS times. ``partitions`` ((filter name, values or a callable giving
        them), ...) split listings longer than the API's offsets reach (MAX_OFFSET); ``page_size``
        is the limit of each request (at least 2: pages overlap by one); ``id_key`` names the
        field that identifies a record (``source_id`` in GET /v3/errors)."""
        if page_size < 2:
            raise SmsClientError("page_size must be at least 2, got %r" % page_size)
        query = dict((k, v) for k, v in (query or {}).items() if v is not None)
        workers = max(1, workers)
        if workers > self._pool_size:
            self._pool_size = workers
            self._mount_adapter(workers * 2)
        reason = None
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _attempt in range(LISTING_ATTEMPTS):
                try:
                    return self._list_complete(path, items_key, query, (pool, workers, page_size, id_key), partitions)
                except _ListingChanged as exc:
                    reason = str(exc)
        raise SmsClientError(
            "GET %s with %s changed while it was read, %d times in a row, so a complete listing could not be "
            "made (last: %s); try again, or narrow the query" % (path, _describe_query(query), LISTING_ATTEMPTS, reason))

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
        partitions = [("state", self._states_with_sources)] + list(_PARTITIONS[1:])
        return self.list_all("/v3/sources", "source_servers", query, workers, partitions)

    def _states_with_sources(self):
        """Source states worth a partition: every state except those GET /v3/sources/overview
        counts as empty (it counts the whole fleet, so a state it counts 0 is empty under any filter)."""
        overview = self.request("GET", "/v3/sources/overview", expect="object")
        return [state for state in SOURCE_STATES if not _is_zero(overview.get(state))]

    def _list_complete(self, path, items_key, query, how, partitions):
        pool, _workers, page_size, id_key = how
        count, first_page = self.list_page(path, items_key, query, page_size, 0)
        if len(first_page) != min(count, page_size):
            raise _ListingChanged("the first page holds %d records of %d" % (len(first_page), count))
        offsets = list(range(page_size - 1, count - 1, page_size - 1))
        if offsets and offsets[-1] > MAX_OFFSET:
            return count, self._list_partitioned(path, items_key, query, count, how, partitions)
        pages = [first_page]
        answers = pool.map(lambda offset: (offset, self.list_page(path, items_key, query, page_size, offset)), offsets)
        for offset, (page_count, page) in answers:
            if page_count != count:
                raise _ListingChanged("count went from %d to %d between pages" % (count, page_count))
            if len(page) != min(page_size, count - offset):
                raise _ListingChanged("the page at offset %d holds %d records" % (offset, len(page)))
            if page[0].get(id_key) != pages[-1][-1].get(id_key):
                raise _ListingChanged("records moved across the page boundary at offset %d" % offset)
            pages.append(page)
        records = unique_by_id(itertools.chain.from_iterable(pages), id_key)
        if len(records) != count:
            raise _ListingChanged("%d distinct records for a count of %d" % (len(records), count))
        return count, records

    def _list_partitioned(self, path, items_key, query, count, how, partitions):
        # Offsets stop at MAX_OFFSET, so a larger listing is split by a filter the caller did not
        # set, parts fetched concurrently; the parts must add up to the total, hold no record
        # twice, and the total must still be the same afterwards.
        for name, values in partitions:
            if name in query:
                continue
            values = values() if callable(values) else values
            queries = [dict(query, **{name: value}) for value in values]
            inner = [(n, v) for n, v in partitions if n != name]
            with ThreadPoolExecutor(max_workers=max(1, min(len(queries), how[1]))) as parts:
                answers = list(parts.map(lambda q: self._list_complete(path, items_key, q, how, inner), queries))
            covered = sum(part_count for part_count, _records in answers)
            if covered != count:
                raise _ListingChanged("splitting by %s covers %d of %d records" % (name, covered, count))
            records = unique_by_id(itertools.chain.from_iterable(part for _count, part in answers), how[3])
            if len(records) != count:
                raise _ListingChanged("%d distinct records for a count of %d" % (len(records), count))
            if self.list_page(path, items_key, query, 1, 0)[0] != count:
                raise _ListingChanged("the count changed while the parts were read")
            return records
        raise SmsClientError(
            "cannot list all %d records of GET %s: more than the API can page through (offset %d) even with "
            "every partitioning filter set; narrow the query" % (count, path, MAX_OFFSET))


class _ListingChanged(Exception):
    """The listing changed while it was read (internal: list_all reads it again)."""


def _is_zero(value):
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _kind(value):
    if isinstance(value, (dict, list)):
        return "a JSON %s" % ("object" if isinstance(value, dict) else "array")
    if value is None:
        return "nothing"
    text = repr(value)
    return "%s %s" % (type(value).__name__, text if len(text) <= 60 else text[:57] + "...")


def _describe_query(query):
    return json.dumps(query, sort_keys=True) if query else "no filters"


class _BodyError(Exception):
    """Reading an answer's body failed; ``final``: retrying cannot help (too large)."""

    def __init__(self, message, final=False):
        super(_BodyError, self).__init__(message)
        self.final = final


def _set_read_timeout(raw, seconds):
    # Each read then ends by the deadline, however slowly the server sends.
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(0.001, seconds))


def _read_capped(response, deadline, timeout):
    """The body's bytes, read by the deadline and at most MAX_ANSWER_BYTES of them."""
    length = response.headers.get("Content-Length")
    expected = int(length) if length and length.isdigit() else None
    if expected is not None and expected > MAX_ANSWER_BYTES:
        raise _BodyError("the answer (%d bytes) is more than the %d bytes read at most"
                         % (expected, MAX_ANSWER_BYTES), final=True)
    if getattr(response, "_content_consumed", False):
        # requests already read a redirect's body (to prepare the redirect it does not follow).
        return response.content[:MAX_ANSWER_BYTES]
    raw = response.raw
    reader = getattr(raw, "_fp", None)  # http.client's response: read1 returns what has arrived
    if reader is None or not hasattr(reader, "read1"):
        reader = raw
    chunks, size = [], 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _BodyError("the answer did not arrive within timeout (%s s); %d bytes came" % (timeout, size))
            _set_read_timeout(raw, remaining)
            chunk = reader.read1(65536) if reader is not raw else raw.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _BodyError("the answer is more than the %d bytes read at most" % MAX_ANSWER_BYTES, final=True)
            chunks.append(chunk)
        if reader is not raw:
            reader.read()  # reads nothing more; marks http.client's response done so the connection is reused
    except _BodyError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        if time.monotonic() >= deadline:
            raise _BodyError("the answer did not arrive within timeout (%s s); %d bytes came" % (timeout, size))
        raise _BodyError("the connection broke while the answer was read (%s after %d bytes)" % (_describe(exc), size))
    if expected is not None and size != expected:
        raise _BodyError("the answer ended after %d of %d bytes" % (size, expected))
    return _decoded(b"".join(chunks), response.headers.get("Content-Encoding"))


def _decoded(content, encoding):
    """The body without a gzip/deflate encoding a server applied although identity was asked for."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity" or not content:
        return content
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _BodyError("the answer has Content-Encoding %s, which cannot be read" % encoding, final=True)
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    try:
        text = decoder.decompress(content, MAX_ANSWER_BYTES + 1)
    except zlib.error as exc:
        raise _BodyError("the %s answer cannot be decoded (%s)" % (encoding, exc), final=True)
    if len(text) > MAX_ANSWER_BYTES:
        raise _BodyError("the answer is more than the %d bytes read at most" % MAX_ANSWER_BYTES, final=True)
    return text


def _json_body(body):
    if body is None:
        return b""
    try:
        return json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:
        raise SmsClientError("the request body cannot be sent as JSON: %s" % exc)


def _parse_success(method, url, status, headers, content, expect):
    if not content:
        if expect == "object":
            raise SmsApiError.from_answer(method, url, status, headers, content, error_msg="the answer is empty, not a JSON object")
        return {}
    answer = _json_or_none(content)
    if answer is None and content.strip() != b"null":
        content_type = headers.get("Content-Type") or "none"
        if expect != "object" and content_type.startswith("text/plain"):
            return content.decode("utf-8", "replace")  # a "success message" of the string/empty answers
        raise SmsApiError.from_answer(method, url, status, headers, content, error_msg=(
            "the answer is not JSON (Content-Type %s): %s" % (content_type, _echo(content))))
    if expect == "object" and not isinstance(answer, dict):
        raise SmsApiError.from_answer(method, url, status, headers, content,
                                      error_msg="the answer is %s, not a JSON object" % _kind(answer))
    return answer


def command_name_of(answer):
    """The queued command's name in a GET .../command answer, or None when SMS has nothing."""
    if not isinstance(answer, dict):
        return None
    name = answer.get("command_name")
    if isinstance(name, str) and name.strip():
        return name
    return None


def _describe(exc):
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return "%s (%s)" % (exc.__class__.__name__, reason)
