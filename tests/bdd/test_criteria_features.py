"""Bind features/criteria/*.feature and features/case_rfib/criteria.feature (steps in
tests/steps/criteria.py)."""

from pytest_bdd import scenarios

scenarios("criteria")
scenarios("case_rfib/criteria.feature")
