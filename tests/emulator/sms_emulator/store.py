"""All emulator state in one object, ``Store``, made of the parts named for what they do:
``database`` (SQLite plumbing), ``sources`` (fleet, listing, registration), ``commands``
(agent commands and results) and ``tasks`` (migration tasks and their actions)."""

from .commands import Commands
from .database import Database
from .migprojects import MigProjects
from .source_updates import SourceUpdates
from .sources import Sources
from .task_settings import TaskSettings
from .tasks import Tasks
from .templates import Templates


class Store(Templates, MigProjects, SourceUpdates, TaskSettings, Sources, Commands, Tasks, Database):
    """All emulator state.  Methods are safe to call from any thread."""

    def __init__(self, db_path=None, region="ap-southeast-3", project_id=None, command_generation="new"):
        if command_generation not in ("new", "old"):
            raise ValueError("command_generation must be 'new' or 'old'")
        self.region = region
        self.project_id = project_id
        self.command_generation = command_generation
        super().__init__(db_path)
