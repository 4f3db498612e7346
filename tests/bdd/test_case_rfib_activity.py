"""Bind features/case_rfib/activity.feature (steps in the plugin's sicca.testing.steps.activity)."""

from pytest_bdd import scenarios

scenarios("case_rfib/activity.feature")
