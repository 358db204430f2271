"""Deterministic generator of a realistic fleet of registered source servers."""

import json
import random
import re

from .records import LINUX_CHECKS, WINDOWS_CHECKS, SOURCE_STATES, check, source_record, task_record, task_summary

DEFAULT_OS_MIX = {"LINUX": 0.7, "WINDOWS": 0.3}
DEFAULT_STATES = {"waiting": 0.4, "replicate": 0.2, "finished": 0.2, "unavailable": 0.1, "error": 0.1}
ROLES = ("web", "app", "db", "cache", "mq", "batch", "file", "mail")
LINUX_VERSIONS = ("CENTOS_7_9_64BIT", "UBUNTU_20_4_64BIT", "REDHAT_8_4_64BIT", "DEBIAN_11_64BIT",
                  "SUSE_15_64BIT", "EULEROS_2_9_64BIT")
WINDOWS_VERSIONS = ("WINDOWS2012_R2_64BIT", "WINDOWS2016_64BIT", "WINDOWS2019_64BIT", "WINDOWS2022_64BIT")
GIB = 1073741824
# Fixed epoch (2025-01-01T00:00:00Z, ms) so generated timestamps are reproducible.
FLEET_EPOCH_MS = 1735689600000

# source state -> (task state, migration_cycle, replicated share of totalsize)
_PROGRESS = {
    "initialize": ("RUNNING", "replicating", 0.0), "replicate": ("RUNNING", "replicating", None),
    "syncing": ("SYNCING", "syncing", 1.0), "stopping": ("ABORTING", "replicating", None),
    "stopped": ("ABORT", "replicating", None), "skipping": ("SKIPPING", "replicating", None),
    "deleting": ("DELETING", "replicating", None), "clearing": ("MIGRATE_SUCCESS", "cutovered", 1.0),
    "cleared": ("MIGRATE_SUCCESS", "cutovered", 1.0), "clearfailed": ("MIGRATE_SUCCESS", "cutovered", 1.0),
    "premigready": ("RUNNING", "replicating", 1.0), "premiging": ("RUNNING", "replicating", 1.0),
    "premiged": ("RUNNING", "replicating", 1.0), "premigfailed": ("RUNNING", "replicating", 1.0),
    "cloning": ("SYNCING", "syncing", 1.0), "cutovering": ("RUNNING", "cutovering", 1.0),
    "finished": ("MIGRATE_SUCCESS", "cutovered", 1.0), "error": ("MIGRATE_FAIL", "replicating", None),
}


def parse_mix(text, allowed=None, what="mix"):
    """Parse ``A=0.7,B=0.3`` into a dict; raise ValueError naming the bad part."""
    if isinstance(text, dict):
        mix = dict(text)
    else:
        mix = {}
        for part in (text or "").split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError("%s: %r is not KEY=SHARE" % (what, part))
            mix[key.strip()] = float(value)
    for key, share in mix.items():
        if allowed is not None and key not in allowed:
            raise ValueError("%s: %r is not one of %s" % (what, key, ", ".join(allowed)))
        if share < 0:
            raise ValueError("%s: share of %r is negative" % (what, key))
    if not mix or sum(mix.values()) <= 0:
        raise ValueError("%s: needs at least one positive share" % what)
    return mix


def _uuid(rng):
    """A random (seeded) version-4 UUID string."""
    text = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%s%s-%s" % (text[:8], text[8:12], text[13:16], "89ab"[int(text[16], 16) & 3], text[17:20], text[20:])


def enterprise_project_ids(count, seed):
    """'0' (the default enterprise project) followed by count-1 deterministic ids."""
    rng = random.Random("eps-%s" % seed)
    return ["0"] + [_uuid(rng) for _index in range(max(1, count) - 1)]


def ip_for(index):
    """A unique private IPv4 per index: even indexes in 10/8, odd ones in 172.16/12."""
    slot = index // 2
    subnet, host = divmod(slot, 254)
    if index % 2 == 0:
        return "10.%d.%d.%d" % ((subnet // 256) % 256, subnet % 256, host + 1)
    return "172.%d.%d.%d" % (16 + (subnet // 256) % 16, subnet % 256, host + 1)


def mac_for(index):
    return "fa:16:3e:%02x:%02x:%02x" % ((index >> 16) & 255, (index >> 8) & 255, index & 255)


def _template(record):
    """JSON text of ``record`` with every "@@key@@" string turned into a %(key)s placeholder.

    Building records by %-formatting pre-rendered templates is ~10x faster than json.dumps of
    dicts, and deriving the templates from records.py keeps the shapes identical.
    """
    text = json.dumps(record).replace("%", "%%")
    return re.sub(r'"@@(\w+)@@"', r"%(\1)s", text)


def _sentinels(keys):
    return {key: "@@%s@@" % key for key in keys}


_SOURCE_KEYS = ("id", "ip", "name", "enterprise_project_id", "add_date", "os_type", "os_version", "state",
                "connected", "cpu_quantity", "memory", "current_task", "checks", "init_target_server",
                "replicatesize", "stage_action_time", "totalsize", "last_visit_time", "migration_cycle",
                "state_action_time", "is_consistency_result_exist", "has_tc")
SOURCE_TEMPLATE = _template(source_record(**_sentinels(_SOURCE_KEYS)))
_TASK_KEYS = ("id", "name", "type", "os_type", "region_id", "region_name", "project_name", "project_id",
              "enterprise_project_id", "source_server", "target_server", "state", "create_date", "start_date",
              "finish_date", "migrate_speed", "connected")
TASK_TEMPLATE = _template(task_record(**_sentinels(_TASK_KEYS)))
SUMMARY_TEMPLATE = _template(task_summary(task_record(**dict(_sentinels(_TASK_KEYS), target_server={
    "vm_id": "@@vm_id@@", "name": "@@target_name@@"}))))
CHECK_TEMPLATES = {}
for _name in set(LINUX_CHECKS + WINDOWS_CHECKS):
    for _result in ("OK", "WARN", "ERROR"):
        CHECK_TEMPLATES[_name, _result] = _template(check("@@id@@", _name, _result)).replace("%(id)s", "%d")
_CHECK_BLOCKS = {}


def _check_block(linux, bad_check, bad_result):
    """'[check, check, ...]' template (12 %d check ids) for one OS and one failing check."""
    key = (linux, bad_check, bad_result)
    if key not in _CHECK_BLOCKS:
        _CHECK_BLOCKS[key] = "[" + ", ".join(
            CHECK_TEMPLATES[name, bad_result if name == bad_check else "OK"]
            for name in (LINUX_CHECKS if linux else WINDOWS_CHECKS)) + "]"
    return _CHECK_BLOCKS[key]


_DISK_TEMPLATE = ('{"name": "%s", "size": %d, "device_use": "%s", "used_size": %d, "physical_volumes": [{'
                  '"name": "%s", "size": %d, "used_size": %d, "device_use": "NORMAL", "file_system": "%s", '
                  '"mount_point": "%s", "index": 0, "uuid": "%s", "inode_size": %d}]}')


def _disk(linux, number, size, index):
    """One init_target_server disk (DiskIntargetServer) with one partition (PhysicalVolumes)."""
    used = size * (20 + (index * 7 + number * 13) % 50) // 100
    if linux:
        name = "/dev/vd" + "ab"[number]
        return _DISK_TEMPLATE % (name, size, "BOOT" if number == 0 else "NORMAL", used, name + "1", size - 1048576,
                                 used, "ext4", "/" if number == 0 else "/data", "%08x-0000-4000-8000-%012x" % (index, number), 256)
    letter = "CD"[number]
    return _DISK_TEMPLATE % ("Disk %d" % number, size, "OS" if number == 0 else "NORMAL", used, letter + ":",
                             size - 1048576, used, "NTFS", letter + ":", "%08x-0000-4000-8000-%012x" % (index, number), 0)


def _q(text):
    """JSON string literal for generated (plain ASCII, quote-free) text."""
    return '"' + text + '"'


def _bool(value):
    return "true" if value else "false"


def generate(count, seed=0, start_index=0, os_mix=None, states=None, enterprise_projects=1,
             duplicate_names=0, region="ap-southeast-3", project_id=None, check_id_base=500000):
    """Yield (source_row, task_row_or_None) for ``count`` sources, as store.py inserts them.

    source_row: (id, name, ip, state, migration_cycle, connected, enterprise_project_id,
    is_consistency_result_exist, migproject, add_date, mac, record JSON, extra JSON=None);
    task_row: (id, source_id, state, name, enterprise_project_id, create_date, task JSON).
    Everything is derived from ``seed`` and ``start_index`` so two runs give identical fleets.
    """
    rng = random.Random("fleet-%s-%s" % (seed, start_index))
    os_mix = parse_mix(os_mix or DEFAULT_OS_MIX, ("LINUX", "WINDOWS"), "os_mix")
    states = parse_mix(states or DEFAULT_STATES, SOURCE_STATES, "states")
    eps_ids = enterprise_project_ids(enterprise_projects, seed)
    migprojects = ["%032x" % random.Random("mp-%s-%s" % (seed, k)).getrandbits(128) for k in range(len(eps_ids))]
    os_choices = rng.choices(list(os_mix), weights=list(os_mix.values()), k=count)
    state_choices = rng.choices(list(states), weights=list(states.values()), k=count)
    duplicates = {}
    if duplicate_names and count > 1:
        for index in rng.sample(range(1, count), min(duplicate_names, count - 1)):
            duplicates[index] = rng.randrange(0, index)
    names = []
    check_id = check_id_base + start_index * 12
    project_json = "null" if project_id is None else _q(project_id)
    random_ = rng.random
    for offset in range(count):
        index = start_index + offset
        name = "%s-%04d" % (ROLES[index % len(ROLES)], index + 1)
        if offset in duplicates:
            name = names[duplicates[offset]]
        names.append(name)
        os_type = os_choices[offset]
        state = state_choices[offset]
        linux = os_type == "LINUX"
        add_date = FLEET_EPOCH_MS - index * 37000
        bad_check = bad_result = None
        if state == "unavailable":
            bad_check = "RSYNC" if linux else "DRIVER_FILE"
            bad_result = "ERROR"
        elif random_() < 0.1:
            bad_check = "LINUX_BLOCK_SUPPORT" if linux else "FREE_SPACE"
            bad_result = "WARN"
        checks = _check_block(linux, bad_check, bad_result) % tuple(range(check_id, check_id + 12))
        check_id += 12
        disk_sizes = [rng.choice((40, 40, 50, 100)) * GIB]
        disks = [_disk(linux, 0, disk_sizes[0], index)]
        if random_() < 0.4:
            disk_sizes.append(rng.choice((20, 100, 500)) * GIB)
            disks.append(_disk(linux, 1, disk_sizes[1], index))
        connected = random_() < (0.5 if state == "unavailable" else 0.92)
        source_id = _uuid(rng)
        eps = eps_ids[index % len(eps_ids)]
        ip = ip_for(index)
        values = {
            "id": _q(source_id), "ip": _q(ip), "name": _q(name), "enterprise_project_id": _q(eps),
            "add_date": add_date, "os_type": _q(os_type),
            "os_version": _q(rng.choice(LINUX_VERSIONS if linux else WINDOWS_VERSIONS)), "state": _q(state),
            "connected": _bool(connected), "cpu_quantity": rng.choice((1, 2, 4, 8, 16)),
            "memory": rng.choice((1, 2, 4, 8, 16, 32)) * GIB, "current_task": "null",
            "checks": checks,
            "init_target_server": '{"disks": [' + ", ".join(disks) + '], "volume_groups": []}',
            "replicatesize": 0, "stage_action_time": add_date + 1000, "totalsize": 0,
            "last_visit_time": add_date + 600000, "migration_cycle": '"checking"',
            "state_action_time": add_date + 2000, "is_consistency_result_exist": "false", "has_tc": _bool(linux)}
        cycle = "checking"
        consistency = False
        task_row = None
        progress = _PROGRESS.get(state)
        if progress:
            task_state, cycle, share = progress
            total = int(sum(disk_sizes) * rng.uniform(0.1, 0.6))
            if share is None:
                share = rng.uniform(0.05, 0.95)
            consistency = cycle == "cutovered" and random_() < 0.3
            start_date = add_date + 3600000
            task_id = _uuid(rng)
            task_name = "MigrationTask-" + name
            vm_id = _uuid(rng)
            task_values = {
                "id": _q(task_id), "name": _q(task_name), "type": '"MIGRATE_FILE"' if linux else '"MIGRATE_BLOCK"',
                "os_type": _q(os_type), "region_id": _q(region), "region_name": _q(region),
                "project_name": _q(region), "project_id": project_json, "enterprise_project_id": _q(eps),
                "source_server": '{"id": "%s"}' % source_id,
                "target_server": '{"vm_id": "%s", "name": "%s", "disks": []}' % (vm_id, name),
                "vm_id": _q(vm_id), "target_name": _q(name),
                "state": _q(task_state), "create_date": add_date + 60000, "start_date": start_date,
                "finish_date": start_date + 7200000 if task_state == "MIGRATE_SUCCESS" else "null",
                "migrate_speed": round(rng.uniform(10, 900), 1) if task_state == "RUNNING" else 0.0,
                "connected": _bool(connected)}
            values.update(current_task=SUMMARY_TEMPLATE % task_values, migration_cycle=_q(cycle),
                          totalsize=total, replicatesize=int(total * share),
                          is_consistency_result_exist=_bool(consistency))
            task_row = (task_id, source_id, task_state, task_name, eps, add_date + 60000, TASK_TEMPLATE % task_values)
        source_row = (source_id, name, ip, state, cycle, 1 if connected else 0, eps, 1 if consistency else 0,
                      migprojects[index % len(migprojects)], add_date, mac_for(index), SOURCE_TEMPLATE % values, None)
        yield source_row, task_row
