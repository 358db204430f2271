# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""The input rules every module and plugin shares, each written once. Every check raises
SmsInputError naming the option and the rule, so bad input fails before any request is sent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError

# SMS's limit for names, IDs and descriptions.
MAX_TEXT = 255

# Names of templates and migration projects: Chinese characters, letters, digits, "_" and "-".
NAME_RE = re.compile(u"^[A-Za-z0-9_\\-\u4e00-\u9fa5]{1,255}$")
# Every character NAME_RE does not allow (to derive a valid name from another one).
NAME_BAD_CHARS = re.compile(u"[^A-Za-z0-9_\\-\u4e00-\u9fa5]")

# How many requests a module may send at the same time.
MAX_WORKERS = 32


def text_problem(option, value, what="string"):
    """Why ``value`` is not a usable text of SMS (None when it is): empty, padded with white space,
    or longer than 255 characters."""
    if not isinstance(value, str) or not value.strip():
        return "%s must be a non-empty %s" % (option, what)
    if value != value.strip():
        return "%s must not start or end with white space" % option
    if len(value) > MAX_TEXT:
        return "%s must be at most %d characters, got %d" % (option, MAX_TEXT, len(value))
    return None


def check_text(option, value, what="string"):
    """``value``, a text of 1 to 255 characters without surrounding white space."""
    problem = text_problem(option, value, what)
    if problem:
        raise SmsInputError(problem)
    return value


def check_id(option, value, what="ID"):
    """``value``, an identifier used in an API path: a text (see check_text), never '.' or '..'."""
    check_text(option, value, what)
    if value in (".", ".."):
        raise SmsInputError("%s must not be '.' or '..', which would change the API path" % option)
    return value


def check_optional_text(option, value, what="string"):
    """check_text for an option that may be unset (None)."""
    return value if value is None else check_text(option, value, what)


def check_resource_name(option, value, what="name"):
    """``value``, a name of a template or migration project (NAME_RE)."""
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise SmsInputError("%s must be a %s of 1 to 255 Chinese characters, letters, digits, '_' or '-', got %r"
                            % (option, what, value))
    return value


def check_range(option, value, low, high):
    """``value``, a whole number from ``low`` to ``high``."""
    if value is None or not low <= value <= high:
        raise SmsInputError("%s must be between %d and %d, got %s" % (option, low, high, value))
    return value


def check_workers(option, value, high=MAX_WORKERS):
    """``value``, how many requests to send at the same time: 1 to ``high``."""
    return check_range(option, value, 1, high)


def check_seconds(option, value, allow_zero=False):
    """``value``, a finite number of seconds greater than 0 (or 0, with ``allow_zero``): nan and
    inf would crash time.sleep or wait forever."""
    if value is None or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise SmsInputError("%s must be a finite number of seconds%s, got %s"
                            % (option, ", 0 or more" if allow_zero else " greater than 0", value))
    return value


def as_bool(value):
    """A boolean SMS may return as a string (TemplateResponseBody.is_template is declared ``str``):
    "true"/"false" in any case become booleans, anything else is returned as it is."""
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower(), value)
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
