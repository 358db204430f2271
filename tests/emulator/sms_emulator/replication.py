"""How a migration task progresses with time: its sub-tasks, bytes, speed and remaining time.

A *run* is a JSON-able dict kept per active task (table ``runs``): which stretch of work it is
(``kind``), when it began on the emulator clock (``t0``), the planned sub-tasks with their
durations, the bytes to copy and the speed.  ``snapshot(run, now)`` is a pure function of the run
and the clock, so every read derives the same state without a background thread.

Kinds (sub-task names of the SMS API reference's task model, SubTask in huaweicloudsdksms; the
order follows the SMS user guide's migration flow; durations are INFERENCE):
- ``full``: the full copy after START.  Sub-tasks CREATE_CLOUD_SERVER (not for an existing
  server), SSL_CONFIG, ATTACH_AGENT_IMAGE, FORMAT_DISK_*, MIGRATE_* and, without continuous sync,
  CONFIGURE_* and DETTACH_AGENT_IMAGE.
- ``cutover``: launching the target from continuous sync: SYNC_* (final), CONFIGURE_*,
  DETTACH_AGENT_IMAGE.
- ``launch``: the target launching after the full copy (source ``cutovering``).
- ``sync``: an incremental sync of a finished migration: SYNC_*.
"""

# Seconds each fixed sub-task takes at speedup 1 (the copy itself depends on bytes and speed).
FIXED_SECONDS = {"CREATE_CLOUD_SERVER": 120, "SSL_CONFIG": 10, "ATTACH_AGENT_IMAGE": 60, "FORMAT_DISK": 30,
                 "CONFIGURE": 60, "DETTACH_AGENT_IMAGE": 30, "LAUNCH": 60, "SYNC_OVERHEAD": 30}
# Share of the full copy an incremental / final sync transfers.
SYNC_SHARE = 0.05
DEFAULT_SPEED_MBPS = 100.0

SUBTASK_NAMES = (
    "CREATE_CLOUD_SERVER", "SSL_CONFIG", "ATTACH_AGENT_IMAGE", "DETTACH_AGENT_IMAGE", "FORMAT_DISK_LINUX",
    "FORMAT_DISK_LINUX_FILE", "FORMAT_DISK_LINUX_BLOCK", "FORMAT_DISK_WINDOWS", "MIGRATE_LINUX_FILE",
    "MIGRATE_LINUX_BLOCK", "MIGRATE_WINDOWS_BLOCK", "CLONE_VM", "SYNC_LINUX_FILE", "SYNC_LINUX_BLOCK",
    "SYNC_WINDOWS_BLOCK", "CONFIGURE_LINUX", "CONFIGURE_LINUX_BLOCK", "CONFIGURE_LINUX_FILE", "CONFIGURE_WINDOWS")


def _suffix(os_type, task_type):
    if os_type == "WINDOWS":
        return "WINDOWS", "WINDOWS_BLOCK"
    kind = "FILE" if task_type == "MIGRATE_FILE" else "BLOCK"
    return "LINUX_" + kind, "LINUX_" + kind


def copy_bytes(task, source):
    """Bytes a full copy transfers: used bytes for file-level, whole disks for block-level
    (INFERENCE); the task's target disks, else the source's init_target_server disks."""
    disks = task.get("target_server", {}).get("disks") or (source or {}).get("init_target_server", {}).get("disks") or []
    total = 0
    for disk in disks:
        size = int(disk.get("size") or 0)
        used = disk.get("used_size")
        total += int(used) if task.get("type") == "MIGRATE_FILE" and used else size
    return total


def plan(kind, task, total_bytes, speed_mbps):
    """[(sub-task name or None, seconds, bytes it copies)] for a run of ``kind``."""
    short, long_ = _suffix(task.get("os_type"), task.get("type"))
    bytes_per_second = speed_mbps * 1e6 / 8
    sync_bytes = int(total_bytes * SYNC_SHARE)
    sync_step = ("SYNC_" + long_, FIXED_SECONDS["SYNC_OVERHEAD"] + sync_bytes / bytes_per_second, sync_bytes)
    finish = [("CONFIGURE_" + short, FIXED_SECONDS["CONFIGURE"], 0),
              ("DETTACH_AGENT_IMAGE", FIXED_SECONDS["DETTACH_AGENT_IMAGE"], 0)]
    if kind == "full":
        steps = [] if task.get("exist_server") else [("CREATE_CLOUD_SERVER", FIXED_SECONDS["CREATE_CLOUD_SERVER"], 0)]
        steps += [("SSL_CONFIG", FIXED_SECONDS["SSL_CONFIG"], 0),
                  ("ATTACH_AGENT_IMAGE", FIXED_SECONDS["ATTACH_AGENT_IMAGE"], 0),
                  ("FORMAT_DISK_" + (short if short == "WINDOWS" else short), FIXED_SECONDS["FORMAT_DISK"], 0),
                  ("MIGRATE_" + long_, total_bytes / bytes_per_second, total_bytes)]
        return steps if task.get("syncing") else steps + finish
    if kind == "cutover":
        return [sync_step] + finish
    if kind == "sync":
        return [sync_step]
    if kind == "launch":
        return [(None, FIXED_SECONDS["LAUNCH"], 0)]
    raise ValueError("unknown run kind %r" % kind)


def new_run(kind, task, total_bytes, speed_mbps, now, fault=None, elapsed=0.0):
    """A run of ``kind`` beginning ``elapsed`` seconds in (a resumed run keeps its progress)."""
    return {"kind": kind, "t0": now - elapsed, "paused": None, "speed_mbps": speed_mbps,
            "total_bytes": total_bytes, "plan": plan(kind, task, total_bytes, speed_mbps), "fault": fault or {}}


def elapsed(run, now):
    return run["paused"] if run["paused"] is not None else max(0.0, now - run["t0"])


def fault_point(run):
    """(seconds into the run, what) of the run's pending fault, or None.

    A fault fires halfway through the named sub-task (at the start when no sub-task is named)."""
    fault = run.get("fault") or {}
    what = next((key for key in ("fail_at", "disconnect_at", "raw_state") if fault.get(key)), None)
    if what is None:
        return None
    target = fault.get("fail_at") or fault.get("disconnect_at") or fault.get("at")
    if what == "raw_state" and not target:
        return 0.0, what
    start = 0.0
    for name, seconds, _bytes in run["plan"]:
        if name == target:
            return start + seconds / 2.0, what
        start += seconds
    return None  # the sub-task is not part of this run


def snapshot(run, now):
    """Where the run stands at ``now``: sub_tasks (SubTask shape), bytes, speed, remaining time,
    whether it is done, and the fault that has fired (if any)."""
    seconds = elapsed(run, now)
    point = fault_point(run)
    fired = None
    if point is not None and seconds >= point[0]:
        seconds, fired = point[0], point[1]
    sub_tasks, copied, start = [], 0, 0.0
    current = None
    for index, (name, duration, step_bytes) in enumerate(run["plan"]):
        if seconds < start:
            break
        share = 1.0 if duration <= 0 else min(1.0, (seconds - start) / duration)
        copied += int(step_bytes * share)
        if name is not None:
            done = share >= 1.0
            sub_tasks.append({"id": index + 1, "name": name, "progress": int(share * 100),
                              "start_date": int((run["t0"] + start) * 1000),
                              "end_date": int((run["t0"] + start + duration) * 1000) if done else None,
                              "migrate_speed": run["speed_mbps"] if step_bytes and not done else 0.0,
                              "user_op": None, "process_trace": ""})
        if share < 1.0:
            current = name or "LAUNCH"
            break
        start += duration
    total_seconds = sum(step[1] for step in run["plan"])
    remaining = max(0.0, total_seconds - seconds)
    moving = fired is None and run["paused"] is None
    copying = current is not None and current.startswith(("MIGRATE_", "SYNC_"))
    return {"elapsed": seconds, "done": fired is None and seconds >= total_seconds, "fired": fired,
            "current": current, "sub_tasks": sub_tasks, "copied_bytes": copied,
            "run_bytes": sum(step[2] for step in run["plan"]),
            "migrate_speed": run["speed_mbps"] if moving and copying else 0.0,
            "remain_seconds": int(round(remaining)) if moving else None,
            "estimate_complete_time": int((now + remaining) * 1000) if moving else None,
            "next_event": (run["t0"] + point[0] if fired and run["paused"] is None
                           else _next_boundary(run, seconds, point) if moving else None)}


def _next_boundary(run, seconds, point):
    """Seconds into the run of the next sub-task boundary or fault after ``seconds``."""
    start = 0.0
    candidates = []
    for _name, duration, _bytes in run["plan"]:
        start += duration
        if start > seconds:
            candidates.append(start)
            break
    if point is not None and point[0] > seconds:
        candidates.append(point[0])
    return run["t0"] + min(candidates) if candidates else None
