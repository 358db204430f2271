"""Log collection: ``POST /v3/tasks/{task_id}/log {"log_bucket": "..."}`` (SDK CollectLog,
UploadLogRequestBody) and the older action ``collect_log`` (``param.bucket``), which it runs.

The task's ``log_collect_status`` goes INIT -> UPLOADING (the agent's UPLOAD_LOG ``{task_id,
bucket}`` is queued) -> UPLOADED when the agent reports success, UPLOAD_FAIL when it reports a
failure; the auto agent reports ``fail`` for a task with the ``log_upload_fails`` rehearsal fault.
INFERENCE: ``log_bucket`` 1 to 255 characters (the API reference gives no limit), any task state.
"""

from .errors import invalid_parameter

LOG_FIELDS = ("log_bucket",)


def validate_log_body(body):
    """The bucket of an UploadLogRequestBody, else 400 SMS.6101."""
    unknown = sorted(set(body) - set(LOG_FIELDS))
    if unknown:
        raise invalid_parameter(unknown[0], "is not a field of the request model")
    bucket = body.get("log_bucket")
    if not isinstance(bucket, str) or not 1 <= len(bucket) <= 255:
        raise invalid_parameter("log_bucket", "required string of 1 to 255 characters")
    return bucket


class TaskLogs:
    """Starts log uploads (through TaskActions) and decides the auto agent's UPLOAD_LOG answers."""

    def __init__(self, db, actions, commands, faults):
        self.db = db
        self.actions = actions
        self.commands = commands
        self.faults = faults

    def collect_log(self, task_id, bucket):
        """POST /v3/tasks/{id}/log: the collect_log action with that bucket."""
        self.actions.task_action(task_id, "collect_log", {"param": {"bucket": bucket}})

    def agent_result(self, conn, source_id, name):
        """The auto agent's result for the command ``name`` of a source: ``fail`` for an UPLOAD_LOG of a
        task with the ``log_upload_fails`` fault, else ``success``."""
        if name != "UPLOAD_LOG":
            return "success"
        pending = self.commands.pending_command(source_id)
        task_id = (pending or {}).get("command_param", {}).get("task_id")
        task = self.db.load_task(task_id, conn) if task_id else None
        if task is not None and self.faults.take(conn, task, "log_upload_fails"):
            return "fail"
        return "success"


# ----------------------------------------------------------------- handlers (see routes.py)
def collect_log(call):
    call.store.collect_log(call.params["task_id"], validate_log_body(call.json()))
    return 200, {}


ROUTES = (
    ("POST", "/v3/tasks/{task_id}/log", "sms:task:collectLog", "task_id", collect_log),
)
