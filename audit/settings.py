"""The one reader of the environment: every `EHCP_AUDIT_*` variable lands here."""

from __future__ import annotations

import ipaddress
import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from audit import limits

DEFAULT_DATA_DIR = Path("data")
SECRET_FILES = ("database_url", "secret_key", "smtp_password")  # each may be read from EHCP_AUDIT_<NAME>_FILE


class Settings(BaseSettings):
    """Runtime configuration; pass it down as an argument rather than reading the environment again."""

    model_config = SettingsConfigDict(env_prefix="EHCP_AUDIT_", env_file=".env", extra="ignore")

    # Production operations (issue 24, docs/operations.md).
    environment: str = Field(
        "development", pattern="^(development|production)$",
        description="production: refuse to start without a configured, existing, reachable database (never make an "
                    "empty one), and send Secure cookies and HSTS even when serving on loopback behind a proxy.",
    )
    operator_emails: list[str] = Field(
        [], description='Who is emailed when a flow run fails or crashes (the operator-alert automation), as JSON: '
                        '["ict-operations@example.org"].')
    database_url_file: Path | None = Field(None, description="A file holding EHCP_AUDIT_DATABASE_URL (a secret kept out "
                                                             "of the environment, e.g. a systemd credential).")
    secret_key_file: Path | None = Field(None, description="A file holding EHCP_AUDIT_SECRET_KEY.")
    smtp_password_file: Path | None = Field(None, description="A file holding EHCP_AUDIT_SMTP_PASSWORD.")
    area_code: str = Field("LOCAL", description="The local area commands work on when --area is not given.")
    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Folder for the SQLite file, reports and Prefect's home.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/ehcp-audit.db."
    )
    reports_dir: Path | None = Field(None, description="Where board summaries are written; default <data_dir>/reports.")
    rubrics_dir: Path = Field(Path("rubrics"), description="Folder of rubric files (YAML).")
    precheck_dir: Path = Field(Path("rubrics/precheck"), description="Folder of plan-text pre-check rules (YAML).")
    precheck_rules_off: dict[str, list[str]] = Field(
        default_factory=dict, description="Pre-check rules switched off, per area code ('*' for every area), as "
                                          'JSON: {"DEMO": ["f-no-deliverer"]}.')
    document_retention_days: int = Field(
        730, ge=30, description="Plan documents (originals, sections, flags' quotes) older than this are purged.")
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
        None, description="Send session cookies over HTTPS only (and HSTS); default true, except when serving on "
                                     "loopback outside production. false: plain HTTP (trials only)."
    )
    # Sign-in, sessions and single sign-on (issue 7, docs/security.md).
    session_idle_minutes: int = Field(30, ge=1, description="A web session ends after this long without a request.")
    session_absolute_hours: float = Field(8, gt=0, description="A web session ends this long after sign-in, however busy.")
    cookie_samesite: str = Field("lax", pattern="^(lax|strict)$",
                                 description="SameSite of the session cookie: lax (default; single sign-on needs it) or strict.")
    hsts_seconds: int = Field(31536000, ge=0, description="Strict-Transport-Security max-age, sent when cookies are secure.")
    login_max_failures_per_account: int = Field(5, ge=1, description="Failed sign-ins for one username before it is throttled.")
    login_max_failures_per_address: int = Field(20, ge=1, description="Failed sign-ins from one client address before it is throttled.")
    login_throttle_minutes: int = Field(15, ge=1, description="The window failures are counted over, and how long throttling lasts.")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        [], description="Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or "
                        "networks, comma-separated or as JSON (10.0.0.5,10.1.0.0/16). Empty: none, not even loopback.")
    oidc_enabled: bool = Field(False, description="Offer single sign-on through OpenID Connect (e.g. Microsoft Entra ID).")
    oidc_discovery_url: str | None = Field(
        None, description="The provider's .well-known/openid-configuration URL, e.g. "
                          "https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration.")
    oidc_client_id: str | None = Field(None, description="The app's client id at the provider.")
    oidc_client_secret: str | None = Field(None, description="The app's client secret at the provider.")
    oidc_subject_claim: str = Field("sub", description="The ID token claim an account is linked by (Entra ID: oid).")
    oidc_label: str = Field("your organisation's account", description="Shown on the sign-in button: 'Sign in with ...'.")
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
    # The board pack as a decision paper (issue 19, docs/board-pack.md): its audience, target and comparators.
    board_audience: str = Field(
        "published", pattern="^(published|internal)$",
        description="The board pack's default audience: published (small numbers suppressed) or internal (counts "
                    "shown, for the QA group).")
    board_target_good_pct: float | None = Field(
        None, ge=0, le=100, description="The area's target share of plans Good or better (%), quoted on the cover.")
    national_good_pct: float | None = Field(
        None, ge=0, le=100, description="A national (or regional) share of plans Good or better (%) to compare with.")
    national_source: str = Field("", description="Where the national figure comes from, e.g. 'DfE SEN2 survey'.")
    national_year: int | None = Field(None, ge=2000, le=2100, description="The year of the national figure.")
    board_decisions: list[str] = Field(
        [], description='Decisions the QA lead puts to the board on every cover, as JSON: ["approve the themed audit '
                        'of health advice for next term"].')
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
    check_in_background_bytes: int = Field(
        limits.DEFAULT_CHECK_IN_REQUEST_BYTES, ge=0,
        description="A web upload larger than this (bytes) is checked by a flow run while its page refreshes itself; "
                    "smaller ones are checked in the request.")
    max_cell_chars: int = Field(limits.DEFAULT_CELL_CHARS, ge=10,
                                description="Longest value of a register or auditors cell (codes, teams, settings).")
    max_text_chars: int = Field(limits.DEFAULT_TEXT_CHARS, ge=100,
                                description="Longest free text: comments, rationales, concerns, notes.")
    max_yaml_bytes: int = Field(limits.DEFAULT_YAML_BYTES, ge=1_000, description="Largest rubric or mapping file (bytes).")
    max_request_bytes: int = Field(limits.DEFAULT_REQUEST_BYTES, ge=10_000,
                                   description="Largest web form or API request body (bytes).")

    # Family voice (issue 21, docs/family-voice.md): personal survey links on the open internet.
    survey_link_days: int = Field(42, ge=1, le=365, description="Days a family's or young person's survey link works.")
    survey_base_url: str = Field(
        "http://localhost:8000", description="The public address survey links and letters point at (no trailing /)."
    )
    survey_surveys_dir: Path | None = Field(None, description="An area's own folder of survey files (YAML); default the shipped ones.")
    survey_max_failures_per_address: int = Field(
        20, ge=1, description="Refused survey links from one client address, within the sign-in throttle window, before it is paused."
    )
    survey_young_person_from_year: int = Field(
        7, ge=1, le=14, description="Young people in this year group or above (about 11 and older) get their own survey link."
    )

    keep_output: bool = Field(
        True, description="Read commands (cycle status, report to the terminal, timeliness) print the output kept for "
                          "the store's current data version instead of working it out again; false always does the work.")

    # Improvement plans (issue 5): status scales and rules as data, the plan-level amendment loop.
    scales_dir: Path | None = Field(
        None, description="An area's own folder of status scale files (YAML), beside the shipped BRAG and APP scales."
    )
    improvement_rules_file: Path | None = Field(
        None, description="Rules that turn audit findings into improvement actions (YAML); default config/improvement-rules.yaml."
    )
    amendment_due_working_days: int | None = Field(
        None, ge=1, description="If set, amendment tasks are due this many working days after they are raised "
                                "(instead of EHCP_AUDIT_AMENDMENT_DUE_DAYS calendar days); never past the plan's next review.",
    )

    # Production mode (issue 6): the daily chase of auditors, escalation to agency leads, links in emails.
    remind_due_soon_days: int = Field(3, ge=0, description="Remind an auditor when an assignment is due within this many days.")
    escalate_after_days: int = Field(7, ge=0, description="Tell the agency lead when an assignment is this many days overdue.")
    agency_leads: dict[str, str] = Field(
        {}, description='Agency lead email per agency, as JSON: {"health": "health-lead@example.org"}.'
    )
    web_base_url: str | None = Field(None, description="The web app's address for links in emails, e.g. https://audit.example.org.")
    flow_trigger: str = Field(
        "local", pattern="^(local|deployment)$",
        description="How the web app continues a cycle: local (in its own process) or deployment (a Prefect worker runs it).",
    )

    # The area's own identity (issue 18): a council's service, not GOV.UK, so no crown, logotype or Crown copyright.
    service_name: str = Field("EHC plan audit", min_length=1, max_length=60,
                              description="The service's name, in the header and every page title.")
    organisation_name: str = Field("Local area SEND partnership", min_length=1, max_length=120,
                                   description="Who runs the service (the council or the area's partnership), in the header and footer.")
    organisation_url: str | None = Field(None, description="The organisation's website, linked from its name in the footer.")
    logo_file: Path | None = Field(
        None, description="The organisation's logo (PNG, SVG or JPEG, at most 200 kB), shown in the header; none by default.")
    logo_alt: str = Field("", max_length=120, description="The logo's alternative text; default the organisation's name.")
    footer_links: list[dict[str, str]] = Field(
        [], description='Extra footer links, as JSON: [{"text": "Local offer", "href": "https://example.org/local-offer"}].')
    contact_email: str = Field("send-qa@example.org", description="Where people ask for help, report an accessibility "
                                                                  "problem or ask about their data.")
    contact_phone: str | None = Field(None, description="A phone number for help and accessibility requests.")
    contact_address: str | None = Field(None, description="A postal address for the accessibility statement and privacy notice.")
    contact_response_days: int = Field(5, ge=1, le=30, description="Working days in which the area answers a request.")
    data_controller: str | None = Field(None, description="Who the data controller is; default the organisation's name.")
    dpo_email: str | None = Field(None, description="The data protection officer's email, for the privacy notice.")
    accessibility_issues: list[str] = Field(
        [], description='Known accessibility problems, as JSON: ["The board pack charts ..."]; listed in the accessibility statement.')
    accessibility_compliance: str = Field(
        "partially", pattern="^(fully|partially|not)$",
        description="The statement's compliance status with WCAG 2.2 AA: fully, partially or not compliant.")
    # Fixed dates, not the clock's: the statement says when it was written and tested, which the area updates.
    accessibility_prepared: date = Field(date(2026, 12, 4), description="When the accessibility statement was prepared (YYYY-MM-DD).")
    accessibility_reviewed: date | None = Field(None, description="When the statement was last reviewed (YYYY-MM-DD).")
    accessibility_tested: date = Field(date(2026, 12, 4), description="When the service was last tested for accessibility (YYYY-MM-DD).")
    accessibility_country: str = Field(
        "england", pattern="^(england|wales|scotland|northern_ireland)$",
        description="Where the area is: Northern Ireland's statements name the ECNI, the others the EHRC.")

    invite_link_hours: int = Field(72, ge=1, le=336, description="How long an emailed invitation link works.")
    reset_link_minutes: int = Field(60, ge=5, le=1440, description="How long an emailed password reset link works.")

    @field_validator("footer_links")
    @classmethod
    def _footer_links(cls, value):
        """Each link a text and an http(s) or site-relative address; nothing that could run script."""
        for link in value:
            text, href = str(link.get("text", "")).strip(), str(link.get("href", "")).strip()
            if not text or not href.startswith(("https://", "http://", "/", "mailto:")):
                raise ValueError(f"footer link {link!r} needs a 'text' and an 'href' starting https://, http://, / or "
                                 'mailto:, e.g. {"text": "Local offer", "href": "https://example.org/local-offer"}')
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value):
        """Each entry an IP address or network (written back in its normal form); nothing else, not even '*'."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        networks = []
        for entry in value or []:
            entry = str(entry).strip()
            if not entry:
                continue
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"'{entry}' is not an IP address or network; name each proxy, e.g. 10.0.0.5 or "
                                 "10.1.0.0/16 (a host name or '*' is not accepted)") from None
            networks.append(str(network.network_address) if network.num_addresses == 1 else str(network))
        return networks

    @model_validator(mode="after")
    def _secrets_from_files(self):
        """A secret named by its *_FILE setting is read from that file (a value set directly wins)."""
        for name in SECRET_FILES:
            path = getattr(self, f"{name}_file")
            if path is None or getattr(self, name):
                continue
            try:
                value = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"EHCP_AUDIT_{name.upper()}_FILE names {path}, which cannot be read "
                                 f"({exc.strerror}): check the path and that this user may read it") from None
            if not value:
                raise ValueError(f"EHCP_AUDIT_{name.upper()}_FILE names {path}, which is empty")
            setattr(self, name, value)
        return self

    @property
    def production(self) -> bool:
        return self.environment == "production"

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


def secret_key(settings: Settings) -> str:
    """The configured secret key, or one generated once and kept in the data folder (readable by its owner only).

    One key signs the web app's session cookies and makes the inspection export's pseudonyms, so both must read
    it from here: a second copy of this rule would let the two drift apart (a pseudonym made with another key
    would no longer match the plan a session saw)."""
    import secrets

    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
