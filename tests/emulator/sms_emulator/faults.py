"""Fault injection per request: ``FaultInjector`` holds the configuration and the seeded draw,
``FaultPlan`` the decisions of every kind for one request (``Exchange``), applied around the
handler and to its ``Response``.  The kinds themselves are in ``fault_kinds.py``; ``FaultKind``,
``Dropped`` and ``FAULT_KINDS`` are importable from here too.
"""

import random
import threading

from .fault_kinds import FAULT_KINDS, Dropped, FaultKind

__all__ = ["FAULT_KINDS", "Dropped", "FaultKind", "Exchange", "Response", "FaultPlan", "FaultInjector"]


class Exchange:
    """One API request as the fault kinds see it."""

    def __init__(self, method, path, query, entry, emulator):
        self.method = method
        self.path = path
        self.query = query
        self.entry = entry
        self.emulator = emulator


class Response:
    """An answer about to be written; fault kinds may change it."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.write_body = None  # None: write all of ``body`` at once


class FaultPlan:
    """The decisions of every fault kind for one request."""

    def __init__(self, config, decisions):
        self.config = config
        self.decisions = decisions

    def before_acting(self, exchange):
        for kind, decision in self.decisions:
            kind.before_acting(decision, self.config, exchange)

    def after_acting(self, exchange):
        for kind, decision in self.decisions:
            kind.after_acting(decision, self.config, exchange)

    def shape_response(self, exchange, response):
        for kind, decision in self.decisions:
            kind.shape_response(decision, self.config, exchange, response)


class _NoFaults:
    """Plan of a request outside ``methods``."""

    def before_acting(self, exchange):
        pass

    def after_acting(self, exchange):
        pass

    def shape_response(self, exchange, response):
        pass


class FaultInjector:
    """The current fault configuration and the seeded random source behind it."""

    def __init__(self, seed=0, kinds=None):
        self.kinds = list(FAULT_KINDS if kinds is None else kinds)
        self.defaults = {"methods": None}
        for kind in self.kinds:
            self.defaults.update(kind.options)
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._config = self._checked({})

    def _checked(self, options):
        unknown = set(options) - set(self.defaults)
        if unknown:
            raise ValueError("unknown fault options: %s" % ", ".join(sorted(unknown)))
        config = dict(self.defaults)
        config.update(options)
        for kind in self.kinds:
            kind.check(config)
        if config["methods"] is not None:
            config["methods"] = {method.upper() for method in config["methods"]}
        return config

    def configure(self, fault_seed=None, **options):
        """Replace the configuration (unnamed options go back to their defaults)."""
        config = self._checked(options)
        with self._lock:
            self._config = config
            if fault_seed is not None:
                self._rng = random.Random(fault_seed)

    @property
    def config(self):
        with self._lock:
            return dict(self._config)

    def public_config(self):
        """The configuration as JSON-friendly values (the admin API's answer)."""
        config = self.config
        config["methods"] = sorted(config["methods"]) if config["methods"] else None
        return config

    def plan(self, exchange):
        """Every kind's decision for one request."""
        with self._lock:
            config = self._config
            if config["methods"] is not None and exchange.method not in config["methods"]:
                return _NoFaults()
            decisions = [(kind, kind.draw(config, self._rng, exchange)) for kind in self.kinds]
        return FaultPlan(config, decisions)
