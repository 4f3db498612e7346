"""Bind features/criteria/*.feature and features/case_rfib/criteria.feature (steps in
the plugin's sicca.testing.steps.criteria)."""

from pytest_bdd import scenarios

scenarios("criteria")
scenarios("case_rfib/criteria.feature")
