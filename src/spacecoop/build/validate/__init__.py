"""SHACL validation: `reference` (pyshacl) and `shape_queries` (the shapes compiled to SPARQL)."""
