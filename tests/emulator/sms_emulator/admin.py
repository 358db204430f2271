"""The emulator's own admin API under /_emulator/ (no auth, never faulted, not logged)."""

import json

from . import errors


def _payload(call_body):
    return json.loads(call_body.decode("utf-8")) if call_body else {}


def requests_log(emulator, query, body):
    return emulator.request_log()


def clear_requests(emulator, query, body):
    emulator.clear_request_log()
    return {}


def show_faults(emulator, query, body):
    return emulator.fault_injector.public_config()


def set_faults(emulator, query, body):
    emulator.set_faults(**_payload(body))
    return emulator.fault_injector.public_config()


def show_state(emulator, query, body):
    store = emulator.store
    source_id = query.get("source_id")
    if not source_id:
        return {"sources": store.count_sources(), "overview": store.overview()}
    return {"source": store.get_source(source_id), "pending_command": store.pending_command(source_id),
            "command_results": store.command_results(source_id)}


def add_user(emulator, query, body):
    payload = _payload(body)
    emulator.add_user(payload["access_key"], payload["secret_key"], payload.get("security_token"),
                      payload.get("denied_actions") or (), payload.get("auth_token"))
    return {"access_key": payload["access_key"]}


def add_sources(emulator, query, body):
    payload = _payload(body)
    ids = emulator.store.add_sources(int(payload.get("count", 1)), seed=payload.get("seed", emulator.seed),
                                     **emulator.fleet_options)
    return {"ids": ids}


def credentials(emulator, query, body):
    return emulator.credentials


# (method, path under /_emulator/) -> handler(emulator, query, body) returning the JSON answer
ADMIN_ROUTES = {
    ("GET", "requests"): requests_log,
    ("DELETE", "requests"): clear_requests,
    ("GET", "faults"): show_faults,
    ("POST", "faults"): set_faults,
    ("GET", "state"): show_state,
    ("POST", "users"): add_user,
    ("POST", "sources"): add_sources,
    ("GET", "credentials"): credentials,
}


def handle_admin(emulator, method, rest, query, body, request_id):
    """(status, payload, headers) of an admin request; ``rest`` is the path after /_emulator/."""
    handler = ADMIN_ROUTES.get((method, "/".join(rest)))
    try:
        if handler is None:
            raise errors.no_api()
        return 200, handler(emulator, query, body), []
    except errors.ApiError as exc:
        return exc.status, exc.body(request_id), []
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error_code": "EMULATOR.400", "error_msg": str(exc)}, []
