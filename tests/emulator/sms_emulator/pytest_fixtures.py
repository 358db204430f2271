"""pytest fixtures for the SMS emulator (load with ``pytest_plugins = ["sms_emulator.pytest_fixtures"]``).

- ``sms_emulator``: one session-wide emulator, 60 sources, seed 7, no faults.  Tests must not
  change its fleet destructively (create their own sources/tasks, or use ``emulator_factory``).
- ``sms_emulator_faults``: function-scoped; returns ``sms_emulator.set_faults`` and resets the
  faults after the test (request it only in tests that inject faults - not autouse).
- ``emulator_factory``: function-scoped; ``emulator_factory(sources=..., **options)`` returns a
  started Emulator; every one is stopped at teardown.

Loading the plugin also keeps the official SDK (a test-only dependency) out of the user's home:
see ``_sdk_writes_no_home_file``.
"""

import importlib
import importlib.util
import os
import sys
import tempfile

import pytest

from sms_emulator import Emulator


def _sdk_writes_no_home_file():
    """huaweicloudsdkcore, when first imported, stores a random id in ~/.huaweicloud/application_id
    for its User-Agent (huaweicloudsdkcore/http/user_agent.py, HOME read by
    utils/filepath_utils.get_home_path). Import that module once with HOME in the temp dir (the
    tests' private one under tests/conftest.py), so no test using the SDK writes to the home."""
    module = "huaweicloudsdkcore.http.user_agent"
    if module in sys.modules or importlib.util.find_spec("huaweicloudsdkcore") is None:
        return
    home = os.environ.get("HOME")
    os.environ["HOME"] = tempfile.mkdtemp(prefix="sdk-home-")
    try:
        importlib.import_module(module)
    finally:
        if home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = home


_sdk_writes_no_home_file()


@pytest.fixture(scope="session")
def sms_emulator():
    emulator = Emulator(sources=60, seed=7).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def sms_emulator_faults(sms_emulator):  # pylint: disable=redefined-outer-name
    try:
        yield sms_emulator.set_faults
    finally:
        sms_emulator.reset_faults()


@pytest.fixture
def emulator_factory():
    started = []

    def factory(**options):
        emulator = Emulator(**options).start()
        started.append(emulator)
        return emulator
    try:
        yield factory
    finally:
        for emulator in started:
            emulator.stop()
