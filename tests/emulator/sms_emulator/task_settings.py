"""Settings a user adds to a task after creating it: time-window speed
limits (POST/GET /v3/tasks/{id}/speed-limit), advanced configurations (POST/GET
/v3/tasks/{id}/configuration-setting) and the consistency results (GET .../consistency-result)."""

import json
import re

from .errors import ApiError, invalid_parameter, not_found

SCHEMA = """
CREATE TABLE IF NOT EXISTS task_settings (task_id TEXT, kind TEXT, value TEXT NOT NULL, PRIMARY KEY (task_id, kind));
"""

# ConfigBody.config_key (SDK docstring).
CONFIG_KEYS = ("MIGRATE_EXCLUDE_DIR", "SYNC_EXCLUDE_DIR", "ONLY_SYNC_DIR", "CONSISTENCY_DIR", "CONSISTENCY_DIR_ILLEGAL",
               "LINUX_BLOCK_COMPRESS_THREAD_NUM", "MIGRATE_DST_IP", "LINUX_BLOCK_CACHE_SIZE", "LINUX_CPU_LIMIT",
               "LINUX_MEM_LIMIT", "LINUX_IO_LIMIT", "NUM_PROCESS_MIGRATE", "NUM_PROCESS_SYNC", "CONSISTENCY_RECHECK",
               "CONSISTENCY_MODE", "DYNAMIC_PORT", "INSTALL_PWD_AGENT")
WINDOW_FIELDS = ("start", "end", "speed", "over_speed_threshold")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NO_SPEED_LIMIT = "SMS.6302"  # "No migration speed limit found" (error-code table)


def validate_windows(body):
    if set(body) != {"speed_limit"} or not isinstance(body["speed_limit"], list):
        raise invalid_parameter("speed_limit", "the body must be {\"speed_limit\": [...]} and nothing else")
    spans = []
    for index, window in enumerate(body["speed_limit"]):
        where = "speed_limit[%d]" % index
        if not isinstance(window, dict):
            raise invalid_parameter(where, "must be an object")
        for key in window:
            if key not in WINDOW_FIELDS:
                raise invalid_parameter("%s.%s" % (where, key), "unknown field")
        for key in ("start", "end"):
            if not isinstance(window.get(key), str) or not _TIME_RE.match(window[key]):
                raise invalid_parameter("%s.%s" % (where, key), "required, HH:MM from 00:00 to 23:59")
        if window["start"] >= window["end"]:
            raise invalid_parameter(where, "start must be before end")
        speed = window.get("speed")
        if isinstance(speed, bool) or not isinstance(speed, int) or not 0 <= speed <= 1000:
            raise invalid_parameter(where + ".speed", "required integer from 0 to 1000 (Mbit/s)")
        threshold = window.get("over_speed_threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold < 0):
            raise invalid_parameter(where + ".over_speed_threshold", "must be a number >= 0 (percent)")
        spans.append((window["start"], window["end"], index))
    spans.sort()
    for (_start, end, first), (start, _end, second) in zip(spans, spans[1:]):
        if start < end:
            raise invalid_parameter("speed_limit", "windows %d and %d overlap" % (first, second))
    return body["speed_limit"]


def validate_configurations(body):
    if set(body) != {"configurations"} or not isinstance(body["configurations"], list):
        raise invalid_parameter("configurations", "the body must be {\"configurations\": [...]} and nothing else")
    for index, item in enumerate(body["configurations"]):
        where = "configurations[%d]" % index
        if not isinstance(item, dict) or set(item) - {"config_key", "config_value", "config_status"}:
            raise invalid_parameter(where, "an object with config_key, config_value and config_status only")
        if item.get("config_key") not in CONFIG_KEYS:
            raise invalid_parameter(where + ".config_key", "must be one of " + ", ".join(CONFIG_KEYS))
        for key in ("config_value", "config_status"):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise invalid_parameter("%s.%s" % (where, key), "must be a string")
    return body["configurations"]


class TaskSettings:
    """The ``task_settings`` table (one row per task and kind of setting)."""

    def __init__(self, db):
        self.db = db
        db.conn().executescript(SCHEMA)

    def _task_or_404(self, task_id, conn=None):
        task = self.db.load_task(task_id, conn)
        if task is None:
            raise not_found("task", task_id)
        return task

    def _setting(self, task_id, kind, default):
        row = self.db.conn().execute("SELECT value FROM task_settings WHERE task_id = ? AND kind = ?", (task_id, kind)).fetchone()
        return json.loads(row[0]) if row else default

    def _store_setting(self, conn, task_id, kind, value):
        conn.execute("INSERT OR REPLACE INTO task_settings VALUES (?,?,?)", (task_id, kind, json.dumps(value)))

    def set_speed_limits(self, task_id, body):
        """POST .../speed-limit: the windows sent replace the task's windows ([] removes them)."""
        windows = validate_windows(body)
        with self.db.write() as conn:
            self._task_or_404(task_id, conn)
            self._store_setting(conn, task_id, "speed_limit", windows)

    def speed_limits(self, task_id):
        self._task_or_404(task_id)
        windows = self._setting(task_id, "speed_limit", [])
        if not windows:
            raise ApiError(400, NO_SPEED_LIMIT, "No migration speed limit found")
        return {"speed_limit": windows}

    def set_configurations(self, task_id, body):
        """POST .../configuration-setting: each key sent is set (INFERENCE), the others stay."""
        items = validate_configurations(body)
        with self.db.write() as conn:
            self._task_or_404(task_id, conn)
            stored = dict((item["config_key"], item) for item in self._setting(task_id, "configurations", []))
            for item in items:
                stored[item["config_key"]] = {"config_key": item["config_key"], "config_value": item.get("config_value"),
                                              "config_status": item.get("config_status")}
            self._store_setting(conn, task_id, "configurations", [stored[key] for key in CONFIG_KEYS if key in stored])

    def configurations(self, task_id, config_key=None):
        task = self._task_or_404(task_id)
        items = self._setting(task_id, "configurations", [])
        if config_key:
            items = [item for item in items if item["config_key"] == config_key]
        os_type = "WINDOWS" if task.get("os_type") == "WINDOWS" else "LINUX"
        return {"task_id": task_id, "migrate_type": "%s_%s" % (os_type, task.get("type") or "MIGRATE_FILE"),
                "configurations": items}

    def set_consistency_results(self, task_id, results):
        """Test hook: the results the agent would report (objects as Terraform parses them)."""
        with self.db.write() as conn:
            self._task_or_404(task_id, conn)
            self._store_setting(conn, task_id, "consistency", list(results))

    def consistency_results(self, task_id):
        self._task_or_404(task_id)
        return {"task_id": task_id, "result_list": self._setting(task_id, "consistency", [])}


# ----------------------------------------------------------------- handlers (see routes.py)
def set_speed(call):
    call.store.set_speed_limits(call.params["task_id"], call.json())
    return 200, {}


def show_speed(call):
    return 200, call.store.speed_limits(call.params["task_id"])


def set_configuration(call):
    call.store.set_configurations(call.params["task_id"], call.json())
    return 200, {}


def show_configuration(call):
    return 200, call.store.configurations(call.params["task_id"], call.query.get("config_key"))


def show_consistency(call):
    return 200, call.store.consistency_results(call.params["task_id"])


ROUTES = (
    ("POST", "/v3/tasks/{task_id}/speed-limit", "sms:task:updateSpeed", "task_id", set_speed),
    ("GET", "/v3/tasks/{task_id}/speed-limit", "sms:task:showSpeedLimits", "task_id", show_speed),
    ("POST", "/v3/tasks/{task_id}/configuration-setting", "sms:task:uploadConfig", "task_id", set_configuration),
    ("GET", "/v3/tasks/{task_id}/configuration-setting", "sms:task:showConfig", "task_id", show_configuration),
    ("GET", "/v3/tasks/{task_id}/consistency-result", "sms:task:showConsistencyResult", "task_id", show_consistency),
)
