"""HTTP rules every route shares: negotiation, problems, conditional requests, CORS, limits, logs."""
