"""Bind features/case_rfib/labs.feature (steps in the plugin's sicca.testing.steps.labs)."""

from pytest_bdd import scenarios

scenarios("case_rfib/labs.feature")
