"""The step library of the Sicca pytest plugin: every module's steps are registered in every
run (sicca.testing.plugin.STEP_MODULES); ``sicca steps`` lists them."""
