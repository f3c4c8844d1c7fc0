"""/sparql: the SPARQL 1.1 Protocol, the service description, and DESCRIBE."""
