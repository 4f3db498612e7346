"""Sicca for test suites: the pytest plugin, its Gherkin step library and rule coverage.

- ``sicca.testing.plugin``: the pytest plugin (entry point ``pytest11: sicca``): the steps,
  ``--sicca-rules`` / ini ``sicca_rules`` (rule packs), ``--sicca-coverage`` (rule coverage).
- ``sicca.testing.steps``: the step library (one module per subject).
- ``sicca.testing.coverage``: which scenarios fired each rule (``--sicca-coverage-json``).
- ``sicca.testing.catalogue``: the step catalogue (``sicca steps``, ``write_steps_page``).
- ``sicca.testing.scaffold``: a new rule pack (``sicca new pack``) and its test run
  (``sicca rules test``).

Everything here but ``scaffold`` needs pytest and pytest-bdd: ``pip install 'sicca[bdd]'``.
"""
