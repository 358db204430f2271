# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Transport: one JSON request over a requests session, each attempt authenticated anew and
repeated as the RetryPolicy (_retry.py) says; its answer read within the timeout and size cap
and judged by _answers.py. The only file that imports requests (guarded: HAS_REQUESTS,
REQUESTS_IMPORT_ERROR)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
import traceback

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.hwcloud.sms.plugins.module_utils import _retry
from ansible_collections.hwcloud.sms.plugins.module_utils._answers import AnswerError, describe, parse_success, read_capped, set_read_timeout
from ansible_collections.hwcloud.sms.plugins.module_utils._config import USER_AGENT
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError
from ansible_collections.hwcloud.sms.plugins.module_utils._signer import canonical_query

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

# Connections kept per host until a listing asks for more workers (reserve_connections).
_POOL_SIZE = 10


class Transport:
    """Sends requests for one client: ``auth`` gives each attempt's headers, ``policy`` decides
    retries, ``verify`` and ``timeout`` apply to every attempt; ``request_count`` counts attempts."""

    def __init__(self, auth, policy, verify, timeout):
        self.auth = auth
        self.policy = policy
        self.verify = verify
        self.timeout = timeout
        self.request_count = 0
        self._count_lock = threading.Lock()
        self._session = requests.Session()
        # No ~/.netrc on a signed request, no environment CA bundle over ca_path; proxies from
        # the environment are still used (get_environ_proxies in send).
        self._session.trust_env = False
        self._pool_size = _POOL_SIZE
        self._mount_adapter(self._pool_size)

    def _mount_adapter(self, size):
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def reserve_connections(self, workers):
        """Keep enough connections for ``workers`` threads sending at once."""
        if workers > self._pool_size:
            self._pool_size = workers
            self._mount_adapter(workers * 2)

    def send(self, method, base_url, path, query=None, body=None, project_id=None, expect="any", attempts=None):
        """The answer of ``method`` ``base_url + path``: a JSON value (``{}`` for an empty body; see
        parse_success for ``expect``), or SmsApiError for an error answer, SmsClientError when there
        is no usable answer. ``attempts`` (a list) collects each attempt's status or "connection"."""
        query_string = canonical_query(query)
        url = base_url + path + ("?" + query_string if query_string else "")
        body_bytes = _json_body(body)
        # What requests would take from HTTP(S)_PROXY/NO_PROXY with trust_env, without netrc.
        proxies = get_environ_proxies(url)
        host = urlsplit(base_url).netloc
        tries = self.policy.start(method)
        while True:
            headers = self.auth.headers(method, host, path, query_string, body_bytes, project_id)
            headers["User-Agent"] = USER_AGENT
            headers["Accept-Encoding"] = "identity"  # the body is read raw, byte-counted (read_capped)
            with self._count_lock:
                self.request_count += 1
            try:
                response, content = self._exchange(method, url, body_bytes, headers, proxies)
            except (requests.exceptions.RequestException, OSError, AnswerError) as exc:
                failure = _failure_of(exc)
                if attempts is not None:
                    attempts.append("connection")
                delay = tries.after_failure(failure)
                if delay is not None:
                    time.sleep(delay)
                    continue
                if failure == _retry.TLS_ERROR:
                    raise SmsClientError("TLS error talking to %s: %s" % (base_url, describe(exc)))
                if failure in _retry.FINAL_FAILURES:
                    raise SmsClientError("%s %s: %s" % (method, url, exc))
                raise SmsClientError("%s %s failed after %d attempt(s): %s" % (method, url, tries.count, describe(exc)))
            status = response.status_code
            if attempts is not None:
                attempts.append(status)
            delay = tries.after_status(status, response.headers)
            if delay is not None:
                time.sleep(delay)
                continue
            if 300 <= status < 400:
                raise SmsApiError.from_answer(method, url, status, response.headers, content, error_msg=(
                    "redirect to %s not followed: SMS answers API calls directly, so a redirect means a wrong "
                    "endpoint or a proxy in the way" % (response.headers.get("Location") or "nowhere")))
            if status >= 400 or status < 200:
                raise SmsApiError.from_answer(method, url, status, response.headers, content)
            return parse_success(method, url, status, response.headers, content, expect)

    def _exchange(self, method, url, body_bytes, headers, proxies):
        """One attempt: (response, its whole body), the connection released for reuse."""
        deadline = time.monotonic() + self.timeout
        response = self._session.request(method, url, data=body_bytes or None, headers=headers, stream=True,
                                         timeout=self.timeout, verify=self.verify, allow_redirects=False,
                                         proxies=proxies)
        try:
            content = read_capped(response, deadline, self.timeout)
        except BaseException:
            response.close()  # drops the connection: it holds the rest of a body nobody reads
            raise
        set_read_timeout(response.raw, self.timeout)
        response.raw.release_conn()  # fully read: the connection is kept for the next request
        return response, content


def _failure_of(exc):
    """The RetryPolicy's name for an attempt that ended with ``exc`` instead of an answer."""
    if isinstance(exc, AnswerError):
        return exc.failure
    if isinstance(exc, requests.exceptions.SSLError):
        return _retry.TLS_ERROR
    return _retry.NOT_SENT if _never_reached_server(exc) else _retry.LOST


def _never_reached_server(exc):
    """True when a connection error happened before any byte of the request was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError subclass.
    return isinstance(reason, ConnectTimeoutError)


def _json_body(body):
    if body is None:
        return b""
    try:
        return json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:
        raise SmsClientError("the request body cannot be sent as JSON: %s" % exc)
