"""The emulator's own admin API under /_emulator/ (no auth, never faulted, not logged)."""

import json

from . import errors


def _payload(call_body):
    return json.loads(call_body.decode("utf-8")) if call_body else {}


def requests_log(emulator, query, body):
    """The request log; ``?writes=true``: only the requests that may change something (not GET/HEAD)."""
    if query.get("writes") == "true":
        return emulator.write_requests()
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


def show_clock(emulator, query, body):
    return {"now_ms": emulator.clock.now_ms(), "speedup": emulator.speedup, "auto_agent": emulator.store.auto_agent,
            "agent_delay": emulator.store.agent_delay, "replication_mbps": emulator.store.replication_mbps}


def set_clock(emulator, query, body):
    """{"speedup": x, "advance": seconds, "auto_agent": bool, "agent_delay": seconds} (each optional)."""
    payload = _payload(body)
    unknown = set(payload) - {"speedup", "advance", "auto_agent", "agent_delay"}
    if unknown:
        raise ValueError("unknown clock options: %s" % ", ".join(sorted(unknown)))
    if "speedup" in payload:
        emulator.set_speedup(payload["speedup"])
    if "advance" in payload:
        emulator.advance(float(payload["advance"]))
    emulator.set_agent(payload.get("auto_agent"), payload.get("agent_delay"))
    return show_clock(emulator, query, body)


def set_task_fault(emulator, query, body):
    """{"task_id" or "source_id": ..., "fail_at" | "disconnect_at" | "raw_state": ..., ...}."""
    payload = _payload(body)
    key = payload.pop("task_id", None) or payload.pop("source_id", None)
    if not key:
        raise ValueError("task_id or source_id is required")
    emulator.set_task_fault(key, **payload)
    return {"key": key}


def clear_task_fault(emulator, query, body):
    key = query.get("task_id") or query.get("source_id")
    if not key:
        raise ValueError("task_id or source_id is required")
    emulator.clear_task_fault(key)
    return {"key": key}


def remove_task(emulator, query, body):
    """DELETE /_emulator/tasks?task_id=: the task disappears, whatever its state."""
    task_id = query.get("task_id")
    if not task_id:
        raise ValueError("task_id is required")
    emulator.remove_task(task_id)
    return {"task_id": task_id}


def show_targets(emulator, query, body):
    """The address new targets and clones get, and the ECS servers SMS launched (ecs.py)."""
    return {"target_ip": emulator.target_ip, "servers": emulator.store.ecs_servers()}


def set_targets(emulator, query, body):
    """{"target_ip": "127.0.0.1"} (null: addresses from 192.168.0.0/16 again)."""
    payload = _payload(body)
    unknown = set(payload) - {"target_ip"}
    if unknown:
        raise ValueError("unknown target options: %s" % ", ".join(sorted(unknown)))
    if "target_ip" in payload:
        emulator.set_target_ip(payload["target_ip"])
    return show_targets(emulator, query, body)


def set_rehearsal_fault(emulator, query, body):
    """{"task_id" or "source_id": ..., "clone_fails" | "drill_fails" | "log_upload_fails" | "unreachable": true, ...}."""
    payload = _payload(body)
    key = payload.pop("task_id", None) or payload.pop("source_id", None)
    if not key:
        raise ValueError("task_id or source_id is required")
    emulator.set_rehearsal_fault(key, **payload)
    return {"key": key, "fault": emulator.store.rehearsal_fault(key)}


def clear_rehearsal_fault(emulator, query, body):
    key = query.get("task_id") or query.get("source_id")
    if not key:
        raise ValueError("task_id or source_id is required")
    emulator.clear_rehearsal_fault(key)
    return {"key": key}


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
    ("GET", "clock"): show_clock,
    ("POST", "clock"): set_clock,
    ("POST", "task_faults"): set_task_fault,
    ("DELETE", "task_faults"): clear_task_fault,
    ("DELETE", "tasks"): remove_task,
    ("GET", "targets"): show_targets,
    ("POST", "targets"): set_targets,
    ("POST", "rehearsal_faults"): set_rehearsal_fault,
    ("DELETE", "rehearsal_faults"): clear_rehearsal_fault,
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
