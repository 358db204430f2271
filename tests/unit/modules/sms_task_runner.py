# -*- coding: utf-8 -*-
"""The integration tests' ``run_module(module, args, env=..., check=...)`` (tests/support/ansible.py)
in this process, for the tests of the task modules moved from tests/integration, so their bodies
stayed as they were: ``env`` holds the emulator's connection options (``emulator_args``), ``check``
is --check."""

from support.module_runner import run_module as run_in_process


def run_module(module, args, env, check=False, diff=False):
    return run_in_process(module, dict(env, **args), check_mode=check, diff=diff)
