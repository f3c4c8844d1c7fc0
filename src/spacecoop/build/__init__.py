"""The build: `sources/` and `instances/` in, a validated release in `dist/` out (see `pipeline`)."""
