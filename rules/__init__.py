"""Sicca's bundled rules: vocabulary, rule sets and bibliography (YAML data; no code)."""
