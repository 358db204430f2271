# -*- coding: utf-8 -*-
"""Run a module's main() in this process, the way Ansible runs it (arguments in, one JSON result
out on stdout), against the emulator over real HTTP: the module's logic in milliseconds instead
of an ansible-playbook subprocess per case. Tests that need Ansible itself (templating, loops,
check mode from the command line, callbacks, the action plugin) stay in tests/integration."""

import contextlib
import importlib
import io
import json
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

try:
    from ansible.module_utils import _internal as module_internal  # ansible-core 2.19+
except ImportError:  # pragma: no cover - older cores have no controller switch for warnings
    module_internal = None

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19+
except ImportError:  # pragma: no cover - older cores read _ANSIBLE_ARGS only
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        encoded = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", encoded):
            yield


def _as_a_module():
    """A module runs in a process of its own, where warn() puts the warning in its result. Once
    this process has loaded controller code (an inventory plugin, ansible-test's loader), warn()
    prints it instead: run the module as in its own process."""
    if module_internal is None or not hasattr(module_internal, "is_controller"):
        return contextlib.nullcontext()
    return mock.patch.object(module_internal, "is_controller", False)


def run_module(module, args, check_mode=False, diff=False):
    """Run ``hwcloud.sms.<module>`` with ``args`` and return its result: the JSON it printed, with
    ``failed`` true when it called fail_json. ``check_mode``/``diff`` are what --check/--diff set.
    Warnings are their texts, as ansible-playbook shows them (2.19+ modules send WarningSummary
    objects). Whatever the module printed besides its JSON fails the test, as it would break Ansible."""
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    code = importlib.import_module("ansible_collections.hwcloud.sms.plugins.modules.%s" % module)
    # Warnings and deprecations are process-wide and deduplicated: a module run in a process of its
    # own (as Ansible runs it) starts with none, so must one run in this process.
    for pending in (module_warnings._global_warnings, module_warnings._global_deprecations):  # pylint: disable=protected-access
        pending.clear()
    output = io.StringIO()
    with patch_module_args(args), _as_a_module(), contextlib.redirect_stdout(output):
        with pytest.raises(SystemExit) as exited:
            code.main()
    text = output.getvalue()
    try:
        result = json.loads(text)
    except ValueError:
        pytest.fail("%s printed something that is not one JSON result: %r" % (module, text[:2000]))
    assert (exited.value.code not in (0, None)) == bool(result.get("failed")), (exited.value.code, result)
    if "warnings" in result:
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result["warnings"]]
    return result


def emulator_args(emulator, **args):
    """The connection options of ``emulator`` (endpoint, keys, project), plus ``args``."""
    connection = dict(endpoint=emulator.url, access_key=emulator.access_key, secret_key=emulator.secret_key,
                      project_id=emulator.project_id, ecs_endpoint=emulator.url)
    connection.update(args)
    return connection
