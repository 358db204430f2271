# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""A batch of API calls run concurrently, each failure kept for the caller to report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError


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
