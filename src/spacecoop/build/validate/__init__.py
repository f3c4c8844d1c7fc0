"""SHACL validation: `reference` (pyshacl) and `shape_queries.validate_store` (the shapes compiled to SPARQL)."""
