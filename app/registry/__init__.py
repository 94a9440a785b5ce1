"""Oblasts and hromadas: the KATOTTG registry every round is judged against, its import and its search."""
