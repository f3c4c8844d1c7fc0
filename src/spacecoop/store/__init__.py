"""The store: a release in, answers out (the engines, the remote backend, the query policy, the cache)."""
