"""Class pages: a sortable table of the members with both labels and the class's key properties.

The table is plain HTML (it works without script); `static/tables.js` sorts it
by a column when its header is clicked. The JSON twin has the same columns.
"""

from __future__ import annotations

import re

import pytest
from support.pages import (  # noqa: F401  (fixtures)
    CNSA,
    ESA,
    FEI,
    TIANGONG,
    client,
    fixture_release,
    fixture_server,
)

BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


def table(client, path: str, **params: str) -> tuple[list[str], list[list[str]]]:
    """The members table of a class page: its header texts and each row's cells (as HTML)."""
    html = client.get(path, params=params, headers={"Accept": BROWSER}).text
    match = re.search(r'<table class="members sortable">(.*?)</table>', html, re.S)
    assert match, html[:300]
    headers = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th [^>]*>(.*?)</th>", match.group(1), re.S)]
    body = match.group(1).split("<tbody>", 1)[1]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return headers, rows


def test_agreement_table_has_both_labels_and_its_key_properties(client):
    headers, rows = table(client, "/class/Agreement")
    assert headers == ["#", "English label", "中文名称", "parties", "signed", "type"]
    [row] = rows
    assert "CNSA–ESA cooperation agreement of 2020" in row[1] and "中欧航天合作协议" in row[2]
    assert f'href="{client.base_url}/id/agency/cnsa"' in row[3] and f'href="{client.base_url}/id/agency/esa"' in row[3]
    assert "2020-01-02" in row[4]
    assert f'href="{client.base_url}/ontology#cooperationAgreement"' in row[5]


def test_mission_table_shows_launch_crew_and_spacecraft(client):
    headers, rows = table(client, "/class/Mission")  # members of its subclass CrewedMission too
    assert headers[3:] == ["launch date", "crew", "spacecraft"]
    [row] = rows
    assert "2022-11-29" in row[3]
    assert row[4].count(f'href="{client.base_url}/id/person/fei-junlong"') == 1  # commander and crew member
    assert f'href="{client.base_url}/id/spacecraft/tiangong"' in row[5]


def test_a_generic_class_shows_the_properties_its_members_have(client):
    data = client.get("/class/SpaceStation", params={"format": "json"}).json()
    headings = [c["heading"] for c in data["columns"]]
    assert "operator" in headings
    [member] = data["members"]
    operator = next(c["key"] for c in data["columns"] if c["heading"] == "operator")
    assert [v["value"] for v in member["values"][operator]] == [CNSA]
    assert member["values"][operator][0]["url"] == f"{client.base_url}/id/agency/cnsa"
    assert member["iri"] == TIANGONG


def test_the_json_twin_has_the_same_columns(client):
    data = client.get("/class/Agreement", params={"format": "json"}).json()
    assert [c["heading"] for c in data["columns"]] == ["parties", "signed", "type"]
    [member] = data["members"]
    assert member["label_en"] == "CNSA–ESA cooperation agreement of 2020" and member["label_zh"] == "中欧航天合作协议"
    parties = member["values"][data["columns"][0]["key"]]
    assert {p["value"] for p in parties} == {CNSA, ESA}
    assert all(p["url"].startswith(str(client.base_url)) for p in parties)


def test_a_member_without_a_chinese_label_has_an_empty_cell(client):
    data = client.get("/class/Actor", params={"format": "json"}).json()
    assert {m["iri"]: m["label_zh"] for m in data["members"]} == {CNSA: "国家航天局", ESA: "欧洲航天局", FEI: "费俊龙"}


def test_the_sorting_script_is_loaded_and_the_table_says_how_it_is_sorted(client):
    html = client.get("/class/Agency", headers={"Accept": BROWSER}).text
    assert f'<script src="{client.base_url}/static/tables.js" defer></script>' in html
    assert '<th scope="col" aria-sort="ascending">English label</th>' in html
    script = client.get("/static/tables.js")
    assert script.status_code == 200 and "aria-sort" in script.text and "table.sortable" in script.text
    assert client.get("/static/pages.css").status_code == 200


@pytest.mark.parametrize(
    ("page", "label", "number"),
    [(1, "China National Space Administration", "1"), (2, "European Space Agency &lt;script&gt;", "2"),
     (3, "Fei Junlong", "3")],
)
def test_the_table_is_paged(client, page, label, number):
    html = client.get("/class/Actor", params={"page": page, "size": 1}, headers={"Accept": BROWSER}).text
    _, rows = table(client, "/class/Actor", page=str(page), size="1")
    [row] = rows
    assert row[0] == number and label in row[1]
    assert ('rel="next"' in html) is (page < 3) and ('rel="prev"' in html) is (page > 1)
    assert "<b>co</b>" not in html
