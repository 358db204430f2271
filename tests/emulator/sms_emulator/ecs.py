"""The ECS side of the servers SMS launches (the target of a task, the clone of a clone test):
their records and addresses, and the three documented ECS API calls a client needs for them,
on the emulator's own URL, signed and authorized like every SMS call:

- ShowServer ``GET /v1/{project_id}/cloudservers/{server_id}`` -> ``{"server": {id, name, status,
  addresses: {<vpc id>: [{addr, version, OS-EXT-IPS:type}]}}}``; a server that does not exist (or
  no longer): 404 ``{"error": {"code": "Ecs.0114", "message": "Instance[<id>] could not be found."}}``
  (the ECS error body and message as Huawei's KooCLI user guide shows them for ShowServer);
- DeleteServers ``POST /v1/{project_id}/cloudservers/delete`` ``{"servers": [{"id"}],
  "delete_publicip": bool, "delete_volume": bool}`` -> ``{"job_id"}``;
- ShowJob ``GET /v1/{project_id}/jobs/{job_id}`` -> ``{job_id, job_type, status (RUNNING, SUCCESS,
  FAIL), begin_time, end_time, entities: {sub_jobs_total, sub_jobs}, error_code, fail_reason}``.

Only servers SMS launched exist here (no other ECS API).  Addresses: ``target_ip`` (``Emulator(
target_ip=...)``, ``--target-ip``, ``POST /_emulator/targets``) for every new target and clone (a
network such as ``127.0.0.0/8``: the next host address of it for each), else
a stable address in 192.168.0.0/16; a task with the ``unreachable`` rehearsal fault gets one in
192.0.2.0/24 (TEST-NET-1: nothing answers there).  INFERENCE where Huawei documents no rule: the
deletion takes ``DELETE_SECONDS`` clock seconds (job RUNNING, the server still ACTIVE), then the
job is SUCCESS and the server gone; an unknown server id in a delete is 404 Ecs.0114 and nothing
is deleted; an unknown job 404 ``Ecs.0000``; a project id other than the account's 403 ``Ecs.0003``;
with the ``delete_fails`` rehearsal fault the job ends FAIL (``error_code``, ``fail_reason``) and the
server stays; the ECS ``version`` of an address is the string ``"4"`` (ServerAddress declares str, the ECS API
reference's examples show "4").
"""

import datetime
import hashlib
import ipaddress
import json

from .database import dumps
from .errors import ApiError

DELETE_SECONDS = 20  # INFERENCE: clock seconds an ECS deletion job runs
# A failed deletion (the ``delete_fails`` rehearsal fault): the code and text of the ECS error table's
# "Ecs.0002: A system exception occurred" (INFERENCE: which code a failed deletion job carries).
DELETE_ERROR = ("Ecs.0002", "A system exception occurred. Try again later or contact customer service.")
VPC_ID = "vpc-sms-emulator"  # the VPC the emulator puts every launched server in (INFERENCE)
# Fields of the answers, as the ECS SDK (huaweicloudsdkecs v2) models declare them (subsets: what
# the emulator serves): ServerDetail, ServerAddress, ShowJobResponse, JobEntities, SubJob, SubJobEntities.
SERVER_FIELDS = ("id", "name", "status", "addresses", "created", "updated")
ADDRESS_FIELDS = ("version", "addr", "OS-EXT-IPS:type")
JOB_FIELDS = ("job_id", "job_type", "status", "begin_time", "end_time", "entities", "error_code", "fail_reason")
SUB_JOB_FIELDS = ("job_id", "job_type", "status", "begin_time", "end_time", "entities", "error_code", "fail_reason")
DELETE_FIELDS = ("servers", "delete_publicip", "delete_volume")


class EcsError(ApiError):
    """An ECS error answer: ``{"error": {"code", "message"}}`` (ECS API reference, error responses)."""

    def body(self, request_id):
        return {"error": {"code": self.error_code, "message": self.error_msg}}


def server_not_found(server_id):
    return EcsError(404, "Ecs.0114", "Instance[%s] could not be found." % server_id)


def bad_request(message):
    return EcsError(400, "Ecs.0005", "Request body is illegal: %s" % message)


def _iso(seconds):
    if seconds is None:
        return None
    when = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


def default_address(server_id):
    """A stable private IPv4 address in 192.168.0.0/16 for an ECS id."""
    digest = hashlib.sha256(server_id.encode("utf-8")).digest()
    return "192.168.%d.%d" % (digest[0], digest[1] % 254 + 1)


def unreachable_address(server_id):
    """An address in 192.0.2.0/24 (TEST-NET-1, RFC 5737): documentation only, nothing answers."""
    digest = hashlib.sha256(server_id.encode("utf-8")).digest()
    return "192.0.2.%d" % (digest[0] % 254 + 1)


class EcsServers:
    """Tables ``ecs_servers`` (record per ECS id: kind ``target`` or ``clone``, its task) and ``ecs_jobs``."""

    def __init__(self, db, clock, engine, faults, target_ip=None):
        self.db = db
        self.clock = clock
        self.engine = engine
        self.faults = faults  # rehearsal_faults.RehearsalFaults: ``unreachable``
        self.target_ip = None
        self.set_target_ip(target_ip)
        engine.handlers["ecs_delete"] = self._deletion_done

    def set_target_ip(self, target_ip):
        """The address of every new target and clone: an IPv4 address, or an IPv4 network
        (``"127.0.0.0/8"``: each new server the next host address of it); None: one of 192.168.0.0/16 each."""
        if target_ip is not None:
            if "/" in str(target_ip):
                network = ipaddress.IPv4Network(target_ip, strict=False)  # ValueError when it is none
                if network.num_addresses < 4:
                    raise ValueError("target_ip network %s has too few host addresses" % target_ip)
            else:
                ipaddress.IPv4Address(target_ip)  # ValueError when it is no IPv4 address
        self.target_ip = target_ip

    def address(self, conn, task, server_id):
        if self.faults.active(conn, task, "unreachable"):
            return unreachable_address(server_id)
        if self.target_ip is None:
            return default_address(server_id)
        if "/" not in self.target_ip:
            return self.target_ip
        network = ipaddress.IPv4Network(self.target_ip, strict=False)
        row = conn.execute("SELECT value FROM meta WHERE key = 'next_target_host'").fetchone()
        used = int(row[0]) if row else 0
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('next_target_host', ?)", (str(used + 1),))
        return str(network.network_address + 1 + used % (network.num_addresses - 2))

    # ----------------------------------------------------------------- records
    def _save(self, conn, server_id, task_id, kind, name, ip):
        now = self.clock.now()
        old = self.load(server_id, conn)
        record = {"id": server_id, "name": name, "status": "ACTIVE",
                  "addresses": {VPC_ID: [{"version": "4", "addr": ip, "OS-EXT-IPS:type": "fixed"}]},
                  "created": old["created"] if old else _iso(now), "updated": _iso(now)}
        conn.execute("INSERT OR REPLACE INTO ecs_servers VALUES (?,?,?,?)", (server_id, task_id, kind, dumps(record)))

    def load(self, server_id, conn=None):
        row = (conn or self.db.conn()).execute("SELECT record FROM ecs_servers WHERE id = ?", (server_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def target_created(self, conn, task):
        """The task's target ECS exists (CREATE_CLOUD_SERVER, or the existing server of ``exist_server``):
        give it its address (``target_server.ip``) and an ECS record, once."""
        target = task["target_server"]
        vm_id = target.get("vm_id")
        if not vm_id:
            return
        if not target.get("ip"):
            target["ip"] = self.address(conn, task, vm_id)
        if self.load(vm_id, conn) is None:
            self._save(conn, vm_id, task["id"], "target", target.get("name") or vm_id, target["ip"])

    def clone_created(self, conn, task, clone):
        """The clone ECS of a clone test exists: its ECS record; returns its address."""
        ip = self.address(conn, task, clone["vm_id"])
        self._save(conn, clone["vm_id"], task["id"], "clone", clone["name"], ip)
        return ip

    def readdress(self, conn, task):
        """The ``unreachable`` fault set on a task that has a target or a clone: they move to TEST-NET-1."""
        target = task["target_server"]
        if target.get("vm_id"):
            target["ip"] = unreachable_address(target["vm_id"])
            if self.load(target["vm_id"], conn) is not None:
                self._save(conn, target["vm_id"], task["id"], "target", target.get("name"), target["ip"])
        clone = task.get("clone_server")
        if clone and clone.get("vm_id") and self.load(clone["vm_id"], conn) is not None:
            self._save(conn, clone["vm_id"], task["id"], "clone", clone["name"], unreachable_address(clone["vm_id"]))
        self.db.save_task(conn, task)

    def list_servers(self):
        """Every ECS record: [{id, task_id, kind, name, status, ip}] (admin API, tests)."""
        rows = self.db.conn().execute("SELECT id, task_id, kind, record FROM ecs_servers ORDER BY id").fetchall()
        found = []
        for server_id, task_id, kind, record in rows:
            record = json.loads(record)
            found.append({"id": server_id, "task_id": task_id, "kind": kind, "name": record["name"],
                          "status": record["status"], "ip": record["addresses"][VPC_ID][0]["addr"]})
        return found

    # ----------------------------------------------------------------- the ECS API
    def show_server(self, server_id):
        self.engine.tick()
        record = self.load(server_id)
        if record is None:
            raise server_not_found(server_id)
        return {"server": record}

    def delete_servers(self, body):
        """DeleteServers: a job that deletes the servers after DELETE_SECONDS; returns its id."""
        ids = _check_delete_body(body)
        self.engine.tick()
        with self.db.write() as conn:
            for server_id in ids:
                if self.load(server_id, conn) is None:
                    raise server_not_found(server_id)
            job_id = "ff80808" + self.db.new_id().replace("-", "")[:25]
            now = self.clock.now()
            sub_jobs = [{"job_id": "%s-%d" % (job_id, index), "job_type": "deleteServer", "status": "RUNNING",
                         "begin_time": _iso(now), "end_time": None, "entities": {"server_id": server_id},
                         "error_code": None, "fail_reason": None} for index, server_id in enumerate(ids)]
            job = {"job_id": job_id, "job_type": "deleteServer", "status": "RUNNING", "begin_time": _iso(now),
                   "end_time": None, "entities": {"sub_jobs_total": len(ids), "sub_jobs": sub_jobs},
                   "error_code": None, "fail_reason": None}
            conn.execute("INSERT INTO ecs_jobs VALUES (?,?)", (job_id, dumps(job)))
            self.engine.at(conn, now + DELETE_SECONDS, "ecs_delete", job_id)
        return job_id

    def _deletion_done(self, conn, job_id, _data, when):
        row = conn.execute("SELECT record FROM ecs_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return
        job = json.loads(row[0])
        for sub_job in job["entities"]["sub_jobs"]:
            server_id = sub_job["entities"]["server_id"]
            owner = conn.execute("SELECT task_id FROM ecs_servers WHERE id = ?", (server_id,)).fetchone()
            task = self.db.load_task(owner[0], conn) if owner else None
            if task is not None and self.faults.take(conn, task, "delete_fails"):
                sub_job.update(status="FAIL", end_time=_iso(when), error_code=DELETE_ERROR[0], fail_reason=DELETE_ERROR[1])
                continue
            conn.execute("DELETE FROM ecs_servers WHERE id = ?", (server_id,))
            sub_job.update(status="SUCCESS", end_time=_iso(when))
        failed = [sub_job for sub_job in job["entities"]["sub_jobs"] if sub_job["status"] == "FAIL"]
        job.update(status="FAIL" if failed else "SUCCESS", end_time=_iso(when))
        if failed:
            job.update(error_code=DELETE_ERROR[0], fail_reason=DELETE_ERROR[1])
        conn.execute("UPDATE ecs_jobs SET record = ? WHERE id = ?", (dumps(job), job_id))

    def show_job(self, job_id):
        self.engine.tick()
        row = self.db.conn().execute("SELECT record FROM ecs_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise EcsError(404, "Ecs.0000", "The job does not exist: %s" % job_id)
        return json.loads(row[0])


def _check_delete_body(body):
    """The server ids of a DeleteServers body (1 to 1000 {"id"}, the two documented booleans)."""
    unknown = sorted(set(body) - set(DELETE_FIELDS))
    if unknown:
        raise bad_request("unknown field %s" % unknown[0])
    servers = body.get("servers")
    if not isinstance(servers, list) or not 1 <= len(servers) <= 1000:
        raise bad_request("servers must be a list of 1 to 1000 servers")
    ids = []
    for server in servers:
        if not isinstance(server, dict) or set(server) != {"id"} or not isinstance(server["id"], str) or not server["id"]:
            raise bad_request("each server must be {\"id\": <server id>}")
        ids.append(server["id"])
    for flag in ("delete_publicip", "delete_volume"):
        if flag in body and not isinstance(body[flag], bool):
            raise bad_request("%s must be a boolean" % flag)
    return ids


# ----------------------------------------------------------------- handlers (see routes.py)
def _project(call):
    if call.params["project_id"] != call.emulator.project_id:
        raise EcsError(403, "Ecs.0003", "You do not have permission to perform this operation in project %s"
                       % call.params["project_id"])


def show_server(call):
    _project(call)
    return 200, call.store.show_ecs_server(call.params["server_id"])


def delete_servers(call):
    _project(call)
    try:
        body = call.json()
    except ApiError as exc:
        raise bad_request(exc.error_msg) from exc
    return 200, {"job_id": call.store.delete_ecs_servers(body)}


def show_job(call):
    _project(call)
    return 200, call.store.show_ecs_job(call.params["job_id"])


# IAM actions: ECS's (ecs:cloudServers:get / ecs:cloudServers:delete, "Permissions and Supported
# Actions"; ShowJob under ecs:cloudServers:get is INFERENCE).
ROUTES = (
    ("POST", "/v1/{project_id}/cloudservers/delete", "ecs:cloudServers:delete", None, delete_servers),
    ("GET", "/v1/{project_id}/cloudservers/{server_id}", "ecs:cloudServers:get", "server_id", show_server),
    ("GET", "/v1/{project_id}/jobs/{job_id}", "ecs:cloudServers:get", "job_id", show_job),
)
