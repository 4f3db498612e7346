"""The one step library: every step module under tests/steps is imported here."""

from tests.steps.common import *  # noqa: F401,F403
from tests.steps.labs import *  # noqa: F401,F403
