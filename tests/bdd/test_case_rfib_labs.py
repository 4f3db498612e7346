"""Bind features/case_rfib/labs.feature (steps in tests/steps/labs.py)."""

from pytest_bdd import scenarios

scenarios("case_rfib/labs.feature")
