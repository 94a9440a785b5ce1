import subprocess
import sys
from pathlib import Path

import pytest

from app.platform import audit
from app.platform.tables import AuditEntry
from app.registry.services.imports import BUNDLED_REGISTRY, RegistryFileError, import_registry_file, parse_registry
from app.registry.tables import Hromada

HEADER = BUNDLED_REGISTRY.read_text(encoding="utf-8").splitlines()[0]
VINNYTSIA = BUNDLED_REGISTRY.read_text(encoding="utf-8").splitlines()[
    [
        line.startswith("UA05020030000031457") for line in BUNDLED_REGISTRY.read_text(encoding="utf-8").splitlines()
    ].index(True)
]


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "registry.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_missing_column_is_named():
    header = HEADER.replace("population,", "")
    with pytest.raises(RegistryFileError) as error:
        parse_registry(header + "\n")
    assert error.value.line == 1 and error.value.column == "population"


def test_bad_code_names_the_line_and_column():
    good = VINNYTSIA
    bad = good.replace("UA05020030000031457", "UA0502", 1)
    with pytest.raises(RegistryFileError) as error:
        parse_registry("\n".join([HEADER, good.replace("UA05020030000031457", "UA05020030000031458", 1), bad]))
    assert error.value.line == 3 and error.value.column == "code"
    assert "line 3, column code" in str(error.value)


def test_non_numeric_population_names_the_line():
    fields = VINNYTSIA.split(",")
    fields[9] = "many"
    with pytest.raises(RegistryFileError) as error:
        parse_registry("\n".join([HEADER, ",".join(fields)]))
    assert (error.value.line, error.value.column) == (2, "population")


async def test_a_malformed_file_imports_nothing(app, tmp_path):
    changed = VINNYTSIA.replace("387439", "400000")
    new = changed.replace("UA05020030000031457", "UA05020030000099999", 1).replace("387439", "1")
    broken = VINNYTSIA.replace("UA05020030000031457", "UA05020030000088888", 1).replace(",urban,", ",metropolis,")
    path = write(tmp_path, HEADER, changed, new, broken)
    entries_before = await AuditEntry.count()
    with pytest.raises(RegistryFileError) as error:
        await import_registry_file(path, actor=audit.SYSTEM)
    assert error.value.line == 4 and error.value.column == "type"
    assert await Hromada.count() == 1469
    vinnytsia = await Hromada.select(Hromada.population).where(Hromada.code == "UA05020030000031457").first()
    assert vinnytsia["population"] == 387439
    assert await AuditEntry.count() == entries_before


async def test_import_is_an_upsert_that_reports_added_and_changed_and_audits_them(app, tmp_path):
    changed = VINNYTSIA.replace("387439", "400000")
    new = VINNYTSIA.replace("UA05020030000031457", "UA05020030000099999", 1).replace("387439", "1234")
    report = await import_registry_file(write(tmp_path, HEADER, changed, new), actor=audit.SYSTEM)
    assert report.added == ["UA05020030000099999"]
    assert report.changed == ["UA05020030000031457"]
    assert await Hromada.count() == 1470
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "hromada.update") & (AuditEntry.object_id == "UA05020030000031457"))
        .first()
    )
    assert entry is not None
    again = await import_registry_file(write(tmp_path, HEADER, changed, new), actor=audit.SYSTEM)
    assert again.added == [] and again.changed == [] and again.unchanged == 2


async def test_the_source_dataset_imports_by_its_own_column_names(app):
    source = Path(__file__).resolve().parents[4] / "shared" / "data" / "kse_hromada_full_dataset.csv"
    if not source.exists():
        pytest.skip("the shared data folder is not beside this checkout")
    records = parse_registry(source.read_text(encoding="utf-8"))
    assert len(records) == 1469
    vinnytsia = next(r for r in records if r.code == "UA05020030000031457")
    assert vinnytsia.type == "urban" and str(vinnytsia.amalgamated_on) == "2018-09-20"


def test_command_line_refuses_a_bad_file_and_names_the_line(tmp_path, settings):
    fields = VINNYTSIA.split(",")
    fields[9] = "n/a"
    path = write(tmp_path, HEADER, ",".join(fields))
    env = {
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": settings.secret_key,
    }
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "import-hromadas", str(path)],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 2
    assert "line 2, column population" in result.stderr
    assert "Nothing was imported" in result.stderr
