# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of hwcloud.sms.sms_command_result: runs the module as any module runs, and refuses a
result_detail nested deeper than the module accepts before Ansible templates it. Ansible templates
task arguments recursively on the controller, so a dict nested some hundred levels deep would end
there in Python's recursion limit ("Recursive loop detected in template") before the module's own
check could name the option and the limit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.plugins.action.normal import ActionModule as _NormalAction

from ansible_collections.hwcloud.sms.plugins.module_utils._checks import MAX_DETAIL_DEPTH, nesting_depth

# The options whose values carry a result_detail, and how many levels they add above it
# (results: the list and its item).
_DETAIL_OPTIONS = {"result_detail": 0, "results": 2}


def _too_deep(name):
    where = "result_detail" if name == "result_detail" else "results[].result_detail"
    return "%s must be nested at most %d levels deep" % (where, MAX_DETAIL_DEPTH)


def _from_recursion(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, RecursionError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class ActionModule(_NormalAction):

    @classmethod
    def finalize_task_arg(cls, name, value, templar, context):
        """ansible-core 2.19+ calls this for every task argument before templating it."""
        finalize = super(ActionModule, cls).finalize_task_arg
        if name not in _DETAIL_OPTIONS:
            return finalize(name, value, templar, context)
        limit = MAX_DETAIL_DEPTH + _DETAIL_OPTIONS[name]
        if nesting_depth(value, limit) > limit:
            raise AnsibleError(_too_deep(name))
        try:
            finalized = finalize(name, value, templar, context)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            if _from_recursion(exc):  # a template that renders data nested too deeply
                raise AnsibleError(_too_deep(name)) from None
            raise
        if nesting_depth(finalized, limit) > limit:
            raise AnsibleError(_too_deep(name))
        return finalized
