"""All emulator state in one object, ``Store``, made of the parts named for what they do:
``database`` (SQLite plumbing), ``sources`` (fleet, listing, registration), ``commands``
(agent commands and results) and ``tasks`` (migration tasks, their actions and lifecycle)."""

from .clock import Clock
from .commands import Commands
from .database import Database
from .migprojects import MigProjects
from .replication import DEFAULT_SPEED_MBPS
from .source_updates import SourceUpdates
from .sources import Sources
from .task_settings import TaskSettings
from .tasks import Tasks
from .templates import Templates


class Store(Templates, MigProjects, SourceUpdates, TaskSettings, Sources, Commands, Tasks, Database):
    """All emulator state.  Methods are safe to call from any thread."""

    def __init__(self, db_path=None, region="ap-southeast-3", project_id=None, command_generation="new",
                 clock=None, auto_agent=False, agent_delay=5.0, replication_mbps=DEFAULT_SPEED_MBPS):
        if command_generation not in ("new", "old"):
            raise ValueError("command_generation must be 'new' or 'old'")
        if float(replication_mbps) <= 0 or float(agent_delay) < 0:
            raise ValueError("replication_mbps must be positive and agent_delay not negative")
        self.region = region
        self.project_id = project_id
        self.command_generation = command_generation
        self.clock = clock or Clock()
        self.auto_agent = bool(auto_agent)
        self.agent_delay = float(agent_delay)
        self.replication_mbps = float(replication_mbps)
        self._next_due = 0.0
        super().__init__(db_path)

    def wake(self):
        """Re-check what is due at the next read (after the clock or the agent settings changed)."""
        self._next_due = 0.0
