# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Connection configuration: the option table shared by every module and the inventory plugin,
the checks of its values (URLs, values sent in headers, region, credentials, limits) and the
endpoints a region implies. Nothing here sends a request; ConnectionConfig is what SmsClient
is built from."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsClientError

# Must equal galaxy.yml's version (tests/unit/module_utils/test_options.py checks it).
COLLECTION_VERSION = "1.0.0"
USER_AGENT = "hwcloud.sms-ansible/%s" % COLLECTION_VERSION

# The connection options of every module and of the inventory plugin, once: Ansible type,
# default, environment variables (in order of precedence) and whether the value is a secret.
# The module argument spec (_base.sms_argument_spec) and SmsClient.from_options() are built from
# it; the docs fragment (plugins/doc_fragments/sms.py) must repeat it as text, and a unit test
# (tests/unit/module_utils/test_options.py) fails when the two differ.
CONNECTION_OPTIONS = {
    "endpoint": dict(type="str", env=("HUAWEICLOUD_SMS_ENDPOINT",)),
    "region": dict(type="str", env=("HUAWEICLOUD_REGION",)),
    "access_key": dict(type="str", env=("HUAWEICLOUD_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK")),
    "secret_key": dict(type="str", secret=True, env=("HUAWEICLOUD_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK")),
    "security_token": dict(type="str", secret=True, env=("HUAWEICLOUD_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN")),
    "project_id": dict(type="str", env=("HUAWEICLOUD_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID")),
    "iam_endpoint": dict(type="str", env=("HUAWEICLOUD_IAM_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT")),
    "ecs_endpoint": dict(type="str", env=("HUAWEICLOUD_ECS_ENDPOINT",)),
    "auth_token": dict(type="str", secret=True, env=("HUAWEICLOUD_AUTH_TOKEN",)),
    "validate_certs": dict(type="bool", default=True),
    "ca_path": dict(type="path"),
    "timeout": dict(type="int", default=30),
    "retries": dict(type="int", default=5),
}
CONNECTION_ENV = dict((name, option.get("env", ())) for name, option in CONNECTION_OPTIONS.items())
SECRET_OPTIONS = tuple(name for name, option in CONNECTION_OPTIONS.items() if option.get("secret"))

# The SDK's region table has one endpoint that does not follow the sms.<region> pattern.
_ENDPOINT_EXCEPTIONS = {"ru-moscow-1": "https://sms-api.ru-moscow-1.myhuaweicloud.com"}
_REGION_RE = re.compile(r"\A[a-z]{2,}(-[a-z0-9]+)+\Z")
# Values sent in headers (or, for secret_key, signing them): visible ASCII only, so a pasted
# line break fails here with the option's name instead of inside requests with the value.
HEADER_VALUE_RE = re.compile(r"\A[\x21-\x7e]+\Z")
_HEADER_OPTIONS = ("access_key", "secret_key", "security_token", "auth_token", "project_id")


def sms_endpoint(region):
    return _ENDPOINT_EXCEPTIONS.get(region, "https://sms.%s.myhuaweicloud.com" % region)


def iam_endpoint_for(region):
    return "https://iam.%s.myhuaweicloud.com" % region


def ecs_endpoint_for(region):
    return "https://ecs.%s.myhuaweicloud.com" % region


def _without_userinfo(url):
    """``url`` with anything up to an '@' of its authority shown as ***, for error messages: a
    user:password@ must never be echoed, whatever else is wrong with the URL."""
    return re.sub(r"[^/?#]*@", "***@", url, count=1)


def check_url(option, value):
    """``value`` without a trailing '/', or an error naming ``option`` when it is not a plain
    http(s) URL with a host."""
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


def check_header_values(values):
    """An error naming the first option of ``values`` that cannot be sent in a header."""
    for name in _HEADER_OPTIONS:
        value = values.get(name)
        if value and not HEADER_VALUE_RE.match(value):
            # Never the value: it may be a secret.
            raise SmsClientError("%s must be printable ASCII without spaces or line breaks (a line break "
                                 "pasted at its end?)" % name)


class ConnectionConfig:
    """The connection options of one client, checked (in the order their errors are reported)
    and resolved: the endpoints a region implies, the CA bundle to verify with."""

    def __init__(self, endpoint=None, region=None, access_key=None, secret_key=None, security_token=None,
                 project_id=None, iam_endpoint=None, auth_token=None, validate_certs=True, ca_path=None,
                 timeout=30, retries=5, ecs_endpoint=None):
        check_header_values(dict(access_key=access_key, secret_key=secret_key, security_token=security_token,
                                 auth_token=auth_token, project_id=project_id))
        if region and not _REGION_RE.match(region):
            raise SmsClientError("region must look like 'ap-southeast-3', got %r" % region)
        if endpoint:
            self.endpoint = check_url("endpoint", endpoint)
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
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.auth_token = auth_token
        self.project_id = project_id
        self.iam_endpoint = check_url("iam_endpoint", iam_endpoint) if iam_endpoint else (iam_endpoint_for(region) if region else None)
        self.ecs_endpoint = check_url("ecs_endpoint", ecs_endpoint) if ecs_endpoint else (ecs_endpoint_for(region) if region else None)
        self.timeout = timeout
        self.retries = retries
        self.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        if self.verify is True:
            # What requests takes from the environment with trust_env (which the transport turns off).
            self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True

    def secrets(self):
        """Every secret value given, longest first (so a secret inside another is masked as part of it)."""
        values = (getattr(self, name) for name in SECRET_OPTIONS)
        return sorted((value for value in values if value), key=len, reverse=True)
