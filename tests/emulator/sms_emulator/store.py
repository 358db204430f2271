"""All emulator state in one object, ``Store``, composed of parts named for what they do.

Every part gets the ``Database`` (``database.py``: SQLite plumbing, ``StoredSource``) and the
parts it works with, wired in ``Store.__init__``.  What goes across parts is a ``Store`` method a
reader can see (deleting a task deletes its own template, ``auto_start`` starts a new task); the
rest of the Store's API forwards to the part that does it (``_Forward``), in the table below.
"""

from .auto_agent import AutoAgent
from .clock import Clock
from .clones import CloneTests
from .commands import Commands
from .database import Database
from .drills import Drills
from .ecs import EcsServers
from .engine import Engine
from .inferences import SOURCE_QUOTA
from .migprojects import MigProjects
from .registration import Registration
from .rehearsal_faults import RehearsalFaults
from .replication import DEFAULT_SPEED_MBPS
from .source_updates import SourceUpdates
from .sources import Sources
from .task_actions import TaskActions
from .task_faults import TaskFaults
from .task_logs import TaskLogs
from .task_settings import TaskSettings
from .task_updates import TaskUpdates
from .tasks import Tasks
from .templates import Templates


class _Forward:
    """A Store attribute that is the same-named (or ``name``) attribute of one of its parts."""

    def __init__(self, part, name=None):
        self.part = part
        self.name = name

    def __set_name__(self, owner, name):
        self.name = self.name or name

    def __get__(self, store, owner=None):
        if store is None:
            return self
        return getattr(getattr(store, self.part), self.name)


class Store:
    """All emulator state.  Methods are safe to call from any thread."""

    def __init__(self, db_path=None, region="ap-southeast-3", project_id=None, command_generation="new",
                 clock=None, auto_agent=False, agent_delay=5.0, replication_mbps=DEFAULT_SPEED_MBPS,
                 source_quota=SOURCE_QUOTA, target_ip=None):
        if command_generation not in ("new", "old"):
            raise ValueError("command_generation must be 'new' or 'old'")
        if float(replication_mbps) <= 0 or float(agent_delay) < 0:
            raise ValueError("replication_mbps must be positive and agent_delay not negative")
        self.region = region
        self.project_id = project_id
        self.command_generation = command_generation
        self.clock = clock or Clock()
        self.db = Database(db_path)
        # the clock-driven side: runs of started tasks, agent commands and the agent that may answer them
        self.engine = Engine(self.db, self.clock, replication_mbps)
        self.commands = Commands(self.db, self.clock, self.engine)
        self.agent = AutoAgent(self.commands, self.engine, auto_agent, agent_delay)
        self.engine.agent = self.agent  # it answers first in every tick
        self.commands.agent = self.agent  # it hears of every queued command
        # the servers SMS launches (targets, clones) as ECS shows them, and the rehearsal's faults
        self.rehearsal_faults = RehearsalFaults(self.db, self.engine)
        self.servers = EcsServers(self.db, self.clock, self.engine, self.rehearsal_faults, target_ip)
        self.rehearsal_faults.servers = self.servers  # ``unreachable`` moves existing targets and clones
        self.engine.servers = self.servers  # a full copy creates the target's ECS
        # sources, tasks and what hangs off them
        self.sources = Sources(self.db, self.engine, region, project_id)
        self.registration = Registration(self.db, self.engine, source_quota)
        self.projects = MigProjects(self.db, region)
        self.source_updates = SourceUpdates(self.db, self.sources, self.projects)
        self.tasks = Tasks(self.db, self.clock, self.engine, self.commands, self.sources, region, project_id,
                           command_generation)
        self.actions = TaskActions(self.db, self.clock, self.engine, self.commands, command_generation)
        self.task_faults = TaskFaults(self.db, self.clock, self.engine)
        self.task_settings = TaskSettings(self.db)
        self.templates = Templates(self.db)
        self.task_updates = TaskUpdates(self.db, self.engine)
        # the rehearsal: clone tests (the clone_test action), drills (the agent's PREMIGRATE), log uploads
        self.clones = CloneTests(self.db, self.clock, self.engine, self.templates, self.servers,
                                 self.rehearsal_faults)
        self.actions.clones = self.clones
        self.drills = Drills(self.db, self.engine, self.rehearsal_faults)
        self.commands.drills = self.drills
        self.logs = TaskLogs(self.db, self.actions, self.commands, self.rehearsal_faults)
        self.agent.decide = self.logs.agent_result  # the log_upload_fails fault

    # ----------------------------------------------------------------- across parts
    def create_task(self, body, fill_defaults=True):
        """POST /v3/tasks; a body with ``auto_start`` is then started like any task (TaskActions)."""
        task_id = self.tasks.create_task(body, fill_defaults)
        if body.get("auto_start"):
            self.actions.task_action(task_id, "start")
        return task_id

    def delete_task(self, task_id):
        """DELETE /v3/tasks/{id}; the task's own (non-generic) template is deleted with it."""
        task = self.db.load_task(task_id)
        self.tasks.delete_task(task_id)
        self.templates.delete_task_template(task)

    # ----------------------------------------------------------------- the clock and the auto agent
    tick = _Forward("engine")
    wake = _Forward("engine")
    replication_mbps = _Forward("engine")

    @property
    def auto_agent(self):
        return self.agent.enabled

    @property
    def agent_delay(self):
        return self.agent.delay

    def set_agent(self, auto_agent=None, agent_delay=None):
        """Switch the auto agent on/off and set its delay (clock seconds)."""
        if auto_agent is not None:
            self.agent.enabled = bool(auto_agent)
        if agent_delay is not None:
            if float(agent_delay) < 0:
                raise ValueError("agent_delay must not be negative")
            self.agent.delay = float(agent_delay)
        self.engine.wake()

    # ----------------------------------------------------------------- forwarded to one part
    db_path = _Forward("db")
    close = _Forward("db")
    # sources (sources.py, registration.py, source_updates.py)
    add_sources = _Forward("sources")
    query_sources_json = _Forward("sources")
    list_sources = _Forward("sources")
    count_sources = _Forward("sources")
    get_source = _Forward("sources")
    get_source_record = _Forward("sources")
    update_source = _Forward("sources")
    delete_source = _Forward("sources")
    delete_sources = _Forward("sources")
    overview = _Forward("sources")
    change_state = _Forward("sources")
    register_source = _Forward("registration")
    update_source_fields = _Forward("source_updates")
    migration_errors = _Forward("source_updates")
    # agent commands (commands.py)
    pending_command = _Forward("commands")
    command_results = _Forward("commands")
    poll_command = _Forward("commands")
    report_command_result = _Forward("commands")
    # tasks (tasks.py, task_actions.py, task_faults.py, task_settings.py)
    get_task = _Forward("tasks")
    list_tasks = _Forward("tasks")
    remove_task = _Forward("tasks")
    task_action = _Forward("actions")
    update_task = _Forward("task_updates")
    collect_log = _Forward("logs")
    clone_test = _Forward("clones")
    set_rehearsal_fault = _Forward("rehearsal_faults")
    clear_rehearsal_fault = _Forward("rehearsal_faults")
    rehearsal_fault = _Forward("rehearsal_faults")
    # ECS (ecs.py): the servers SMS launched, and their addresses
    show_ecs_server = _Forward("servers", "show_server")
    delete_ecs_servers = _Forward("servers", "delete_servers")
    show_ecs_job = _Forward("servers", "show_job")
    ecs_servers = _Forward("servers", "list_servers")
    set_target_ip = _Forward("servers")
    set_task_fault = _Forward("task_faults")
    clear_task_fault = _Forward("task_faults")
    set_speed_limits = _Forward("task_settings")
    speed_limits = _Forward("task_settings")
    set_configurations = _Forward("task_settings")
    configurations = _Forward("task_settings")
    set_consistency_results = _Forward("task_settings")
    consistency_results = _Forward("task_settings")
    # server templates (templates.py) and migration projects (migprojects.py)
    create_template = _Forward("templates")
    list_templates = _Forward("templates")
    get_template = _Forward("templates")
    update_template = _Forward("templates")
    delete_templates = _Forward("templates")
    target_password = _Forward("templates")
    create_project = _Forward("projects")
    list_projects = _Forward("projects")
    get_project = _Forward("projects")
    update_project = _Forward("projects")
    set_default_project = _Forward("projects")
    delete_project = _Forward("projects")
    # the database's plumbing under its earlier names, for tests that edit records in place
    _conn = _Forward("db", "conn")
    _write = _Forward("db", "write")
    _load_source = _Forward("db", "load_source")
    _load_task = _Forward("db", "load_task")
    _save_task = _Forward("db", "save_task")
    _enqueue = _Forward("commands", "enqueue")
