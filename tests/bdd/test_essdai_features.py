"""Bind features/essdai/*.feature (steps in tests/steps/activity.py)."""

from pytest_bdd import scenarios

scenarios("essdai")
