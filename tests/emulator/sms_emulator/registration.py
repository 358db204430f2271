"""Agent registration, POST /v3/sources: the body's checks, the environment checks SMS computes
from what the agent reports, and the de-duplication (same id, else same first MAC: that source is
updated), and the source quota: a registration that would create a source beyond ``source_quota``
is refused (a re-registration is not).  Every registration passes through
``Registration.register_source``."""

import ipaddress

from .database import StoredSource, now_ms
from .errors import ApiError, invalid_parameter
from .inferences import SOURCE_QUOTA, SOURCE_QUOTA_CODE, SOURCE_QUOTA_STATUS
from .records import LINUX_CHECKS, OS_TYPES, SHOW_ONLY_FIELDS, WINDOWS_CHECKS, check, source_record


def validate_registration(body):
    if not isinstance(body, dict):
        raise invalid_parameter("body", "must be a JSON object")
    for name, limit in (("name", 255), ("os_version", 255), ("agent_version", 255)):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise invalid_parameter(name, "required non-empty string of at most %d characters" % limit)
    if body.get("os_type") not in OS_TYPES:
        raise invalid_parameter("os_type", "must be WINDOWS or LINUX")
    networks = body.get("networks")
    if not isinstance(networks, list) or not networks or not isinstance(networks[0], dict) \
            or not isinstance(networks[0].get("mac"), str) or not networks[0]["mac"].strip():
        raise invalid_parameter("networks", "required list whose first item has a non-empty mac")
    if body.get("ip") not in (None, ""):
        try:
            ipaddress.IPv4Address(body["ip"])
        except (ipaddress.AddressValueError, ValueError) as exc:
            raise invalid_parameter("ip", "must be a valid IPv4 address") from exc
    if body.get("id") is not None and not isinstance(body.get("id"), str):
        raise invalid_parameter("id", "must be a string")


def check_source_quota(quota):
    """``quota`` as the emulator takes it: a whole number, 0 or more; raises ValueError."""
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
        raise ValueError("source_quota must be a whole number, 0 or more (SMS allows 1000)")
    return quota


def quota_exceeded(quota):
    return ApiError(SOURCE_QUOTA_STATUS, SOURCE_QUOTA_CODE,
                    "The number of source servers has reached the quota of the account (%d); delete the records "
                    "of migrated source servers to register others" % quota)


def environment_checks(body, first_check_id):
    """Checks as SMS computes them from the reported data (rules are INFERENCE from B.2)."""
    linux = body["os_type"] == "LINUX"
    failures = {}
    if linux:
        if body.get("has_rsync") is not True:
            failures["RSYNC"] = "ERROR"
        if body.get("boot_loader") not in (None, "", "GRUB"):
            failures["BOOT_LOADER"] = "ERROR"
        if not body.get("disks"):
            failures["DISK_INFO"] = "WARN"
        if body.get("has_tc") is False:
            failures["LINUX_BLOCK_SUPPORT"] = "WARN"
    else:
        for field, name in (("driver_files", "DRIVER_FILE"), ("system_services", "SERVICE"),
                            ("account_rights", "ACCOUNT_RIGHTS")):
            if body.get(field) is False:
                failures[name] = "ERROR"
    names = LINUX_CHECKS if linux else WINDOWS_CHECKS
    return [check(first_check_id + offset, name, failures.get(name, "OK")) for offset, name in enumerate(names)]


# PhysicalVolumes fields (SDK) an init_target_server partition keeps from the registered disk.
_VOLUME_FIELDS = ("name", "size", "used_size", "device_use", "file_system", "mount_point", "index", "uuid",
                  "inode_size")


def _target_disk(disk, index):
    """init_target_server disk (DiskIntargetServer) from a registered disk (INFERENCE: copied as reported)."""
    size = int(disk.get("size") or 0)
    return {"name": disk.get("name", "disk%d" % index), "size": size, "device_use": disk.get("device_use", "NORMAL"),
            "used_size": int(disk.get("used_size") or 0),
            "physical_volumes": [{key: volume[key] for key in _VOLUME_FIELDS if key in volume}
                                 for volume in disk.get("physical_volumes") or [] if isinstance(volume, dict)]}


class Registration:
    """Registers agents' sources in the ``sources`` table."""

    def __init__(self, db, engine, source_quota=SOURCE_QUOTA):
        self.db = db
        self.engine = engine
        self.source_quota = check_source_quota(source_quota)

    def register_source(self, body):
        """POST /v3/sources: create, or update the source with the same id / first MAC.

        Every registration passes here (a new source is the ``created`` branch, refused when the
        account holds ``source_quota`` sources already).  Returns (source_id, created).
        """
        validate_registration(body)
        self.engine.tick()
        mac = body["networks"][0]["mac"].strip().lower()
        when = now_ms()
        with self.db.write() as conn:
            row = None
            if body.get("id"):
                row = conn.execute("SELECT id FROM sources WHERE id = ?", (body["id"],)).fetchone()
            if row is None:
                row = conn.execute("SELECT id FROM sources WHERE mac = ? ORDER BY add_date DESC LIMIT 1", (mac,)).fetchone()
            if row is not None:
                source = self.db.load_source(row[0], conn)
                source.record["connected"] = True
                source.record["last_visit_time"] = when
                extra = dict(source.extra or {})
                extra["agent_version"] = body["agent_version"]
                self.db.save_source(conn, source._replace(extra=extra))
                return source.record["id"], False
            held = conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
            if held >= self.source_quota:
                raise quota_exceeded(self.source_quota)
            first_check = (held + 1) * 12 + 900000000
            checks = environment_checks(body, first_check)
            failed = any(item["result"] == "ERROR" for item in checks)
            disks = [_target_disk(disk, index) for index, disk in enumerate(body.get("disks") or [])
                     if isinstance(disk, dict)]
            memory_mb = body.get("memory") if isinstance(body.get("memory"), int) else 0
            record = source_record(
                id=self.db.new_id(), ip=body.get("ip") or body["networks"][0].get("ip") or "", name=body["name"],
                enterprise_project_id=str(body.get("enterprise_project_id") or "0"), add_date=when,
                os_type=body["os_type"], os_version=body["os_version"], oem_system=bool(body.get("oem_system")),
                state="unavailable" if failed else "waiting", connected=True,
                cpu_quantity=body.get("cpu_quantity") or 0, memory=memory_mb * 1048576, checks=checks,
                init_target_server={"disks": disks, "volume_groups": body.get("volume_groups") or []},
                stage_action_time=when, last_visit_time=when, migration_cycle="checking", state_action_time=when,
                has_tc=bool(body.get("has_tc")), start_type=body.get("start_type") or "MANUAL")
            extra = {field: body.get(field) for field in SHOW_ONLY_FIELDS if field in body}
            extra.setdefault("hostname", body.get("hostname") or body["name"])
            self.db.save_source(conn, StoredSource(record, extra, body.get("migprojectid"), mac))
            return record["id"], True


# ----------------------------------------------------------------- handlers (see routes.py)
def register_source(call):
    source_id, _created = call.store.register_source(call.json())
    return 200, {"id": source_id}


ROUTES = (
    ("POST", "/v3/sources", "sms:server:register", None, register_source),
)
