"""Clone tests: the ``clone_test`` action (POST /v3/tasks/{id}/action, UpdateTaskStatusReq
``template_id``) and the clone's life on the emulator's clock.

A task in continuous sync (task SYNCING, source ``syncing``) clones its target with the server
template ``template_id`` (else the task's ``clonevm_template_id``): the source goes ``cloning``
and the task's ``clone_server`` is ``{vm_id, name, clone_state: PREPARING, clone_error: null,
error_msg: null}``; ``PREPARING_SECONDS`` later CREATING, ``CREATING_SECONDS`` after that
FINISHED with an ECS server for the clone (ecs.py, with its IPv4 address), the source back to
``syncing``.  With the ``clone_fails`` rehearsal fault the clone ends in ERROR (``clone_error``
an SMS code, ``error_msg`` a text), the source back to ``syncing`` and no ECS server.
INFERENCE (SMS documents the states, not these rules): the durations; the refusals (another
state, a clone under way: 400 SMS.1046; no template: 400 SMS.6101; an unknown template: 404
SMS.7101); the clone's name (the template's ``target_server_name``, else ``<target name>-clone``);
SMS keeps ``clone_server`` after the clone is deleted through ECS.
"""

from .database import set_state
from .errors import ApiError, invalid_parameter
from .records import task_summary
from .task_actions import load_task_and_source
from .templates import template_not_found

PREPARING_SECONDS = 30
CREATING_SECONDS = 150
REFUSAL = ("SMS.1046", "Only a task in continuous sync without a clone under way can clone its target server")


class CloneTests:
    """Starts clone tests and moves them on the clock (events ``clone_creating``, ``clone_done``)."""

    def __init__(self, db, clock, engine, templates, servers, faults):
        self.db = db
        self.clock = clock
        self.engine = engine
        self.templates = templates
        self.servers = servers
        self.faults = faults
        engine.handlers["clone_creating"] = self._creating
        engine.handlers["clone_done"] = self._done

    def clone_test(self, task_id, template_id=None):
        """The clone_test action; returns the new clone_server."""
        if template_id is not None and (not isinstance(template_id, str) or not template_id):
            raise invalid_parameter("template_id", "must be a non-empty string")
        self.engine.tick()
        with self.db.write() as conn:
            task, source = load_task_and_source(self.db, conn, task_id)
            record = source.record
            if task["state"] != "SYNCING" or record["state"] != "syncing":
                raise ApiError(400, *REFUSAL)
            template_id = template_id or task.get("clonevm_template_id")
            if not template_id:
                raise invalid_parameter("template_id", "required: the task has no clonevm_template_id")
            template = self.templates._load_template(template_id, conn)  # pylint: disable=protected-access
            if template is None:
                raise template_not_found(template_id)
            name = template.get("target_server_name") or "%s-clone" % (task["target_server"].get("name") or task["name"])
            clone = {"vm_id": self.db.new_id(), "name": name, "clone_state": "PREPARING", "clone_error": None,
                     "error_msg": None}
            task["clone_server"] = clone
            set_state(record, "cloning")
            self._save(conn, task, source)
            self.engine.at(conn, self.clock.now() + PREPARING_SECONDS, "clone_creating", task_id, clone["vm_id"])
        return dict(clone)

    def _save(self, conn, task, source):
        self.db.save_task(conn, task)
        if source is not None:
            if source.record.get("current_task") and source.record["current_task"]["id"] == task["id"]:
                source.record["current_task"] = task_summary(task)
            self.db.save_source(conn, source)

    def _current(self, conn, task_id, vm_id):
        """(task, source) while the task's clone is still ``vm_id``, else (None, None)."""
        task = self.db.load_task(task_id, conn)
        if task is None or (task.get("clone_server") or {}).get("vm_id") != vm_id:
            return None, None
        return task, self.db.load_source(task["source_server"]["id"], conn)

    def _creating(self, conn, task_id, vm_id, when):
        task, source = self._current(conn, task_id, vm_id)
        if task is None:
            return
        task["clone_server"]["clone_state"] = "CREATING"
        self._save(conn, task, source)
        self.engine.at(conn, when + CREATING_SECONDS, "clone_done", task_id, vm_id)

    def _done(self, conn, task_id, vm_id, when):
        task, source = self._current(conn, task_id, vm_id)
        if task is None:
            return
        clone = task["clone_server"]
        fault = self.faults.take(conn, task, "clone_fails")
        if fault:
            clone.update(clone_state="ERROR", clone_error=fault["clone_error"], error_msg=fault["error_msg"])
        else:
            clone["clone_state"] = "FINISHED"
            self.servers.clone_created(conn, task, clone)
        if source is not None and source.record["state"] == "cloning":
            set_state(source.record, "syncing", when=int(when * 1000))
        self._save(conn, task, source)
