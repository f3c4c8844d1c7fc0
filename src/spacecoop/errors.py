"""Domain errors: the build's, each mapped to an exit status by the CLI, and the base of the store's.

A build error always names what the curator must fix: the file and line of a
syntax error, the instance file and quote of a bad evidence annotation.
"""

from __future__ import annotations

from pathlib import Path


class BuildError(Exception):
    """A build that cannot go on. `exit_status` follows the CLI contract."""

    exit_status = 1


class SyntaxProblem(BuildError):
    """An input file does not parse: exit status 2."""

    exit_status = 2

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


class SourceProblem(BuildError):
    """A source document does not match its description in sources.ttl."""


class EvidenceProblem(BuildError):
    """One or more evidence quotes are not found where they say they are."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("evidence check failed:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


class InconsistencyProblem(BuildError):
    """OWL 2 RL reasoning found the ontology and instances inconsistent."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("the data is inconsistent under OWL 2 RL:\n" + "\n".join(f"  - {m}" for m in messages))
        self.messages = messages


class ValidationProblem(BuildError):
    """SHACL validation found violations."""

    def __init__(self, report_text: str, violations: int) -> None:
        super().__init__(f"SHACL validation failed with {violations} violation(s):\n{report_text}")
        self.report_text = report_text
        self.violations = violations


class QualityProblem(BuildError):
    """The ontology quality report found errors."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("ontology quality report failed:\n" + "\n".join(f"  - {e}" for e in errors))
        self.errors = errors


class IdentifierProblem(BuildError):
    """An external identifier (an ISO 3166-1 code) is not the one its authority gives."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("external identifiers failed verification:\n" + "\n".join(f"  - {e}" for e in errors))
        self.errors = errors


class MissingInput(BuildError):
    """The repository lacks an input folder or file: exit status 2 (usually a wrong --root)."""

    exit_status = 2

    def __init__(self, root: Path, missing: list[Path]) -> None:
        names = ", ".join(str(path) for path in missing)
        super().__init__(f"{root} is not a spacecoop repository: missing {names} (is --root right?)")
        self.missing = missing


class StoreError(Exception):
    """Base of the errors a store reports to its caller (the subclasses are in `store.protocol`)."""
