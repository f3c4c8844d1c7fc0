"""Growing the graph: drafts from new articles, what an article's instances cover, diffs between releases."""
