"""The HTTP server: the SPARQL endpoint, health, and the Linked Data routes.

`spacecoop.server.app.create_app(settings, store)` builds the application;
`spacecoop.server.commands` adds `spacecoop serve` and `spacecoop query`.
"""
