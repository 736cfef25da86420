"""One class per API resource; :class:`switchyard.Client` holds one of each."""

from .ab_tests import AbTests, GuardRails
from .admin import AgentKeys, Agents, Policies, Webhooks
from .branches import Branches
from .cot import Cot
from .events import Events, EventTypes
from .inbox import Inbox
from .memory import Memory
from .runs import Runs, Tasks
from .state import State
from .triggers import Triggers
from .versions import Versions
from .workflows import Workflows

__all__ = [
    "AbTests", "AgentKeys", "Agents", "Branches", "Cot", "EventTypes", "Events", "GuardRails", "Inbox",
    "Memory", "Policies", "Runs", "State", "Tasks", "Triggers", "Versions", "Webhooks", "Workflows",
]
