"""Fixtures of the emulator's own tests: a 120-source emulator with 3 enterprise projects and
4 duplicate names, and a signed client for it."""

import pytest

from support.emulator_client import SignedClient


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(sources=120, seed=3, enterprise_projects=3, duplicate_names=4)


@pytest.fixture
def client(emu):
    signed = SignedClient(emu)
    yield signed
    signed.close()
