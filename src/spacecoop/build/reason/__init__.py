"""OWL 2 RL reasoning: `reference` (owlrl) and `rules` (the same closure compiled onto pyoxigraph, a module a step)."""
