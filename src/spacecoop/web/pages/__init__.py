"""Linked Data: every IRI of the dataset answers in a browser and in an RDF client.

The views of the site live here, one module per kind of page (`home`,
`resources`, `documents`, `dumps`, `descriptions`, `query`); `site` holds
what they share. Each view is a function `view(site, request)`; the server's
route table (`spacecoop.web.app.routes`) binds them to their paths. Canonical
IRIs map onto the server's address (see `baseiri`).
"""
