"""Bind features/esspri.feature (steps in tests/steps/activity.py)."""

from pytest_bdd import scenarios

scenarios("esspri.feature")
