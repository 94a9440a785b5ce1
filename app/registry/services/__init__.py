"""The registry's logic: importing the KATOTTG file (imports.py) and finding hromadas and oblasts (queries.py)."""
