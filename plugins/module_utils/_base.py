# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""What every hwcloud.sms module shares: connection options, the client, error reporting."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.hwcloud.sms.plugins.module_utils._client import (
    CONNECTION_OPTIONS,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    SmsApiError,
    SmsClient,
    SmsClientError,
)


def sms_argument_spec():
    """The connection options of every module (documented in the hwcloud.sms.sms fragment)."""
    spec = {}
    for name, facts in CONNECTION_OPTIONS.items():
        option = dict(type=facts["type"])
        if "default" in facts:
            option["default"] = facts["default"]
        if facts.get("env"):
            option["fallback"] = (env_fallback, list(facts["env"]))
        if facts.get("secret"):
            option["no_log"] = True
        elif name == "access_key":
            option["no_log"] = False  # an access key id identifies, it does not authenticate
        spec[name] = option
    return spec


class SmsModule(AnsibleModule):
    """AnsibleModule with the shared connection options, a lazily built client and
    fail_json_sms(), which always reports the API's own error fields."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = sms_argument_spec()
        spec.update(argument_spec or {})
        super(SmsModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = SmsClient.from_options(self.params.get)
            except SmsClientError as exc:
                self.fail_json(msg=str(exc))
        return self._client

    def fail_json_sms(self, exc, msg):
        """Fail with ``msg`` and, for an API error, status, error_code, error_msg and request_id."""
        if isinstance(exc, SmsApiError):
            self.fail_json(msg="%s: %s" % (msg, exc), **exc.to_dict())
        self.fail_json(msg="%s: %s" % (msg, exc))

    def call(self, msg, func, *args, **kwargs):
        """Run one client call; any client or API error ends the module via fail_json_sms."""
        try:
            return func(*args, **kwargs)
        except (SmsApiError, SmsClientError) as exc:
            self.fail_json_sms(exc, msg)


def check_name(module, name, what, value=None):
    """Reject an unusable identifier option (``what`` names the kind) before any request is sent:
    empty, padded with white space, longer than the API's 255 characters, or '.'/'..'. ``value`` (a list
    element or suboption, labelled ``name`` in the message) defaults to module.params[name]."""
    if value is None:
        value = module.params[name]
    if value is None or not value.strip():
        module.fail_json(msg="%s must be a non-empty %s" % (name, what))
    if value != value.strip():
        module.fail_json(msg="%s must not start or end with white space" % name)
    if len(value) > 255:
        module.fail_json(msg="%s must be at most 255 characters, got %d" % (name, len(value)))
    if value in (".", ".."):
        module.fail_json(msg="%s must not be '.' or '..', which would change the API path" % name)
    return value


def check_seconds(module, name):
    """Reject a duration option that is not a finite number of seconds greater than 0 (nan and inf
    would crash time.sleep or wait forever) before any request is sent; returns the value."""
    value = module.params[name]
    if not math.isfinite(value) or value <= 0:
        module.fail_json(msg="%s must be a finite number of seconds greater than 0, got %s" % (name, value))
    return value


# How deep a result_detail may nest: checked by the module and, before Ansible's own recursive
# templating of the task arguments can hit Python's recursion limit, by its action plugin.
MAX_DETAIL_DEPTH = 32


def nesting_depth(value, stop_after=None):
    """How deeply dicts and lists nest in ``value`` (a dict or list counts 1), without recursion;
    stops counting once deeper than ``stop_after``."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if stop_after is not None and deepest > stop_after:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        level.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def check_server_id(module, name="server_id", value=None):
    return check_name(module, name, "source server id", value)
