"""The eligibility rules of a round: a JSON tree of all/any/not over leaf rules, checked for soundness, judged
against a hromada's facts and put into words, in Ukrainian and English. Pure functions: no database, no I/O."""
