# -*- coding: utf-8 -*-
"""The integration tests' ``run_module(module, args, env=..., check=...)`` (tests/support/ansible.py)
in this process, for the tests of the task modules moved from tests/integration: ``env`` holds the
emulator's connection options (``emulator_args``), ``check`` is --check. The result is what
ansible-playbook showed: this run's warnings only, each as its text."""

import contextlib
from unittest import mock

from ansible.module_utils.common import warnings

from support.module_runner import run_module as run_in_process

try:
    from ansible.module_utils import _internal as module_internal  # ansible-core 2.19+
except ImportError:  # pragma: no cover - older cores print no module warning on the controller
    module_internal = None


def run_module(module, args, env, check=False, diff=False):
    forget_warnings()
    with as_a_module():
        result = run_in_process(module, dict(env, **args), check_mode=check, diff=diff)
    if "warnings" in result:
        # ansible-playbook shows a warning as its text; ansible-core 2.19 modules send a WarningSummary.
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result["warnings"]]
    return result


def forget_warnings():
    # AnsibleModule keeps warnings in a process-wide list: clear it, so a result holds only its own run's.
    warnings._global_warnings.clear()  # pylint: disable=protected-access
    warnings._global_deprecations.clear()  # pylint: disable=protected-access


def as_a_module():
    """A module runs in a process of its own, where warn() puts the warning in its result. Once a
    test in this process has loaded controller code (an inventory plugin, ansible-test's loader),
    warn() prints it instead: run the module as in its own process."""
    if module_internal is None or not hasattr(module_internal, "is_controller"):
        return contextlib.nullcontext()
    return mock.patch.object(module_internal, "is_controller", False)
