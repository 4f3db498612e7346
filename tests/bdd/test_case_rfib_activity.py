"""Bind features/case_rfib/activity.feature (steps in tests/steps/activity.py)."""

from pytest_bdd import scenarios

scenarios("case_rfib/activity.feature")
