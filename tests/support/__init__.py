"""Helpers the tests share: fixture releases, server processes, clients."""
