"""The commands the command line registers (`cli` composes them; each calls one stage)."""
