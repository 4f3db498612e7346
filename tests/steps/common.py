"""Steps and fixtures shared by every feature."""

from __future__ import annotations
