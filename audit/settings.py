"""The one reader of the environment: every `EHCP_AUDIT_*` variable lands here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from audit import limits

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Runtime configuration; pass it down as an argument rather than reading the environment again."""

    model_config = SettingsConfigDict(env_prefix="EHCP_AUDIT_", env_file=".env", extra="ignore")

    area_code: str = Field("LOCAL", description="The local area commands work on when --area is not given.")
    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Folder for the SQLite file, reports and Prefect's home.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/ehcp-audit.db."
    )
    reports_dir: Path | None = Field(None, description="Where board summaries are written; default <data_dir>/reports.")
    rubrics_dir: Path = Field(Path("rubrics"), description="Folder of rubric files (YAML).")
    weak_criterion_share: float = Field(
        # With RI the most common grade nationally, most criteria are weak in half the sample; two thirds
        # picks out the recurring themes a board can act on rather than one action per criterion.
        0.65, ge=0, le=1, description="Share of sampled plans graded RI or Inadequate on a criterion that raises an improvement action."
    )
    weak_criterion_min_plans: int = Field(5, ge=1, description="A criterion must be weak in at least this many plans to raise an action.")
    amendment_due_days: int = Field(28, ge=1, description="Days a case officer has to amend a plan graded RI or Inadequate.")
    improvement_milestone_days: int = Field(90, ge=1, description="Days to an improvement action's first milestone.")
    improvement_lead: str = Field("QA-LEAD", description="Code of the default lead for improvement actions.")
    small_number_threshold: int = Field(5, ge=0, description="Board outputs flag groups with fewer plans than this.")
    second_marking_share: float = Field(0.2, ge=0, le=1, description="Share of each cycle's plans second-marked blind (random rule).")
    second_marking_rules: list[str] = Field(
        ["random", "extremes", "per_auditor"],
        description="Combinable: random (the share), extremes (every Inadequate and Outstanding), per_auditor (one plan per first auditor).",
    )
    disagreement_gap: int = Field(2, ge=1, le=3, description="Section grades this many grades apart go to moderation.")
    disagreement_on_overall: bool = Field(True, description="A different overall grade for the marked sections also goes to moderation.")
    auto_agree_policy: str = Field(
        "first", pattern="^(first|lower|moderator)$",
        description="Which grade counts when the markers are within the rule: first, lower, or moderator (everything is moderated).",
    )
    secret_key: str | None = Field(
        None, description="Signs web session cookies; default a random key generated once into <data_dir>/secret_key."
    )
    cookie_secure: bool | None = Field(
        None, description="Send session cookies over HTTPS only; default true except when serving on loopback."
    )
    # Board pack delivery (issue 8): SMTP to the board's distribution list.
    smtp_host: str | None = Field(None, description="SMTP server for the board pack; unset means the pack is written but not emailed.")
    smtp_port: int = Field(25, description="SMTP port (587 with STARTTLS, 25 for a local relay).")
    smtp_user: str | None = Field(None, description="SMTP login, if the server needs one.")
    smtp_password: str | None = Field(None, description="SMTP password, if the server needs one.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS before sending.")
    smtp_from: str = Field("ehcp-audit@localhost", description="From address of board pack emails.")
    board_recipients: list[str] = Field(
        [], description='Board distribution list, as JSON: ["board@example.org", "chair@example.org"].'
    )
    # Issue 7, data protection (trail helper): safeguarding contacts, retention, limits on what is accepted.
    safeguarding_contacts: list[str] = Field(
        [], description='Designated safeguarding contact(s), emailed at once when an auditor flags a concern, as JSON: '
                        '["safeguarding@example.org"].'
    )
    comment_retention_days: int = Field(
        730, ge=30, description="Scorecard comments and moderation rationales older than this are purged (kept: grades)."
    )
    safeguarding_retention_days: int = Field(
        365, ge=30, description="A closed safeguarding flag's concern text and notes are purged this long after closure."
    )
    max_import_bytes: int = Field(limits.DEFAULT_FILE_BYTES, ge=1_000,
                                  description="Largest register, auditors or scorecard file read (bytes).")
    max_import_rows: int = Field(limits.DEFAULT_ROWS, ge=1, description="Most data rows read from one file.")
    max_cell_chars: int = Field(limits.DEFAULT_CELL_CHARS, ge=10,
                                description="Longest value of a register or auditors cell (codes, teams, settings).")
    max_text_chars: int = Field(limits.DEFAULT_TEXT_CHARS, ge=100,
                                description="Longest free text: comments, rationales, concerns, notes.")
    max_yaml_bytes: int = Field(limits.DEFAULT_YAML_BYTES, ge=1_000, description="Largest rubric or mapping file (bytes).")
    max_request_bytes: int = Field(limits.DEFAULT_REQUEST_BYTES, ge=10_000,
                                   description="Largest web form or API request body (bytes).")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ehcp-audit.db').as_posix()}"

    @property
    def resolved_reports_dir(self) -> Path:
        return self.reports_dir or self.data_dir / "reports"


@lru_cache
def get_settings() -> Settings:
    return Settings()
