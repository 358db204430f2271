"""A local emulator of the Huawei Cloud SMS v3 API for the hwcloud.sms tests.

Usage::

    from sms_emulator import Emulator
    emu = Emulator(sources=50, seed=1).start()
    emu.url, emu.credentials, emu.store.list_sources()
    emu.stop()

Parts: server (HTTP plumbing, ``Emulator``), routes (the API table, joined from each part's
``ROUTES``), admin (/_emulator/), auth, faults, and ``Store`` (store.py), composed of database,
sources, registration, source_updates, commands, tasks, task_actions, engine, auto_agent,
task_faults, task_settings, templates and migprojects.  tests/emulator/README.md maps them and
lists the inferred behaviour (not documented by Huawei).
"""

from .server import DEFAULT_ACCESS_KEY, DEFAULT_AUTH_TOKEN, DEFAULT_REGION, DEFAULT_SECRET_KEY, Emulator
from .store import Store

__all__ = ["Emulator", "Store", "DEFAULT_ACCESS_KEY", "DEFAULT_SECRET_KEY", "DEFAULT_AUTH_TOKEN", "DEFAULT_REGION"]
