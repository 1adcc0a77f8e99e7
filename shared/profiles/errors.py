"""Errors raised when a framework profile cannot be loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProfileError", "ProfileProblem"]


@dataclass(frozen=True)
class ProfileProblem:
    """One thing wrong with a profile file.

    ``field`` is a dotted path such as ``section11.standards[3].domain``
    (empty for problems with the file as a whole); ``line`` is 1-based when
    known.
    """

    field: str
    message: str
    line: int | None = None

    def render(self, path: Path | str | None) -> str:
        where = str(path) if path is not None else "<profile>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class ProfileError(Exception):
    """A framework profile is missing, malformed or invalid.

    ``str(error)`` has one line per problem, each naming the file, the line
    (when known), the field path and what is wrong.
    """

    def __init__(self, path: Path | str | None, problems: list[ProfileProblem]) -> None:
        self.path = Path(path) if path is not None else None
        self.problems = list(problems)
        super().__init__("\n".join(p.render(self.path) for p in self.problems))

    @classmethod
    def single(
        cls, path: Path | str | None, message: str, *, field: str = "", line: int | None = None
    ) -> ProfileError:
        return cls(path, [ProfileProblem(field=field, message=message, line=line)])
