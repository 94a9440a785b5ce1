"""The registry's tables: oblasts and hromadas, with the search and sort keys the import computes."""

from piccolo.columns import Date, ForeignKey, Integer, Real, Varchar
from piccolo.table import Table

HROMADA_TYPES = ("urban", "settlement", "rural")


class Oblast(Table):
    code = Varchar(length=19, unique=True)
    name_uk = Varchar(length=100)
    name_en = Varchar(length=100)


class Hromada(Table):
    code = Varchar(length=19, unique=True)
    name = Varchar(length=100)
    full_name = Varchar(length=200)
    type = Varchar(length=12, index=True)
    oblast = ForeignKey(references=Oblast, index=True)
    raion_code = Varchar(length=19, default="")
    raion_name = Varchar(length=100, default="")
    population = Integer()
    population_year = Integer()
    area_km2 = Real(null=True, default=None)
    amalgamated_on = Date(null=True, default=None)
    # Case-folded name and code: SQLite's LIKE folds only ASCII, Cyrillic search needs this.
    search_text = Varchar(length=400, default="", index=True)
    # The name in Ukrainian alphabetical order (Unicode order puts Є, І, Ї, Ґ in the wrong places).
    sort_name = Varchar(length=200, default="", index=True)
