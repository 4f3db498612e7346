"""Bind features/esspri.feature (steps in the plugin's sicca.testing.steps.activity)."""

from pytest_bdd import scenarios

scenarios("esspri.feature")
