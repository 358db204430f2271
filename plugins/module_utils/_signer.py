# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Huawei Cloud SDK-HMAC-SHA256 (AK/SK) request signing.

Byte-compatible with huaweicloudsdkcore's Signer: tests/unit/module_utils/test_signer.py
proves it against the official SDK over many requests. Standard library only, so this
file also works where requests is missing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
from datetime import datetime, timezone

try:
    from urllib.parse import quote, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported, but sanity compiles for it
    from urllib import quote, unquote  # type: ignore

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def sdk_date(now=None):
    """The X-Sdk-Date value for ``now`` (default: the current UTC time)."""
    now = now or datetime.now(timezone.utc)
    return now.strftime(DATE_FORMAT)


def _encode(value):
    # RFC 3986 unreserved characters stay literal; '/' is encoded too (safe='~' only).
    return quote(value, safe="~")


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_query(params):
    """Canonical query string; also the exact query string that is sent.

    ``params`` is a dict or a list of (name, value) pairs. ``None`` values are dropped,
    booleans become true/false, a list value becomes repeated name=value pairs. Pairs are
    sorted the way the SDK sorts them: on the raw (name, value) tuples.
    """
    if not params:
        return ""
    pairs = list(params.items()) if isinstance(params, dict) else list(params)
    pairs = [(name, value) for name, value in pairs if value is not None]
    try:
        pairs.sort()
    except TypeError:
        # Mixed value types under one name cannot be compared; the SDK would fail here,
        # we fall back to a string sort instead of refusing the request.
        pairs.sort(key=lambda pair: (pair[0], repr(pair[1])))
    encoded = []
    for name, value in pairs:
        values = sorted(value) if isinstance(value, (list, tuple)) else [value]
        for item in values:
            encoded.append("%s=%s" % (_encode(name), _encode(_query_value(item))))
    return "&".join(encoded)


def canonical_uri(path):
    """Canonical URI: every segment re-encoded after unquoting, with a trailing slash."""
    uri = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _signed_header_map(headers):
    # The SDK signs every header whose name has no underscore.
    return dict((name.lower(), str(value).strip()) for name, value in headers.items() if "_" not in name)


def canonical_request(method, path, query_string, headers, body):
    """Return (canonical request text, signed header names joined by ';')."""
    signed = _signed_header_map(headers)
    names = sorted(signed)
    canonical_headers = "".join("%s:%s\n" % (name, signed[name]) for name in names)
    if not body:
        payload_hash = EMPTY_BODY_SHA256
    else:
        unsigned = dict((k.lower(), v) for k, v in headers.items()).get("x-sdk-content-sha256")
        payload_hash = unsigned or hashlib.sha256(body).hexdigest()
    signed_headers = ";".join(names)
    text = "\n".join([method.upper(), canonical_uri(path), query_string, canonical_headers, signed_headers, payload_hash])
    return text, signed_headers


def string_to_sign(request_text, date):
    digest = hashlib.sha256(request_text.encode("utf-8")).hexdigest()
    return "%s\n%s\n%s" % (ALGORITHM, date, digest)


def authorization(access_key, secret_key, method, path, query_string, headers, body=b""):
    """The Authorization header value for a request.

    ``headers`` must already hold every header that is to be signed, including Host and
    X-Sdk-Date; ``path`` is the path as sent (path parameters already percent-encoded);
    ``query_string`` is canonical_query(...) and is sent unchanged.
    """
    date = dict((k.lower(), v) for k, v in headers.items())["x-sdk-date"]
    text, signed_headers = canonical_request(method, path, query_string, headers, body)
    signature = hmac.new(secret_key.encode("utf-8"), string_to_sign(text, date).encode("utf-8"), hashlib.sha256).hexdigest()
    return "%s Access=%s, SignedHeaders=%s, Signature=%s" % (ALGORITHM, access_key, signed_headers, signature)
