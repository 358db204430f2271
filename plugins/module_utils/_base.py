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

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.hwcloud.sms.plugins.module_utils._client import (
    CONNECTION_OPTIONS,
    HAS_REQUESTS,
    SmsClient,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._transport import REQUESTS_IMPORT_ERROR
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError


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
            except SmsError as exc:
                self.fail_json_sms(exc)
        return self._client

    def fail_json_sms(self, exc, msg=None, **result):
        """THE failure of every module: ``msg: exc`` (or the error's own message), ``result``
        (what was already done), what the error carries (SmsError.result: the tasks of a failed
        wait, the problems of bad input) and, for an API error, status, error_code, error_msg,
        request_id and the rest of SmsApiError.to_dict."""
        keywords = dict(result)
        if isinstance(exc, SmsError):
            keywords.update(exc.fail_json_keywords())
        keywords.pop("msg", None)
        self.fail_json(msg="%s: %s" % (msg, exc) if msg else str(exc), **keywords)

    def call(self, msg, func, *args, **kwargs):
        """Run one helper or client call; an SmsError ends the module via fail_json_sms(exc, msg)."""
        try:
            return func(*args, **kwargs)
        except SmsError as exc:
            self.fail_json_sms(exc, msg)
