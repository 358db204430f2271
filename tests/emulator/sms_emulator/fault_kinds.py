"""The fault kinds: what can go wrong between a client and SMS (latency, an outage, forced
answers, shares of 429/5xx, a 5xx after acting, redirects, bad bodies, resets, trickling, churn
between pages).  ``faults.py`` holds the injector that draws and applies them per request.

Each kind is a ``FaultKind``: its options (name -> default, all settable through
``Emulator.set_faults`` / ``POST /_emulator/faults`` / CLI flags), how it checks them, and up
to four hooks called for every API request (never for the admin API):

- ``draw(config, rng, exchange)``: under the injector's lock, in request order, so a fault seed
  gives the same faults run after run.  Returns the kind's decision for this request (or None).
- ``before_acting(decision, config, exchange)``: before authentication and the handler; raise
  ``ApiError`` to answer an error, ``Dropped`` to close the connection without an answer.
- ``after_acting(decision, config, exchange)``: after the handler changed the state.
- ``shape_response(decision, config, exchange, response)``: change the answer on its way out
  (``response.status``, ``.headers``, ``.body`` bytes, or ``.write_body(wfile, body)`` to send
  it differently, e.g. slowly or cut off; raising ``Dropped`` there resets the connection).

A new kind is a subclass added to ``FAULT_KINDS``; ``exchange`` carries the method, path,
query, the request log entry (set ``entry["fault"]`` to show what was injected) and the
emulator (for kinds that change state, e.g. the fleet between pages).
"""

import json
import time

from . import errors
from .database import set_state


class Dropped(Exception):
    """Close the connection without (the rest of) an answer."""


class FaultKind:
    options = {}

    def check(self, config):
        """Validate / normalise this kind's options in ``config`` (raise ValueError)."""

    def draw(self, config, rng, exchange):  # pylint: disable=unused-argument
        return None

    def before_acting(self, decision, config, exchange):
        """Called before anything is changed."""

    def after_acting(self, decision, config, exchange):
        """Called after the handler acted."""

    def shape_response(self, decision, config, exchange, response):
        """Called with the answer before it is written."""


def _share(config, name):
    config[name] = float(config[name])
    if not 0.0 <= config[name] <= 1.0:
        raise ValueError("%s must be between 0 and 1" % name)


class Latency(FaultKind):
    """``latency_ms``: every faulted request waits this long first (other connections go on)."""
    options = {"latency_ms": 0}

    def before_acting(self, decision, config, exchange):
        if config["latency_ms"]:
            time.sleep(config["latency_ms"] / 1000.0)


class ForcedAnswers(FaultKind):
    """``fail_next``: the next answers, in order: an HTTP status (429 or 5xx) or "drop"."""
    options = {"fail_next": ()}

    def check(self, config):
        config["fail_next"] = list(config["fail_next"] or ())

    def draw(self, config, rng, exchange):
        return config["fail_next"].pop(0) if config["fail_next"] else None

    def before_acting(self, decision, config, exchange):
        if decision is None:
            return
        exchange.entry["fault"] = "forced_%s" % decision
        if decision == "drop":
            raise Dropped()
        if int(decision) == 429:
            raise errors.throttled(config["retry_after"])
        raise errors.server_error(int(decision))


class Outage(FaultKind):
    """``outage_seconds``: from when it is set, every request for that many wall-clock seconds
    is answered ``outage_status`` (503; 500, 502, 504, 429 or "drop") without acting: an outage
    that outlasts a client's retries. ``outage_ends`` (epoch seconds) is when it ends."""
    options = {"outage_seconds": 0, "outage_status": 503}

    def check(self, config):
        seconds = float(config["outage_seconds"] or 0)
        if seconds < 0:
            raise ValueError("outage_seconds must not be negative")
        if config["outage_status"] not in ("drop", 429, 500, 502, 503, 504):
            raise ValueError("outage_status must be 429, 500, 502, 503, 504 or \"drop\"")
        config["outage_seconds"] = seconds
        config["outage_ends"] = time.time() + seconds if seconds else None

    def draw(self, config, rng, exchange):
        return bool(config.get("outage_ends")) and time.time() < config["outage_ends"]

    def before_acting(self, decision, config, exchange):
        if not decision:
            return
        status = config["outage_status"]
        exchange.entry["fault"] = "outage_%s" % status
        if status == "drop":
            raise Dropped()
        if status == 429:
            raise errors.throttled(config["retry_after"])
        raise errors.server_error(status)


class ErrorShares(FaultKind):
    """``drop`` / ``rate_429`` / ``rate_5xx``: shares of one draw per request (at most one of
    them happens), before anything changes; ``status_5xx`` (500/502/503/504, None or "random"),
    ``retry_after`` (the 429's Retry-After seconds)."""
    options = {"drop": 0.0, "rate_429": 0.0, "rate_5xx": 0.0, "status_5xx": 503, "retry_after": 1}

    def check(self, config):
        for name in ("drop", "rate_429", "rate_5xx"):
            _share(config, name)
        if config["drop"] + config["rate_429"] + config["rate_5xx"] > 1.0:
            raise ValueError("drop + rate_429 + rate_5xx must not exceed 1")
        if config["status_5xx"] not in (None, "random", 500, 502, 503, 504):
            raise ValueError("status_5xx must be 500, 502, 503, 504 or None (random)")

    def draw(self, config, rng, exchange):
        status = config["status_5xx"]
        if status in (None, "random"):
            status = rng.choice((500, 502, 503))
        return rng.random(), status

    def before_acting(self, decision, config, exchange):
        draw, status = decision
        if draw < config["drop"]:
            exchange.entry["fault"] = "drop"
            raise Dropped()
        if draw < config["drop"] + config["rate_429"]:
            exchange.entry["fault"] = "429"
            raise errors.throttled(config["retry_after"])
        if draw < config["drop"] + config["rate_429"] + config["rate_5xx"]:
            exchange.entry["fault"] = str(status)
            raise errors.server_error(status)


class FailAfterActing(FaultKind):
    """``fail_after_acting_5xx``: share of requests answered 500 after the change was made."""
    options = {"fail_after_acting_5xx": 0.0}

    def check(self, config):
        _share(config, "fail_after_acting_5xx")

    def draw(self, config, rng, exchange):
        return rng.random() < config["fail_after_acting_5xx"]

    def after_acting(self, decision, config, exchange):
        if decision:
            exchange.entry["fault"] = "after_acting_500"
            raise errors.server_error(500)


class _Countdown(FaultKind):
    """Base of kinds that hit the next ``option`` matching requests (an int count, or a list of
    variants used one per request); ``path_prefix`` limits them to paths starting with it."""
    option = None
    default = 0

    def check(self, config):
        value = config[self.option]
        config[self.option] = list(value) if isinstance(value, (list, tuple)) else int(value or 0)

    def draw(self, config, rng, exchange):
        value = config[self.option]
        if not value or not exchange.path.startswith(config["fault_path_prefix"] or "/"):
            return None
        if isinstance(value, list):
            return value.pop(0)
        config[self.option] = value - 1  # the live config: the count goes down request by request
        return True


class FailNextAfterActing(_Countdown):
    """``fail_next_after_acting``: the next requests are carried out, then answered with these
    statuses (e.g. ``[503]``: a gateway's 503 for a change SMS made)."""
    option = "fail_next_after_acting"
    options = {"fail_next_after_acting": (), "fault_path_prefix": None}

    def check(self, config):
        config["fail_next_after_acting"] = list(config["fail_next_after_acting"] or ())

    def after_acting(self, decision, config, exchange):
        if decision:
            exchange.entry["fault"] = "after_acting_%s" % decision
            raise errors.server_error(int(decision))


class Redirect(_Countdown):
    """``redirect_next``: answer the next N requests 302 to ``redirect_location`` without acting."""
    option = "redirect_next"
    options = {"redirect_next": 0, "redirect_location": "https://login.example.invalid/sso", "fault_path_prefix": None}

    def before_acting(self, decision, config, exchange):
        if decision:
            exchange.entry["fault"] = "redirect"
            raise errors.ApiError(302, "REDIRECT", "moved", headers=[("Location", config["redirect_location"])])


def _bad_body(variant, body):
    try:
        answer = json.loads(body.decode("utf-8")) if body else {}
    except ValueError:
        answer = {}
    items_key = next((key for key in ("source_servers", "tasks") if key in answer), None)
    if variant == "html":
        return b"<html><body><form action='/sso'>Sign in</form></body></html>", "text/html"
    if variant == "truncated":
        return body[:max(1, len(body) // 2)], None
    if variant == "array":
        return json.dumps([answer]).encode(), None
    if variant == "record_not_object" and items_key:
        answer[items_key] = [str(record.get("id")) for record in answer[items_key]] or ["x"]
    elif variant == "count_not_int":
        answer["count"] = str(answer.get("count"))
    elif variant == "no_count":
        answer.pop("count", None)
    elif variant == "no_items" and items_key:
        answer.pop(items_key)
    elif variant == "count_plus_one":
        answer["count"] = answer.get("count", 0) + 1
    elif variant == "huge":
        answer["padding"] = "x" * (17 * 1024 * 1024)
    else:
        raise ValueError("unknown bad_body_next variant %r" % variant)
    return json.dumps(answer).encode(), None


class BadBody(_Countdown):
    """``bad_body_next``: the next answers (2xx ones; one variant each) are not what the API
    promises: "html" (a login page), "truncated" (half the JSON), "array", "record_not_object",
    "count_not_int", "no_count", "no_items", "count_plus_one", "huge" (17 MiB)."""
    option = "bad_body_next"
    options = {"bad_body_next": (), "fault_path_prefix": None}

    def check(self, config):
        config["bad_body_next"] = list(config["bad_body_next"] or ())

    def shape_response(self, decision, config, exchange, response):
        if decision and 200 <= response.status < 300:
            exchange.entry["fault"] = "bad_body_%s" % decision
            response.body, content_type = _bad_body(decision, response.body)
            if content_type:
                response.headers.append(("Content-Type", content_type))


class ResetMidBody(_Countdown):
    """``reset_mid_body_next``: the next N answers stop after half the body and reset the connection."""
    option = "reset_mid_body_next"
    options = {"reset_mid_body_next": 0, "fault_path_prefix": None}

    def shape_response(self, decision, config, exchange, response):
        if not decision:
            return
        exchange.entry["fault"] = "reset_mid_body"

        def write_half(wfile, body):
            wfile.write(body[:len(body) // 2])
            wfile.flush()
            raise Dropped()
        response.write_body = write_half


class Trickle(FaultKind):
    """``trickle_bytes_per_s``: every answer's body is sent this slowly (0: at once)."""
    options = {"trickle_bytes_per_s": 0}

    def check(self, config):
        config["trickle_bytes_per_s"] = float(config["trickle_bytes_per_s"] or 0)

    def shape_response(self, decision, config, exchange, response):
        rate = config["trickle_bytes_per_s"]
        if not rate:
            return
        exchange.entry["fault"] = "trickle"

        def write_slowly(wfile, body):
            step = max(1, int(rate / 10))
            for start in range(0, len(body), step):
                wfile.write(body[start:start + step])
                wfile.flush()
                time.sleep(step / rate)
        response.write_body = write_slowly


class ChurnBetweenPages(_Countdown):
    """``churn_pages``: before each of the next N page requests of ``GET /v3/sources?state=S``
    past offset 0, the first listed source leaves state S (to ``stopped``) and the last
    registered source of another state enters S: the count stays, every later record moves one
    place towards the start, so a listing by offsets skips the record at the page boundary."""
    option = "churn_pages"
    options = {"churn_pages": 0, "fault_path_prefix": None}

    def draw(self, config, rng, exchange):
        state = exchange.query.get("state")
        if exchange.method != "GET" or exchange.path != "/v3/sources" or not state or \
                int(exchange.query.get("offset") or 0) == 0:
            return None
        return state if super(ChurnBetweenPages, self).draw(config, rng, exchange) else None

    def before_acting(self, decision, config, exchange):
        if not decision:
            return
        store = exchange.emulator.store
        leaving = store.list_sources(limit=1, state=decision)
        entering = [record for record in store.list_sources() if record["state"] not in (decision, "stopped")]
        if not leaving or not entering:
            return
        exchange.entry["fault"] = "churn %s -> stopped, %s -> %s" % (leaving[0]["id"], entering[-1]["id"], decision)
        store.update_source(leaving[0]["id"], lambda record: set_state(record, "stopped", None))
        store.update_source(entering[-1]["id"], lambda record: set_state(record, decision, None))


FAULT_KINDS = [Latency(), Outage(), ForcedAnswers(), ErrorShares(), FailAfterActing(), FailNextAfterActing(), Redirect(),
               BadBody(), ResetMidBody(), Trickle(), ChurnBetweenPages()]
