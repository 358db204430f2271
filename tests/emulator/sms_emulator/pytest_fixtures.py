"""pytest fixtures for the SMS emulator (load with ``pytest_plugins = ["sms_emulator.pytest_fixtures"]``).

- ``sms_emulator``: one session-wide emulator, 60 sources, seed 7, no faults.  Tests must not
  change its fleet destructively (create their own sources/tasks, or use ``emulator_factory``).
- ``sms_emulator_faults``: function-scoped; returns ``sms_emulator.set_faults`` and resets the
  faults after the test (request it only in tests that inject faults - not autouse).
- ``emulator_factory``: function-scoped; ``emulator_factory(sources=..., **options)`` returns a
  started Emulator; every one is stopped at teardown.
"""

import pytest

from sms_emulator import Emulator


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
