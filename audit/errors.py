"""Errors written for people: every problem names the file, row, column and the fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. `row` is the spreadsheet row number a person sees (header = 1)."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.fix:
            text += f". Fix: {self.fix}"
        return text

    def sentence(self) -> str:
        """What is wrong and the fix, without the location: for a form's error message beside its field."""
        fix = f". {self.fix[:1].upper()}{self.fix[1:]}." if self.fix else ""
        return self.message[:1].upper() + self.message[1:] + fix


class AuditError(Exception):
    """A failure a user caused and can fix; the CLI prints it as a sentence, never a traceback."""


class InputRejected(AuditError):
    """A file or request was rejected whole; nothing was written."""

    def __init__(self, what: str, problems: list[Problem]):
        self.what = what
        self.problems = problems
        super().__init__(self.summary())

    def summary(self, limit: int = 50) -> str:
        lines = [f"{self.what} was rejected: {len(self.problems)} problem(s); nothing was saved."]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


class NotFound(AuditError):
    pass


class Conflict(AuditError):
    """The request clashes with what is stored (e.g. a scorecard already submitted)."""
