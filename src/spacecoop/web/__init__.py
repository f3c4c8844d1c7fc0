"""The web: the SPARQL endpoint, the Linked Data pages, and the HTTP rules they share."""
