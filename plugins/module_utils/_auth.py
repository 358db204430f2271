# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""How a request proves who sends it: AkSkAuth signs every attempt (the SDK-HMAC-SHA256
algorithm itself is _signer.py, standard library only so a test agent can copy it), TokenAuth
sends an IAM token. iam_project_id finds the project IAM names after a region, the SDK's lookup
when no project_id is configured, once per process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.hwcloud.sms.plugins.module_utils import _signer
from ansible_collections.hwcloud.sms.plugins.module_utils._config import HEADER_VALUE_RE
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsClientError

# (IAM endpoint, access key, region) -> project id, shared by every client of the process.
_project_id_cache = {}
_project_id_lock = threading.Lock()


class AkSkAuth:
    """Access key and secret key (with a security token when they are temporary): each attempt
    is signed anew, so each carries a fresh X-Sdk-Date."""

    def __init__(self, access_key, secret_key, security_token=None):
        self.access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token

    def headers(self, method, host, path, query_string, body_bytes, project_id):
        """Every header to sign, and the Authorization that signs them."""
        headers = {"Content-Type": "application/json", "Host": host, "X-Sdk-Date": _signer.sdk_date()}
        if project_id:
            headers["X-Project-Id"] = project_id
        if self._security_token:
            headers["X-Security-Token"] = self._security_token
        headers["Authorization"] = _signer.authorization(
            self.access_key, self._secret_key, method, path, query_string, headers, body_bytes)
        return headers


class TokenAuth:
    """An IAM token (X-Auth-Token), nothing signed."""

    access_key = None

    def __init__(self, auth_token):
        self._auth_token = auth_token

    def headers(self, method, host, path, query_string, body_bytes, project_id):  # pylint: disable=unused-argument
        headers = {"Content-Type": "application/json", "Host": host, "X-Auth-Token": self._auth_token}
        if project_id:
            headers["X-Project-Id"] = project_id
        return headers


def auth_for(config):
    """The auth of a ConnectionConfig: AK/SK when given (even with an auth_token), else the token."""
    if config.auth_token and not config.access_key:
        return TokenAuth(config.auth_token)
    return AkSkAuth(config.access_key, config.secret_key, config.security_token)


def iam_project_id(list_projects, iam_endpoint, access_key, region):
    """The id of the IAM project named ``region``. ``list_projects()`` sends GET /v3/projects with
    name=region to ``iam_endpoint``; it is called once per (IAM endpoint, access key, region) in a
    process, the answer cached."""
    key = (iam_endpoint, access_key, region)
    with _project_id_lock:
        if key not in _project_id_cache:
            answer = list_projects()
            projects = answer.get("projects")
            if not projects:
                raise SmsClientError(
                    "IAM at %s knows no project named %r; set project_id explicitly" % (iam_endpoint, region))
            found = projects[0].get("id") if isinstance(projects, list) and isinstance(projects[0], dict) else None
            if not isinstance(found, str) or not HEADER_VALUE_RE.match(found):
                raise SmsClientError("IAM at %s answered GET /v3/projects?name=%s without a usable project id; "
                                     "set project_id explicitly" % (iam_endpoint, region))
            _project_id_cache[key] = found
        return _project_id_cache[key]
