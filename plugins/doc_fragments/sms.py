# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of the modules. The facts (types, defaults, environment variables,
    # secrecy) live in CONNECTION_OPTIONS of plugins/module_utils/_config.py; this text repeats
    # them and tests/unit/module_utils/test_options.py fails when the two differ.
    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - Full URL of the SMS API, for example C(https://sms.ap-southeast-3.myhuaweicloud.com),
        a private endpoint, a proxy, or the local SMS emulator. No C(user:password@) part.
      - When not set, it is derived from O(region).
      - Falls back to the environment variable E(HUAWEICLOUD_SMS_ENDPOINT).
    type: str
  region:
    description:
      - Huawei Cloud region of the SMS site, for example V(ap-southeast-3) (international site)
        or V(cn-north-4) (China site). The endpoint is C(https://sms.<region>.myhuaweicloud.com).
      - Also used to look up O(project_id) in IAM when that is not given.
      - Falls back to the environment variable E(HUAWEICLOUD_REGION).
    type: str
  access_key:
    description:
      - Access key ID (AK) used to sign requests with SDK-HMAC-SHA256.
      - Falls back to E(HUAWEICLOUD_ACCESS_KEY), then E(HUAWEICLOUD_SDK_AK), then E(CLOUD_SDK_AK).
      - When both O(access_key)/O(secret_key) and O(auth_token) are set, AK/SK signing is used.
    type: str
  secret_key:
    description:
      - Secret access key (SK) that belongs to O(access_key). Never logged or returned.
      - Falls back to E(HUAWEICLOUD_SECRET_KEY), then E(HUAWEICLOUD_SDK_SK), then E(CLOUD_SDK_SK).
    type: str
  security_token:
    description:
      - Security token of a temporary AK/SK pair, sent as C(X-Security-Token). Never logged or returned.
      - Falls back to E(HUAWEICLOUD_SECURITY_TOKEN), then E(HUAWEICLOUD_SDK_SECURITY_TOKEN).
    type: str
  project_id:
    description:
      - IAM project ID sent as C(X-Project-Id).
      - When not set and O(region) is set, it is looked up once per run with a signed
        C(GET /v3/projects?name=<region>) on the IAM endpoint, as the official SDK does.
      - Falls back to E(HUAWEICLOUD_PROJECT_ID), then E(HUAWEICLOUD_SDK_PROJECT_ID).
    type: str
  iam_endpoint:
    description:
      - URL of IAM used for the O(project_id) lookup. Default C(https://iam.<region>.myhuaweicloud.com).
      - Falls back to E(HUAWEICLOUD_IAM_ENDPOINT), then E(HUAWEICLOUD_SDK_IAM_ENDPOINT).
    type: str
  ecs_endpoint:
    description:
      - URL of ECS, used only for the servers SMS launches (a test clone's address, deleting a
        test clone), which SMS's own API cannot show or delete.
        Default C(https://ecs.<region>.myhuaweicloud.com).
      - Falls back to E(HUAWEICLOUD_ECS_ENDPOINT).
    type: str
    version_added: 1.1.0
  auth_token:
    description:
      - IAM token sent as C(X-Auth-Token) instead of AK/SK signing. Never logged or returned.
      - Falls back to E(HUAWEICLOUD_AUTH_TOKEN).
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoints.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to verify the endpoints with (private endpoints, proxies).
    type: path
  timeout:
    description:
      - Seconds one attempt of a request may take, from connecting to the last byte of the answer.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after a connection error, HTTP 429 or HTTP 5xx,
        with exponential backoff and full jitter, honouring C(Retry-After). Between 0 and 10.
      - The waits between the attempts of one request add up to at most 60 seconds; a GET whose
        answer is cut off is retried too.
      - Requests that change state (POST) are retried only when they cannot have reached
        the service (connection refused, connect timeout) or the service answered 429 or 503.
    type: int
    default: 5
requirements:
  - requests
notes:
  - Proxies are taken from E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY); C(~/.netrc) is never used,
    so nothing replaces the request signature.
  - All options can be set once for every module of this collection with
    C(module_defaults) and the action group C(group/hwcloud.sms.sms).
"""

    # The same options for plugins (inventory), which read environment variables themselves.
    PLUGINS = r"""
options:
  endpoint:
    description:
      - Full URL of the SMS API, for example C(https://sms.ap-southeast-3.myhuaweicloud.com),
        a private endpoint, a proxy, or the local SMS emulator. Derived from O(region) when not set.
        No C(user:password@) part.
    type: str
    env:
      - name: HUAWEICLOUD_SMS_ENDPOINT
  region:
    description:
      - Huawei Cloud region of the SMS site, for example V(ap-southeast-3).
        The endpoint is C(https://sms.<region>.myhuaweicloud.com).
    type: str
    env:
      - name: HUAWEICLOUD_REGION
  access_key:
    description:
      - Access key ID (AK) used to sign requests with SDK-HMAC-SHA256.
    type: str
    env:
      - name: HUAWEICLOUD_ACCESS_KEY
      - name: HUAWEICLOUD_SDK_AK
      - name: CLOUD_SDK_AK
  secret_key:
    description:
      - Secret access key (SK) that belongs to O(access_key). Never logged or cached.
    type: str
    env:
      - name: HUAWEICLOUD_SECRET_KEY
      - name: HUAWEICLOUD_SDK_SK
      - name: CLOUD_SDK_SK
  security_token:
    description:
      - Security token of a temporary AK/SK pair, sent as C(X-Security-Token). Never logged or cached.
    type: str
    env:
      - name: HUAWEICLOUD_SECURITY_TOKEN
      - name: HUAWEICLOUD_SDK_SECURITY_TOKEN
  project_id:
    description:
      - IAM project ID sent as C(X-Project-Id); looked up in IAM from O(region) when not set.
    type: str
    env:
      - name: HUAWEICLOUD_PROJECT_ID
      - name: HUAWEICLOUD_SDK_PROJECT_ID
  iam_endpoint:
    description:
      - URL of IAM used for the O(project_id) lookup. Default C(https://iam.<region>.myhuaweicloud.com).
    type: str
    env:
      - name: HUAWEICLOUD_IAM_ENDPOINT
      - name: HUAWEICLOUD_SDK_IAM_ENDPOINT
  ecs_endpoint:
    description:
      - URL of ECS, used only for the servers SMS launches (a test clone's address), which SMS's
        own API does not show. Default C(https://ecs.<region>.myhuaweicloud.com).
    type: str
    env:
      - name: HUAWEICLOUD_ECS_ENDPOINT
    version_added: 1.1.0
  auth_token:
    description:
      - IAM token sent as C(X-Auth-Token) instead of AK/SK signing. Never logged or cached.
    type: str
    env:
      - name: HUAWEICLOUD_AUTH_TOKEN
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoints.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to verify the endpoints with.
    type: path
  timeout:
    description:
      - Seconds one attempt of a request may take, from connecting to the last byte of the answer.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after a connection error, HTTP 429 or HTTP 5xx,
        with exponential backoff and full jitter, honouring C(Retry-After). Between 0 and 10.
      - The waits between the attempts of one request add up to at most 60 seconds; a GET whose
        answer is cut off is retried too.
    type: int
    default: 5
requirements:
  - requests
"""

    ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/hwcloud.sms.sms) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hwcloud.sms.sms
"""

    # The attributes of a module that only reads.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads, so it runs the same way in check mode.
  diff_mode:
    support: none
    description: The module changes nothing, so there is no difference to show.
"""
