"""RDF shared by every stage: terms, formats, the SPARQL lexer, canonical serialisation."""
