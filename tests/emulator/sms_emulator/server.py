"""The HTTP side of the emulator: the threaded server, the request handler and ``Emulator``,
which ties the parts together (auth, faults, routes, admin, store)."""

import contextlib
import hashlib
import json
import secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from .admin import handle_admin
from .auth import DEFAULT_ACCESS_KEY, DEFAULT_AUTH_TOKEN, DEFAULT_SECRET_KEY, Users
from .errors import ApiError
from .faults import Dropped, Exchange, FaultInjector, Response
from .inferences import SOURCE_QUOTA
from .routes import dispatch
from .clock import Clock
from .replication import DEFAULT_SPEED_MBPS
from .store import Store
from .task_actions import DEFAULT_MAX_RUNNING

DEFAULT_REGION = "ap-southeast-3"
__all__ = ["Emulator", "DEFAULT_REGION", "DEFAULT_ACCESS_KEY", "DEFAULT_SECRET_KEY", "DEFAULT_AUTH_TOKEN"]


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
            response = emulator.handle(self.command, raw_path, raw_query, self.headers, body, entry)
            entry["status"] = response.status
            if not raw_path.startswith("/_emulator/"):
                emulator.log_request(entry)  # the admin API's own calls would only be noise
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Request-Id", request_id)
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if response.write_body is None:
                self.wfile.write(response.body)
            else:
                response.write_body(self.wfile, response.body)
        except Dropped:
            if entry["status"] is None:
                entry["status"] = 0
                entry["fault"] = entry["fault"] or "drop"
                emulator.log_request(entry)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.flush()
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _logged_headers(self):
        hidden = ("x-auth-token", "x-security-token")
        return {name: ("***" if name.lower() in hidden else value) for name, value in self.headers.items()}


class Emulator:
    """A local SMS API server.  See README.md for the options."""

    def __init__(self, sources=0, seed=0, db_path=None, host="127.0.0.1", port=0, region=DEFAULT_REGION,
                 project_id=None, access_key=None, secret_key=None, auth_token=None, random_credentials=False,
                 os_mix=None, states=None, enterprise_projects=1, duplicate_names=0, command_generation="new",
                 speedup=1.0, auto_agent=False, agent_delay=5.0, replication_mbps=DEFAULT_SPEED_MBPS,
                 max_running=DEFAULT_MAX_RUNNING,
                 source_quota=SOURCE_QUOTA, target_ip=None,
                 fault_seed=None, **faults):
        self.fault_injector = FaultInjector(seed if fault_seed is None else fault_seed)
        unknown = set(faults) - set(self.fault_injector.defaults)
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
        self.users = Users()
        self.add_user(self.access_key, self.secret_key, auth_token=self.auth_token)
        self.clock = Clock(speedup)
        self.store = Store(db_path, region=region, project_id=self.project_id, command_generation=command_generation,
                           clock=self.clock, auto_agent=auto_agent, agent_delay=agent_delay,
                           replication_mbps=replication_mbps,
                           source_quota=source_quota, target_ip=target_ip)
        self.set_max_running(max_running)
        self.fleet_options = {"os_mix": os_mix, "states": states, "enterprise_projects": enterprise_projects,
                              "duplicate_names": duplicate_names}
        self.fleet_seconds = 0.0
        if sources and self.store.count_sources() == 0:
            started = time.perf_counter()
            self.store.add_sources(sources, seed=seed, **self.fleet_options)
            self.fleet_seconds = time.perf_counter() - started
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
                "iam_endpoint": self.url, "ecs_endpoint": self.url}

    def env(self):
        """HUAWEICLOUD_* environment variables pointing at this emulator."""
        return {"HUAWEICLOUD_SMS_ENDPOINT": self.url, "HUAWEICLOUD_ACCESS_KEY": self.access_key,
                "HUAWEICLOUD_SECRET_KEY": self.secret_key, "HUAWEICLOUD_PROJECT_ID": self.project_id,
                "HUAWEICLOUD_REGION": self.region, "HUAWEICLOUD_IAM_ENDPOINT": self.url,
                "HUAWEICLOUD_ECS_ENDPOINT": self.url}

    # ----------------------------------------------------------------- the migration lifecycle
    @property
    def speedup(self):
        return self.clock.speedup

    def set_speedup(self, speedup):
        """Run the emulator's clock ``speedup`` times faster than the wall clock from now on."""
        self.clock.set_speedup(speedup)
        self.store.wake()

    def advance(self, seconds):
        """Move the emulator's clock forward (replication, launches and agent answers catch up)."""
        self.clock.advance(seconds)
        self.store.wake()

    def set_agent(self, auto_agent=None, agent_delay=None):
        """Switch the auto-answering agent on/off and set its delay (clock seconds)."""
        self.store.set_agent(auto_agent, agent_delay)

    def set_max_running(self, max_running):
        """SMS's concurrency limit: a start or restart beyond ``max_running`` tasks migrating at
        once is refused (task_actions.SLOT_STATES; 100, the real limit, by default)."""
        self.store.actions.set_max_running(max_running)

    @property
    def peak_running(self):
        """The most tasks migrating at once (task_actions.SLOT_STATES) the emulator has admitted."""
        return self.store.actions.peak_running

    def set_task_fault(self, key, **spec):
        """A fault for one task; ``key`` is its id, or a source id (for the source's task, even a future one).

        ``fail_at=SUBTASK`` (+ ``error_code``, default SMS.1901, ``error_msg``), ``disconnect_at=SUBTASK``,
        or ``raw_state=STATE`` (at once, or ``at=SUBTASK``).  One-shot: it fires once, then is gone."""
        self.store.set_task_fault(key, **spec)

    def clear_task_fault(self, key):
        self.store.clear_task_fault(key)

    @property
    def target_ip(self):
        """The address every new target and clone gets (None: one of 192.168.0.0/16 each)."""
        return self.store.servers.target_ip

    def set_target_ip(self, target_ip):
        """From now on every new target and clone gets ``target_ip`` (None: one of 192.168.0.0/16 each)."""
        self.store.set_target_ip(target_ip)

    def set_rehearsal_fault(self, key, **spec):
        """A fault of the rehearsal for one task (``key``: its id, or a source id): ``clone_fails=True``
        (+ ``clone_error``, ``error_msg``), ``drill_fails=True``, ``log_upload_fails=True`` (each once),
        ``unreachable=True`` (its target and clones get addresses nothing answers; until cleared)."""
        self.store.set_rehearsal_fault(key, **spec)

    def clear_rehearsal_fault(self, key):
        self.store.clear_rehearsal_fault(key)

    def remove_task(self, task_id):
        """Make a task disappear whatever its state (deleted elsewhere); see tasks.Tasks.remove_task."""
        self.store.remove_task(task_id)

    # ----------------------------------------------------------------- users, faults, log
    def add_user(self, access_key, secret_key, security_token=None, denied_actions=(), auth_token=None):
        return self.users.add(access_key, secret_key, security_token, denied_actions, auth_token)

    def set_faults(self, fault_seed=None, **faults):
        """Replace the fault configuration (unnamed options go back to their defaults); see faults.py."""
        self.fault_injector.configure(fault_seed=fault_seed, **faults)

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
        return self.fault_injector.config

    def log_request(self, entry):
        with self._log_lock:
            self._log.append(entry)

    def request_log(self):
        with self._log_lock:
            return [dict(entry) for entry in self._log]

    def write_requests(self):
        """Logged API requests that may change something (every method but GET and HEAD), whatever
        their answer: a test asserts ``write_requests() == []`` to prove nothing was written."""
        return [entry for entry in self.request_log() if entry["method"] not in ("GET", "HEAD")]

    def clear_request_log(self):
        with self._log_lock:
            self._log = []

    # ----------------------------------------------------------------- request handling
    def handle(self, method, raw_path, raw_query, headers, body, entry):
        """Answer one request with a faults.Response.  Raises faults.Dropped."""
        segments = [unquote(part) for part in raw_path.split("/")[1:]]
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        if segments and segments[0] == "_emulator":
            status, payload, extra = handle_admin(self, method, segments[1:], query, body, entry["request_id"])
            return Response(status, extra, _encode(payload))
        self.store.tick()
        exchange = Exchange(method, raw_path, query, entry, self)
        plan = self.fault_injector.plan(exchange)
        try:
            plan.before_acting(exchange)
            user = self.users.authenticate(method, raw_path, raw_query, headers, body)
            entry["access_key"] = user.access_key
            status, payload = dispatch(self, method, segments, query, body, user)
            plan.after_acting(exchange)
            response = Response(status, [], _encode(payload))
        except ApiError as exc:
            response = Response(exc.status, list(exc.headers), _encode(exc.body(entry["request_id"])))
        plan.shape_response(exchange, response)
        return response


def _encode(payload):
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
