from app.platform import audit
from app.registry.services.imports import BUNDLED_REGISTRY, import_registry_file


async def test_api_reports_all_1469_hromadas(client):
    response = await client.get("/api/v1/hromadas")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1469
    assert len(body["items"]) == 50


async def test_vinnytsia_is_urban_and_amalgamated_on_2018_09_20(client):
    response = await client.get("/api/v1/hromadas/UA05020030000031457")
    assert response.status_code == 200
    hromada = response.json()
    assert hromada["name"] == "Вінницька"
    assert hromada["full_name"] == "Вінницька міська громада"
    assert hromada["type"] == "urban"
    assert hromada["amalgamated"] is True
    assert hromada["amalgamated_on"] == "2018-09-20"
    assert hromada["oblast_name_en"] == "Vinnytsia"
    assert hromada["population"] == 387439


async def test_hromada_formed_by_the_2020_reform_is_not_amalgamated(client):
    rows = (await client.get("/api/v1/hromadas", params={"limit": 500})).json()["items"]
    not_amalgamated = [row for row in rows if not row["amalgamated"]]
    assert not_amalgamated and all(row["amalgamated_on"] is None for row in not_amalgamated)


async def test_unknown_hromada_code_is_404_in_the_api_and_the_page(client):
    api = await client.get("/api/v1/hromadas/UA99999999999999999")
    assert api.status_code == 404
    assert "UA99999999999999999" in api.json()["detail"]
    page = await client.get("/hromadas/UA99999999999999999")
    assert page.status_code == 404
    assert "UA99999999999999999" in page.text


async def test_filters_by_oblast_type_and_name_combine(client):
    vinnytsia_oblast = "UA05000000000010236"
    by_oblast = (await client.get("/api/v1/hromadas", params={"oblast": vinnytsia_oblast, "limit": 500})).json()
    assert by_oblast["total"] == 63
    assert {row["oblast_code"] for row in by_oblast["items"]} == {vinnytsia_oblast}
    rural = (await client.get("/api/v1/hromadas", params={"oblast": vinnytsia_oblast, "type": "rural"})).json()
    assert 0 < rural["total"] < 63
    assert {row["type"] for row in rural["items"]} == {"rural"}
    by_name = (await client.get("/api/v1/hromadas", params={"q": "ВІННИЦЬК"})).json()
    assert [row["code"] for row in by_name["items"]] == ["UA05020030000031457"]
    by_code = (await client.get("/api/v1/hromadas", params={"q": "UA0502003"})).json()
    assert by_code["items"][0]["code"] == "UA05020030000031457"


async def test_paging_returns_disjoint_pages_and_the_total(client):
    first = (await client.get("/api/v1/hromadas", params={"limit": 10, "offset": 0})).json()
    second = (await client.get("/api/v1/hromadas", params={"limit": 10, "offset": 10})).json()
    assert first["total"] == second["total"] == 1469
    assert not {r["code"] for r in first["items"]} & {r["code"] for r in second["items"]}


async def test_bad_filter_values_are_refused_with_400_not_500(client):
    assert (await client.get("/api/v1/hromadas", params={"limit": 0})).status_code == 400
    assert (await client.get("/api/v1/hromadas", params={"limit": "many"})).status_code == 400
    assert (await client.get("/api/v1/hromadas", params={"type": "metropolis"})).status_code == 400


async def test_list_page_filters_and_shows_names_as_the_registry_spells_them(client):
    page = await client.get("/hromadas", params={"q": "вінницьк"})
    assert page.status_code == 200
    assert "Вінницька міська громада" in page.text
    detail = await client.get("/hromadas/UA05020030000031457")
    assert detail.status_code == 200 and "2018" in detail.text


async def test_oblast_list_has_24_oblasts(client):
    oblasts = (await client.get("/api/v1/oblasts")).json()
    assert len(oblasts) == 24
    assert oblasts[0]["name_uk"] == "Вінницька"


async def test_reimporting_the_same_file_changes_nothing(app):
    report = await import_registry_file(BUNDLED_REGISTRY, actor=audit.SYSTEM)
    assert report.added == [] and report.changed == [] and report.unchanged == 1469
