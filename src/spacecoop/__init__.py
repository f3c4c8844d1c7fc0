"""spacecoop: a linked-data publisher for international space cooperation."""

__version__ = "0.1.0"
