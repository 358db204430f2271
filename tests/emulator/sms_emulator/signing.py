"""Server-side verification of Huawei Cloud ``SDK-HMAC-SHA256`` request signatures.

Written independently of the collection's signer (plugins/module_utils/_signer.py) so
that the two implementations cross-check each other.  The algorithm is the one of Huawei
Cloud's "API Request Signing Guide" as the official SDK implements it
(huaweicloudsdkcore/signer/signer.py): the canonical request is rebuilt from the *raw*
request line as the server received it.
"""

import datetime
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_CLOCK_SKEW = datetime.timedelta(minutes=15)

_AUTHORIZATION_RE = re.compile(
    r"^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


class SignatureError(Exception):
    """Why a signature was rejected (for the emulator's log, never sent to clients)."""


def canonical_uri(raw_path):
    """Canonical URI from the raw (still percent-encoded) request path."""
    segments = unquote(raw_path).split("/")
    uri = "/".join(quote(segment, safe="~") for segment in segments)
    if not uri.endswith("/"):
        uri += "/"
    return uri


def canonical_query(raw_query):
    """Canonical query string from the raw query string (sorted, re-encoded)."""
    pairs = sorted(parse_qsl(raw_query or "", keep_blank_values=True))
    return "&".join(quote(key, safe="~") + "=" + quote(value, safe="~") for key, value in pairs)


def payload_hash(body, headers, signed_headers):
    """Hex SHA-256 of the body, or the signed X-Sdk-Content-Sha256 literal."""
    if not body:
        return EMPTY_BODY_SHA256
    if "x-sdk-content-sha256" in signed_headers and headers.get("x-sdk-content-sha256") is not None:
        return headers.get("x-sdk-content-sha256").strip()
    return hashlib.sha256(body).hexdigest()


def canonical_request(method, raw_path, raw_query, headers, signed_headers, body):
    """The canonical request text.

    ``headers`` is any mapping with case-insensitive ``get`` (http.server's message or
    a dict with lowercase keys); ``signed_headers`` is the list of lowercase names.
    """
    lines = [method.upper(), canonical_uri(raw_path), canonical_query(raw_query)]
    header_block = ""
    for name in signed_headers:
        value = headers.get(name)
        if value is None:
            raise SignatureError("signed header %s is missing" % name)
        header_block += name + ":" + str(value).strip() + "\n"
    lines.append(header_block)
    lines.append(";".join(signed_headers))
    lines.append(payload_hash(body, headers, signed_headers))
    return "\n".join(lines)


def string_to_sign(sdk_date, canonical_request_text):
    digest = hashlib.sha256(canonical_request_text.encode("utf-8")).hexdigest()
    return ALGORITHM + "\n" + sdk_date + "\n" + digest


def signature(secret_key, text_to_sign):
    return hmac.new(secret_key.encode("utf-8"), text_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value):
    """Return (access_key, [signed header names], signature) or raise SignatureError."""
    match = _AUTHORIZATION_RE.match((value or "").strip())
    if not match:
        raise SignatureError("malformed Authorization header")
    return match.group(1), match.group(2).split(";"), match.group(3)


def parse_sdk_date(value):
    try:
        return datetime.datetime.strptime(value.strip(), DATE_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except (AttributeError, ValueError) as exc:
        raise SignatureError("bad X-Sdk-Date") from exc


def verify(method, raw_path, raw_query, headers, body, lookup_secret, now=None):
    """Verify a signed request; return the access key or raise SignatureError.

    ``lookup_secret(access_key)`` returns the secret key or None for an unknown AK.
    ``now`` (aware datetime) defaults to the current UTC time.
    """
    access_key, signed_headers, given_signature = parse_authorization(headers.get("authorization"))
    secret_key = lookup_secret(access_key)
    if secret_key is None:
        raise SignatureError("unknown access key")
    sdk_date = headers.get("x-sdk-date")
    if sdk_date is None:
        raise SignatureError("X-Sdk-Date missing")
    request_time = parse_sdk_date(sdk_date)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs(now - request_time) > MAX_CLOCK_SKEW:
        raise SignatureError("X-Sdk-Date outside the 15 minute window")
    text = canonical_request(method, raw_path, raw_query, headers, signed_headers, body)
    expected = signature(secret_key, string_to_sign(sdk_date.strip(), text))
    if not hmac.compare_digest(expected, given_signature):
        raise SignatureError("signature mismatch")
    return access_key, signed_headers
