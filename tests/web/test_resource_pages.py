"""Resource pages: every value beside the quote that supports it, as a footnote to a numbered note.

A note gives the verbatim quote marked inside its sentence (from the release's
copy of the article) and links to the source page with the resource's quotes
highlighted, at that quote. Values no quote names get no marker; headline facts
without a value are not shown at all; labels stay text.
"""

from __future__ import annotations

import re

import pytest
from support.pages import (  # noqa: F401  (fixtures)
    AGREEMENT,
    MARKUP_LABEL,
    MISSION,
    SOURCE_A,
    SOURCE_B,
    client,
    fixture_release,
    fixture_server,
)

from spacecoop.iris import SCO
from spacecoop.web.pages.highlight import locate, sentence_around
from spacecoop.web.pages.resource_view import CLASS_FACTS, PropertyValues, Value, ViewBuilder, literal_forms, names_in

BROWSER = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
MISSION_PATH = "/id/mission/shenzhou-15"
AGREEMENT_PATH = "/id/agreement/cnsa-esa-2020"


def page(client, path: str) -> str:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    return response.text


def notes(html: str) -> dict[int, str]:
    """Note number -> the note's HTML."""
    return {int(n): body for n, body in re.findall(r'<li class="note" id="note-(\d+)"[^>]*>(.*?)</li>', html, re.S)}


def markers(cell: str) -> list[int]:
    """The note numbers a piece of HTML cites, checking each marker links to its note."""
    found = re.findall(r'<a class="fn" href="#note-(\d+)"[^>]*>\[(\d+)\]</a>', cell)
    assert all(href == text for href, text in found)
    return [int(n) for n, _ in found]


def property_cell(html: str, property_iri: str) -> str:
    match = re.search(rf'<tr><th scope="row"><a [^>]*title="{re.escape(property_iri)}">.*?</th><td>(.*?)</td></tr>',
                      html, re.S)
    assert match, property_iri
    return match.group(1)


def quote_of(note: str) -> str:
    match = re.search(r'<blockquote class="quote"[^>]*>(.*?)</blockquote>', note, re.S)
    assert match
    return match.group(1)


def test_each_value_cites_the_note_whose_quote_names_it(client):
    html = page(client, MISSION_PATH)
    by_number = notes(html)
    [launch] = markers(property_cell(html, str(SCO.launchDate)))
    assert "<mark>The Shenzhou-15 crewed mission launched on 29 November 2022</mark>" in quote_of(by_number[launch])
    [commander] = markers(property_cell(html, str(SCO.commander)))
    assert commander != launch
    assert "<mark>commander Fei Junlong</mark>" in quote_of(by_number[commander])


def test_a_note_shows_the_quote_marked_inside_its_sentence(client):
    html = page(client, MISSION_PATH)
    [commander] = markers(property_cell(html, str(SCO.commander)))
    assert quote_of(notes(html)[commander]) == (
        "The Shenzhou-15 crewed mission launched on 29 November 2022, carrying "
        "<mark>commander Fei Junlong</mark> to the Tiangong space station.")


def test_a_note_links_to_the_source_page_highlighting_the_resource_at_its_quote(client):
    html = page(client, MISSION_PATH)
    [launch] = markers(property_cell(html, str(SCO.launchDate)))
    expected = f'href="{client.base_url}/source/{SOURCE_B}?highlight=mission/shenzhou-15#ev-001-mission"'
    assert expected in notes(html)[launch]
    source = client.get(f"/source/{SOURCE_B}?highlight=mission/shenzhou-15", headers={"Accept": BROWSER}).text
    assert 'id="ev-001-mission"' in source


def test_a_value_no_quote_names_has_no_marker(client):
    html = page(client, MISSION_PATH)
    assert markers(property_cell(html, str(SCO.spacecraft))) == []  # Tiangong is not in either quote
    assert "Tiangong space station" in property_cell(html, str(SCO.spacecraft))


def test_headline_facts_carry_the_same_markers(client):
    html = page(client, MISSION_PATH)
    headline = re.search(r'<dl class="headline mission">(.*?)</dl>', html, re.S)
    assert headline
    launch = re.search(r"<dt>Launch</dt><dd>(.*?)</dd>", headline.group(1), re.S)
    assert launch and markers(launch.group(1)) == markers(property_cell(html, str(SCO.launchDate)))


def test_agreement_values_are_footnoted(client):
    html = page(client, AGREEMENT_PATH)
    [signed] = markers(property_cell(html, str(SCO.signingDate)))
    assert markers(property_cell(html, str(SCO.agreementType))) == [signed]  # "cooperation agreement"
    assert "<mark>CNSA and ESA signed a cooperation agreement on 2 January 2020</mark> in Beijing." in (
        quote_of(notes(html)[signed]))


def test_a_quote_naming_no_value_is_a_note_about_the_resource(client):
    html = page(client, "/id/agency/esa")
    assert markers(property_cell(html, "http://www.w3.org/2000/01/rdf-schema#label")) == []
    assert list(notes(html)) == [1]
    assert "Supports this resource as a whole." in notes(html)[1]
    assert 'class="evidence-intro"' in html and 'href="#note-1">[1]</a>' in html


@pytest.mark.parametrize("path", [MISSION_PATH, AGREEMENT_PATH])
def test_no_fact_says_not_stated(client, path):
    assert "not stated" not in page(client, path)


def test_a_fact_without_a_value_is_left_out():
    launch = Value(kind="literal", value="2022-11-29", datatype="xsd:date")
    rows = [PropertyValues(str(SCO.launchDate), "launch date", "", [launch])]
    facts = ViewBuilder._facts(CLASS_FACTS["mission"], rows, [])
    assert [(f.heading, f.values) for f in facts] == [("Launch", [launch])]


def test_markup_in_labels_stays_text_in_values_and_notes(client):
    for path in (AGREEMENT_PATH, "/id/agency/esa"):
        html = page(client, path)
        assert '<script>alert("esa")' not in html and "<b>co</b>" not in html
        assert "European Space Agency &lt;script&gt;alert(" in html
    assert MARKUP_LABEL.startswith("European Space Agency <script>")


def test_pages_keep_their_alternates_and_incoming_links(client):
    html = page(client, "/id/agency/cnsa")
    assert f'href="{client.base_url}{AGREEMENT_PATH}"' in html  # linked from the agreement
    assert 'rel="alternate" type="text/turtle"' in html
    assert AGREEMENT.endswith(AGREEMENT_PATH.removeprefix("/id")) and MISSION.endswith("shenzhou-15")
    assert SOURCE_A


# ---------------------------------------------------------------------------
# The parts: how a quote names a value, and the sentence around a quote
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "names", "named"),
    [
        ("CNSA and ESA signed", ["ESA"], True),
        ("the ESAF said", ["ESA"], False),  # not a word of the quote
        ("China has signed cooperation agreements", ["cooperation agreement"], True),
        ("launched on April 24, 2025.", literal_forms("2025-04-24", "xsd:date"), True),
        ("BEIJING, April 24 (Xinhua)", literal_forms("2025-04-24", "xsd:date"), False),  # no year: not the date
        ("2022年11月29日发射", literal_forms("2022-11-29", "xsd:date"), True),
        ("some 4,000 projects", literal_forms("4000", "xsd:integer"), True),
        ("some 14000 projects", literal_forms("4000", "xsd:integer"), False),
        ("Chang’e-6 landed", ["Chang'e-6"], True),
    ],
)
def test_a_quote_names_a_value(quote, names, named):
    assert names_in(quote, names) is named


def test_the_sentence_around_a_quote_stops_at_sentence_ends_and_paragraphs():
    text = "Title\n\nFirst sentence. CNSA and ESA signed it in Beijing. Next one.\n"
    start, end = locate(text, "ESA  signed", None, None) or (0, 0)
    around = sentence_around(text, start, end)
    assert (around.before, around.quote, around.after) == ("CNSA and ", "ESA signed", " it in Beijing.")
    start, end = locate(text, "First sentence.", None, None) or (0, 0)
    assert sentence_around(text, start, end).before == "" and sentence_around(text, start, end).after == ""


def test_a_quote_is_found_where_its_offsets_say_or_else_by_its_text():
    text = "a b a b"
    assert locate(text, "a b", 4, 7) == (4, 7)
    assert locate(text, "a b", 1, 3) == (0, 3)
    assert locate(text, "c", None, None) is None
