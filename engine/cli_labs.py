"""`sicca labs` and `sicca import labs` (placeholder until the labs module lands)."""
