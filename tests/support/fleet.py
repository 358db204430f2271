# -*- coding: utf-8 -*-
"""Picking emulator sources that no other test of the same module has used."""

import weakref

# emulator -> ids of the sources already handed out; module-scoped emulators are shared by tests.
_TAKEN = weakref.WeakKeyDictionary()


def take_fresh_sources(emu, count, os_type=None, connected=True):
    """``count`` waiting source records, each handed out once per emulator: no task yet, clean
    environment checks, the agent connected as asked and, if given, of ``os_type``."""
    taken = _TAKEN.setdefault(emu, set())
    picked = []
    for source in emu.store.list_sources(state="waiting"):
        record = emu.store.get_source_record(source["id"])
        if source["id"] in taken or record["connected"] != connected or record["current_task"]:
            continue
        if os_type and record["os_type"] != os_type:
            continue
        if any(check["result"] == "ERROR" for check in record["checks"]):
            continue
        picked.append(record)
        taken.add(source["id"])
        if len(picked) == count:
            return picked
    raise AssertionError("the fleet has too few fresh sources")
