"""The bundled example cases (data; no code)."""
