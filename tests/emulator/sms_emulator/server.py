"""The HTTP side of the emulator: routing, authentication, fault injection, admin API."""

import contextlib
import hashlib
import json
import random
import secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from . import errors, signing
from .errors import ApiError, invalid_parameter, not_found
from .records import MIGRATION_CYCLES, SOURCE_STATES
from .store import Store

DEFAULT_REGION = "ap-southeast-3"
# Well-known fake credentials (not real; printed by the CLI).
DEFAULT_ACCESS_KEY = "SMSEMULATORACCESSKEY"
DEFAULT_SECRET_KEY = "SmsEmulatorSecretKey0000000000000000000000"
DEFAULT_AUTH_TOKEN = "sms-emulator-token-0000000000000000"

LIST_STRING_PARAMS = ("state", "name", "id", "ip", "ipv6", "migproject", "migration_cycle",
                      "enterprise_project_id", "vm_id")
LIST_BOOL_PARAMS = ("connected", "is_consistency_result_exist")
FAULT_DEFAULTS = {"latency_ms": 0, "rate_429": 0.0, "rate_5xx": 0.0, "status_5xx": 503, "drop": 0.0,
                  "retry_after": 1, "fail_after_acting_5xx": 0.0, "fail_next": (), "methods": None}


class User:
    """An IAM identity the emulator accepts."""

    def __init__(self, access_key, secret_key, security_token=None, denied_actions=(), auth_token=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.denied_actions = frozenset(denied_actions or ())
        self.auth_token = auth_token


def _int_param(query, name, default, low, high):
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_parameter(name, "must be an integer from %d to %d" % (low, high))
    return int(raw)


def validate_list_query(query):
    """Validate GET /v3/sources query parameters; return (filters, limit, offset)."""
    for name in LIST_STRING_PARAMS:
        if name in query and len(query[name]) > 255:
            raise invalid_parameter(name, "must be at most 255 characters")
    for name in LIST_BOOL_PARAMS:
        if name in query and query[name] not in ("true", "false"):
            raise invalid_parameter(name, "must be true or false")
    if query.get("state") and query["state"] not in SOURCE_STATES:
        raise invalid_parameter("state", "must be one of " + ", ".join(SOURCE_STATES))
    if query.get("migration_cycle") and query["migration_cycle"] not in MIGRATION_CYCLES:
        raise invalid_parameter("migration_cycle", "must be one of " + ", ".join(MIGRATION_CYCLES))
    limit = _int_param(query, "limit", 200, 0, 200) or 200
    offset = _int_param(query, "offset", 0, 0, 65535)
    names = ("state", "name", "id", "ip", "migproject", "migration_cycle", "connected", "enterprise_project_id",
             "is_consistency_result_exist", "ipv6", "vm_id")
    filters = {name: query.get(name) for name in names}
    return filters, limit, offset


class _Dropped(Exception):
    """The fault injector decided to close the connection without answering."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, emulator):
        self.emulator = emulator
        self.open_connections = set()
        self.open_lock = threading.Lock()
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SmsEmulator/0.1"
    timeout = 120  # idle keep-alive connections end after this many seconds

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.open_lock:
            self.server.open_connections.add(self.connection)

    def finish(self):
        with self.server.open_lock:
            self.server.open_connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence the default stderr access log; the emulator keeps its own request log."""

    def do_GET(self):  # pylint: disable=invalid-name
        self._serve()

    def do_POST(self):  # pylint: disable=invalid-name
        self._serve()

    def do_PUT(self):  # pylint: disable=invalid-name
        self._serve()

    def do_DELETE(self):  # pylint: disable=invalid-name
        self._serve()

    def do_PATCH(self):  # pylint: disable=invalid-name
        self._serve()

    def _serve(self):
        emulator = self.server.emulator
        request_id = uuid.uuid4().hex
        raw_path, _sep, raw_query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        entry = {"method": self.command, "path": raw_path, "query": raw_query, "status": None,
                 "time": time.time(), "request_id": request_id, "headers": self._logged_headers(),
                 "body": body.decode("utf-8", "replace")[:4096], "fault": None}
        try:
            status, payload, extra_headers = emulator.handle(self.command, raw_path, raw_query, self.headers, body,
                                                             entry)
        except _Dropped:
            entry["status"] = 0
            entry["fault"] = "drop"
            emulator.log_request(entry)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        entry["status"] = status
        if not raw_path.startswith("/_emulator/"):
            emulator.log_request(entry)  # the admin API's own calls would only be noise
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", request_id)
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _logged_headers(self):
        hidden = ("x-auth-token", "x-security-token")
        return {name: ("***" if name.lower() in hidden else value) for name, value in self.headers.items()}


class Emulator:
    """A local SMS API server.  See README.md for the options."""

    def __init__(self, sources=0, seed=0, db_path=None, host="127.0.0.1", port=0, region=DEFAULT_REGION,
                 project_id=None, access_key=None, secret_key=None, auth_token=None, random_credentials=False,
                 os_mix=None, states=None, enterprise_projects=1, duplicate_names=0, command_generation="new",
                 fault_seed=None, **faults):
        unknown = set(faults) - set(FAULT_DEFAULTS)
        if unknown:
            raise TypeError("unknown Emulator options: %s" % ", ".join(sorted(unknown)))
        self.host = host
        self.port = port
        self.region = region
        self.seed = seed
        self.project_id = project_id or hashlib.sha256(("project:%s" % region).encode()).hexdigest()[:32]
        self.domain_id = hashlib.sha256(b"domain").hexdigest()[:32]
        if random_credentials:
            access_key = access_key or secrets.token_hex(10).upper()
            secret_key = secret_key or secrets.token_urlsafe(30)
            auth_token = auth_token or secrets.token_urlsafe(48)
        self.access_key = access_key or DEFAULT_ACCESS_KEY
        self.secret_key = secret_key or DEFAULT_SECRET_KEY
        self.auth_token = auth_token or DEFAULT_AUTH_TOKEN
        self._users = {}
        self._tokens = {}
        self._users_lock = threading.Lock()
        self.add_user(self.access_key, self.secret_key, auth_token=self.auth_token)
        self.store = Store(db_path, region=region, project_id=self.project_id, command_generation=command_generation)
        self.fleet_options = {"os_mix": os_mix, "states": states, "enterprise_projects": enterprise_projects,
                              "duplicate_names": duplicate_names}
        self.fleet_seconds = 0.0
        if sources and self.store.count_sources() == 0:
            started = time.perf_counter()
            self.store.add_sources(sources, seed=seed, **self.fleet_options)
            self.fleet_seconds = time.perf_counter() - started
        self._faults = dict(FAULT_DEFAULTS)
        self._fault_lock = threading.Lock()
        self._rng = random.Random(seed if fault_seed is None else fault_seed)
        self.set_faults(**faults)
        self._log = []
        self._log_lock = threading.Lock()
        self._server = None
        self._thread = None

    # ----------------------------------------------------------------- lifecycle
    def start(self):
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        """Run in the calling thread (CLI)."""
        if self._server is None:
            self._server = _Server((self.host, self.port), _Handler, self)
            self.port = self._server.server_address[1]
        self._server.serve_forever()

    def stop(self):
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()
            with self._server.open_lock:
                for conn in list(self._server.open_connections):
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_RDWR)
            # Request threads still inside a query must leave before the store is closed:
            # closing SQLite under a running statement crashes the interpreter.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with self._server.open_lock:
                    if not self._server.open_connections:
                        break
                time.sleep(0.02)
            self._server = None
            if self._thread is not None:
                self._thread.join(timeout=10)
                self._thread = None
        self.store.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def credentials(self):
        return {"access_key": self.access_key, "secret_key": self.secret_key, "auth_token": self.auth_token,
                "project_id": self.project_id, "region": self.region, "endpoint": self.url,
                "iam_endpoint": self.url}

    def env(self):
        """HUAWEICLOUD_* environment variables pointing at this emulator."""
        return {"HUAWEICLOUD_SMS_ENDPOINT": self.url, "HUAWEICLOUD_ACCESS_KEY": self.access_key,
                "HUAWEICLOUD_SECRET_KEY": self.secret_key, "HUAWEICLOUD_PROJECT_ID": self.project_id,
                "HUAWEICLOUD_REGION": self.region, "HUAWEICLOUD_IAM_ENDPOINT": self.url}

    # ----------------------------------------------------------------- users, faults, log
    def add_user(self, access_key, secret_key, security_token=None, denied_actions=(), auth_token=None):
        user = User(access_key, secret_key, security_token, denied_actions, auth_token)
        with self._users_lock:
            self._users[access_key] = user
            if auth_token:
                self._tokens[auth_token] = user
        return user

    def set_faults(self, fault_seed=None, **faults):
        """Replace the fault configuration (unnamed options go back to their defaults)."""
        unknown = set(faults) - set(FAULT_DEFAULTS)
        if unknown:
            raise ValueError("unknown fault options: %s" % ", ".join(sorted(unknown)))
        config = dict(FAULT_DEFAULTS)
        config.update(faults)
        for name in ("rate_429", "rate_5xx", "drop", "fail_after_acting_5xx"):
            config[name] = float(config[name])
            if not 0.0 <= config[name] <= 1.0:
                raise ValueError("%s must be between 0 and 1" % name)
        if config["drop"] + config["rate_429"] + config["rate_5xx"] > 1.0:
            raise ValueError("drop + rate_429 + rate_5xx must not exceed 1")
        if config["status_5xx"] not in (None, "random", 500, 502, 503, 504):
            raise ValueError("status_5xx must be 500, 502, 503, 504 or None (random)")
        config["fail_next"] = list(config["fail_next"] or ())
        if config["methods"] is not None:
            config["methods"] = {method.upper() for method in config["methods"]}
        with self._fault_lock:
            self._faults = config
            if fault_seed is not None:
                self._rng = random.Random(fault_seed)

    def reset_faults(self):
        self.set_faults()

    @contextlib.contextmanager
    def faults(self, **faults):
        """``with emu.faults(rate_429=0.5): ...`` - faults only inside the block."""
        self.set_faults(**faults)
        try:
            yield self
        finally:
            self.reset_faults()

    @property
    def fault_config(self):
        with self._fault_lock:
            return dict(self._faults)

    def log_request(self, entry):
        with self._log_lock:
            self._log.append(entry)

    def request_log(self):
        with self._log_lock:
            return [dict(entry) for entry in self._log]

    def clear_request_log(self):
        with self._log_lock:
            self._log = []

    # ----------------------------------------------------------------- request handling
    def handle(self, method, raw_path, raw_query, headers, body, entry):
        """Answer one request: (status, payload, extra headers).  Raises _Dropped."""
        segments = [unquote(part) for part in raw_path.split("/")[1:]]
        if segments and segments[0] == "_emulator":
            try:
                return self._admin(method, segments[1:], raw_query, body)
            except ApiError as exc:
                return exc.status, exc.body(entry["request_id"]), []
            except (ValueError, TypeError) as exc:
                return 400, {"error_code": "EMULATOR.400", "error_msg": str(exc)}, []
        try:
            after_acting = self._faults_before_acting(method, entry)
            user = self._authenticate(method, raw_path, raw_query, headers, body)
            entry["access_key"] = user.access_key
            status, payload = self._route(method, segments, raw_query, body, user)
            if after_acting:
                entry["fault"] = "after_acting_500"
                raise errors.server_error(500)
            return status, payload, []
        except ApiError as exc:
            extra = []
            if exc.status == 429:
                extra.append(("Retry-After", str(self.fault_config["retry_after"])))
            return exc.status, exc.body(entry["request_id"]), extra

    def _faults_before_acting(self, method, entry):
        """Decide injected faults before anything changes; return True for a fail-after-acting 500."""
        with self._fault_lock:
            config = self._faults
            if config["methods"] is not None and method not in config["methods"]:
                return False
            forced = config["fail_next"].pop(0) if config["fail_next"] else None
            draw = self._rng.random()
            after = self._rng.random() < config["fail_after_acting_5xx"]
            status_5xx = config["status_5xx"]
            if status_5xx in (None, "random"):
                status_5xx = self._rng.choice((500, 502, 503))
        if config["latency_ms"]:
            time.sleep(config["latency_ms"] / 1000.0)
        if forced is not None:
            entry["fault"] = "forced_%s" % forced
            if forced == "drop":
                raise _Dropped()
            if int(forced) == 429:
                raise errors.throttled()
            raise errors.server_error(int(forced))
        if draw < config["drop"]:
            raise _Dropped()
        if draw < config["drop"] + config["rate_429"]:
            entry["fault"] = "429"
            raise errors.throttled()
        if draw < config["drop"] + config["rate_429"] + config["rate_5xx"]:
            entry["fault"] = str(status_5xx)
            raise errors.server_error(status_5xx)
        return after

    def _authenticate(self, method, raw_path, raw_query, headers, body):
        token = headers.get("X-Auth-Token")
        if token is not None:
            with self._users_lock:
                user = self._tokens.get(token.strip())
            if user is None:
                raise errors.bad_signature()
            return user
        if headers.get("Authorization") is None:
            raise errors.bad_signature()

        def lookup(access_key):
            with self._users_lock:
                user = self._users.get(access_key)
            return None if user is None else user.secret_key
        try:
            access_key, signed_headers = signing.verify(method, raw_path, raw_query, headers, body, lookup)
        except signing.SignatureError as exc:
            raise errors.bad_signature() from exc
        with self._users_lock:
            user = self._users[access_key]
        if user.security_token is not None:
            if "x-security-token" not in signed_headers or headers.get("X-Security-Token") != user.security_token:
                raise errors.bad_signature()
        return user

    @staticmethod
    def _authorize(user, action, resource="*"):
        if action in user.denied_actions:
            raise errors.forbidden(action, resource)

    def _route(self, method, segments, raw_query, body, user):  # pylint: disable=too-many-return-statements,too-many-branches
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        store = self.store
        if segments == ["v3", "projects"] and method == "GET":
            self._authorize(user, "iam:projects:listProjects")
            name = query.get("name")
            if name and name != self.region:
                return 200, {"projects": [], "links": {"self": None}}
            return 200, {"projects": [{"id": self.project_id, "name": self.region, "domain_id": self.domain_id,
                                       "enabled": True, "is_domain": False, "parent_id": self.domain_id,
                                       "description": "", "links": {}}],
                         "links": {"self": None}}
        if segments[:2] == ["v3", "sources"]:
            rest = segments[2:]
            if not rest or rest == [""]:
                if method == "GET":
                    self._authorize(user, "sms:server:list")
                    filters, limit, offset = validate_list_query(query)
                    _count, text = store.query_sources_json(filters, limit, offset)
                    return 200, text.encode("utf-8")
                if method == "POST":
                    self._authorize(user, "sms:server:register")
                    source_id, _created = store.register_source(self._json(body))
                    return 200, {"id": source_id}
            elif rest == ["overview"] and method == "GET":
                self._authorize(user, "sms:server:list")
                return 200, store.overview()
            elif len(rest) == 1:
                source_id = rest[0]
                if method == "GET":
                    self._authorize(user, "sms:server:get", source_id)
                    source = store.get_source(source_id)
                    if source is None:
                        raise not_found("source server", source_id)
                    return 200, source
                if method == "DELETE":
                    self._authorize(user, "sms:server:delete", source_id)
                    store.delete_source(source_id)
                    return 200, {}
            elif len(rest) == 2:
                source_id, action = rest
                if action == "command" and method == "GET":
                    self._authorize(user, "sms:server:getCommand", source_id)
                    return 200, store.poll_command(source_id)
                if action == "command_result" and method == "POST":
                    self._authorize(user, "sms:server:updateCommandResult", source_id)
                    store.report_command_result(source_id, self._json(body, code="SMS.6022"))
                    return 200, {}
                if action == "changestate" and method == "PUT":
                    self._authorize(user, "sms:server:updateCopyState", source_id)
                    store.change_state(source_id, self._json(body))
                    return 200, {}
        if segments[:2] == ["v3", "tasks"]:
            return self._route_tasks(method, segments[2:], query, body, user)
        raise errors.no_api()

    def _route_tasks(self, method, rest, query, body, user):
        store = self.store
        if not rest or rest == [""]:
            if method == "POST":
                self._authorize(user, "sms:task:create")
                return 200, {"id": store.create_task(self._json(body))}
            if method == "GET":
                self._authorize(user, "sms:task:list")
                limit = _int_param(query, "limit", 100, 0, 200) or 100
                offset = _int_param(query, "offset", 0, 0, 65535)
                count, tasks = store.list_tasks(state=query.get("state"), name=query.get("name"),
                                                task_id=query.get("id"), source_server_id=query.get("source_server_id"),
                                                enterprise_project_id=query.get("enterprise_project_id"),
                                                limit=limit, offset=offset)
                return 200, {"count": count, "tasks": tasks}
        elif len(rest) == 1:
            task_id = rest[0]
            if method == "GET":
                self._authorize(user, "sms:task:get", task_id)
                task = store.get_task(task_id)
                if task is None:
                    raise not_found("task", task_id)
                return 200, task
            if method == "DELETE":
                self._authorize(user, "sms:task:delete", task_id)
                store.delete_task(task_id)
                return 200, {}
        elif len(rest) == 2 and rest[1] == "action" and method == "POST":
            self._authorize(user, "sms:task:updateStatus", rest[0])
            request = self._json(body)
            operation = request.get("operation")
            if not isinstance(operation, str):
                raise invalid_parameter("operation", "required string")
            store.task_action(rest[0], operation, request)
            return 200, {}
        raise errors.no_api()

    @staticmethod
    def _json(body, code=errors.INVALID_PARAMETER):
        try:
            value = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, code, "The request body is not valid JSON") from exc
        if not isinstance(value, dict):
            raise ApiError(400, code, "The request body must be a JSON object")
        return value

    # ----------------------------------------------------------------- admin API
    def _admin(self, method, rest, raw_query, body):
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        payload = json.loads(body.decode("utf-8")) if body else {}
        if rest == ["requests"] and method == "GET":
            return 200, self.request_log(), []
        if rest == ["requests"] and method == "DELETE":
            self.clear_request_log()
            return 200, {}, []
        if rest == ["faults"] and method == "POST":
            self.set_faults(**payload)
            return 200, self._public_faults(), []
        if rest == ["faults"] and method == "GET":
            return 200, self._public_faults(), []
        if rest == ["state"] and method == "GET":
            source_id = query.get("source_id")
            if not source_id:
                return 200, {"sources": self.store.count_sources(), "overview": self.store.overview()}, []
            return 200, {"source": self.store.get_source(source_id),
                         "pending_command": self.store.pending_command(source_id),
                         "command_results": self.store.command_results(source_id)}, []
        if rest == ["users"] and method == "POST":
            self.add_user(payload["access_key"], payload["secret_key"], payload.get("security_token"),
                          payload.get("denied_actions") or (), payload.get("auth_token"))
            return 200, {"access_key": payload["access_key"]}, []
        if rest == ["sources"] and method == "POST":
            ids = self.store.add_sources(int(payload.get("count", 1)), seed=payload.get("seed", self.seed),
                                         **self.fleet_options)
            return 200, {"ids": ids}, []
        if rest == ["credentials"] and method == "GET":
            return 200, self.credentials, []
        raise errors.no_api()

    def _public_faults(self):
        config = self.fault_config
        config["methods"] = sorted(config["methods"]) if config["methods"] else None
        return config
