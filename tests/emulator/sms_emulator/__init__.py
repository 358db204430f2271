"""A local emulator of the Huawei Cloud SMS v3 API for the hwcloud.sms tests.

Usage::

    from sms_emulator import Emulator
    emu = Emulator(sources=50, seed=1).start()
    emu.url, emu.credentials, emu.store.list_sources()
    emu.stop()

Parts: server (HTTP plumbing, ``Emulator``), routes (the API table), admin (/_emulator/),
auth, faults, store (= database + sources + commands + tasks), records, fleet, signing, errors.
Inferred behaviour (not documented by Huawei) is listed in tests/emulator/README.md.
"""

from .server import DEFAULT_ACCESS_KEY, DEFAULT_AUTH_TOKEN, DEFAULT_REGION, DEFAULT_SECRET_KEY, Emulator
from .store import Store

__all__ = ["Emulator", "Store", "DEFAULT_ACCESS_KEY", "DEFAULT_SECRET_KEY", "DEFAULT_AUTH_TOKEN", "DEFAULT_REGION"]
