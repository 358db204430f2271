# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""How a module's logic does its API work without holding the module: a step names itself in
the error that ends it, and a batch of calls runs concurrently with each failure kept."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError


@contextlib.contextmanager
def step(msg):
    """An SmsError raised inside becomes ``msg: <its message>``, keeping what it carries (the API
    fields of an SmsApiError, the result of any SmsError), so SmsModule.fail_json_sms reports it
    as ``module.fail_json_sms(exc, msg)`` would."""
    try:
        yield
    except SmsError as exc:
        raise step_error(msg, exc) from exc


def step_error(msg, exc):
    """The SmsError ``exc`` as the failure of the step ``msg`` (see step)."""
    return SmsError("%s: %s" % (msg, exc), **exc.fail_json_keywords())


def each_concurrently(func, items, workers):
    """``[func(item) or the SmsError it raised]`` in the order of ``items``, up to ``workers``
    calls at a time: a failed call does not stop the others, and the caller reports each."""
    def call(item):
        try:
            return func(item)
        except SmsError as exc:
            return exc

    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(call, items))
