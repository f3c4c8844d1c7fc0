"""The release: the writer, its self-description, the vocabulary documentation, and the path guard."""
