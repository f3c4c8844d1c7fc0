"""Labels of the real data: Chinese labels everywhere a label exists (docs/curation.md, rule 4).

The release has no SHACL warning at all: every instance other than a person has its @zh
label, so that scosh:ChineseLabelShape, the shapes' only warning, never fires. Removing a
Chinese label from the data makes it fire again.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from test_rules import store_of

from spacecoop.build.validate.shape_queries import validate_store

SCO = "https://w3id.org/spacecoop/ontology#"
CHINESE_LABEL_SHAPE = "https://w3id.org/spacecoop/shapes#ChineseLabelShape"
PERSONS = {URIRef(SCO + "Person"), URIRef(SCO + "Astronaut")}


def test_release_has_no_shacl_warning(loaded) -> None:
    """The build's own validation (the store engine, as `spacecoop validate`): 0 warnings, 0 violations."""
    result = validate_store(loaded.store(), loaded.shapes, loaded.ontology)
    assert result.violations == [], "\n".join(f.line() for f in result.violations)
    assert result.warnings == [], "\n".join(f.line() for f in result.warnings)


def _chinese_labelled(asserted: Graph) -> list[tuple[URIRef, Literal]]:
    return sorted(
        (s, o) for s, o in asserted.subject_objects(RDFS.label)
        if isinstance(s, URIRef) and isinstance(o, Literal) and o.language == "zh"
        and not set(asserted.objects(s, RDF.type)) & PERSONS
    )


def test_every_non_person_instance_has_a_chinese_label(asserted: Graph) -> None:
    english = {s for s, o in asserted.subject_objects(RDFS.label) if isinstance(o, Literal) and o.language == "en"}
    persons = {s for s in english if set(asserted.objects(s, RDF.type)) & PERSONS}
    chinese = {s for s, _ in _chinese_labelled(asserted)}
    missing = sorted(str(s) for s in english - persons - chinese)
    assert not missing, f"no @zh label: {missing}"


@pytest.mark.parametrize("which", [0, -1], ids=["first", "last"])
def test_removing_a_chinese_label_warns(asserted: Graph, loaded, which: int) -> None:
    """The check above is not vacuous: without one of its @zh labels, an instance is reported."""
    subject, label = _chinese_labelled(asserted)[which]
    data = Graph()
    data += asserted
    data.remove((subject, RDFS.label, label))
    result = validate_store(store_of(data), loaded.shapes, loaded.ontology)
    assert [(f.focus, f.shape) for f in result.warnings] == [(str(subject), CHINESE_LABEL_SHAPE)]
    assert result.violations == []
