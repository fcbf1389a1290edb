"""`ehcp-audit family ...`: personal survey links for a cycle's families, and the family voice report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import typer

from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, friendly, needs, settings, store, write_out

family_app = typer.Typer(help="Family voice: survey links for families and young people, imported answers, "
                              "the family view beside each plan's grade.", no_args_is_help=True)
LINK_COLUMNS = ["plan_ref", "audience", "link", "short_address", "code", "expires"]


def _surveys():
    from audit.family.surveys import load_surveys

    return load_surveys(settings().survey_surveys_dir)


@family_app.command("links")
@friendly
@needs(Permission.manage_cycles)
def links_cmd(
    cycle_id: int = typer.Argument(..., help="Cycle id."),
    out: Path = typer.Option(..., "--out", help="CSV to write, for a mail merge: plan, audience, link and code."),
    letters: Path | None = typer.Option(None, "--letters", help="Also write printable letters with a QR code "
                                                               "(.html or .pdf)."),
    emails: Path | None = typer.Option(None, "--emails", help="CSV or XLSX of plan_ref and email (and audience): "
                                                             "each new link with an address is also emailed; the "
                                                             "addresses are used and not kept."),
) -> None:
    """Make a personal, single-use survey link for each sampled plan's family (and young person, year 7 up).

    The links are shown once, in the file written: the store keeps only their hashes. Run again to make links
    for plans added since; plans that already have a link are skipped. With --emails, each new link whose plan
    (and audience) has an address is sent to it by email (SMTP settings needed); nothing is sent to anyone else.
    """
    from audit.cells import escape_formula
    from audit.family.links import AUDIENCE_LABELS, make_links
    from audit.words import day

    if letters is not None and letters.suffix.lower() not in (".html", ".pdf"):
        raise typer.BadParameter("name a .html or .pdf file", param_hint="--letters")
    if out.is_dir() or out.suffix.lower() != ".csv":
        raise typer.BadParameter(f"{out} is not a .csv file name: name the file to write, e.g. links.csv",
                                 param_hint="--out")
    config = settings()
    base = config.survey_base_url.rstrip("/")
    if emails is not None:
        from flows.mail import smtp_configured

        if not smtp_configured(config):
            raise typer.BadParameter("no email can be sent: set EHCP_AUDIT_SMTP_HOST (and the other SMTP "
                                     "settings), or leave --emails out and mail-merge the links file",
                                     param_hint="--emails")
    addresses: dict[tuple[str, str], str] = {}
    # The file is the only copy of the links (the store keeps hashes), so it is written before the links are
    # committed: if it cannot be written, no link is stored and a rerun makes them all again.
    with store() as session:
        if emails is not None:
            from audit.family.addresses import read_addresses

            addresses = read_addresses(session, cycle_id, emails)  # all or nothing, before any link is made
        issued = make_links(session, cycle_id, _surveys(), days=config.survey_link_days,
                            young_person_from_year=config.survey_young_person_from_year)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(LINK_COLUMNS)
        for link in issued:
            writer.writerow([escape_formula(link.plan_ref), AUDIENCE_LABELS[link.audience],
                             f"{base}/survey/{link.token}", f"{base}/survey", link.code, day(link.expires_at.date())])
        out.parent.mkdir(parents=True, exist_ok=True)
        # Working links: readable by their owner only, like the secret key.
        out.touch(mode=0o600)
        out.write_text(buffer.getvalue(), encoding="utf-8")
        if letters is not None:
            from reports.family_letters import write_letters

            write_letters(issued, base, letters)
            console.print(f"Wrote {letters}", highlight=False)
    console.print(f"Made {len(issued)} survey link(s) for cycle {cycle_id}; wrote {out}. Keep the file safe: "
                  "each link works once, until it expires.", highlight=False)
    if emails is not None:
        _email_links(config, issued, addresses, base)


def _email_links(config, issued, addresses: dict[tuple[str, str], str], base: str) -> None:
    """Send each new link that has an address, then forget the addresses (they are never stored or written)."""
    from flows.mail import send_survey_links, survey_link_message

    messages = [(link.plan_ref, survey_link_message(config, addresses[(link.plan_ref, link.audience)], link.audience,
                                                    f"{base}/survey/{link.token}", f"{base}/survey", link.code,
                                                    link.expires_at))
                for link in issued if (link.plan_ref, link.audience) in addresses]
    earlier = len(addresses) - len(messages)
    addresses.clear()
    try:
        failed = send_survey_links(config, messages) if messages else []
    except OSError as exc:  # the mail server could not be reached: the links are made and in the file
        failed = [ref for ref, _ in messages]
        console.print(f"Could not reach the mail server ({exc.__class__.__name__}).", highlight=False)
    console.print(f"Emailed {len(messages) - len(failed)} link(s); links without an address were not sent: "
                  "post or mail-merge them from the links file.", highlight=False)
    if earlier:
        console.print(f"{earlier} address(es) were for plans whose link was made before; a link is shown only "
                      "once, so those were not emailed.", highlight=False)
    if failed:
        console.print(f"Could not email the link for {', '.join(sorted(set(failed)))}: send it from the links "
                      "file.", highlight=False)


@family_app.command("import")
@friendly
@needs(Permission.manage_cycles)
def import_cmd(
    file: Path = typer.Argument(..., help="CSV or XLSX export of a survey tool (Microsoft Forms, SmartSurvey...)."),
    cycle_id: int = typer.Option(..., "--cycle", help="The cycle the plans were sampled in."),
    audience: str = typer.Option("family", "--audience", help="family or young_person: whose survey it was."),
    maps: list[str] = typer.Option([], "--map", help="TARGET=HEADING: plan_ref or a question key, and the file's "
                                                     "heading for it (repeat as needed)."),
) -> None:
    """Import survey responses collected elsewhere, all or nothing; problems by file, row, column and fix."""
    from audit.family.imports import import_responses
    from audit.family.surveys import survey_for
    from audit.limits import Limits

    mapping = {}
    for item in maps:
        target, sep, heading = item.partition("=")
        if not sep or not target.strip() or not heading.strip():
            raise typer.BadParameter(f"'{item}' is not TARGET=HEADING", param_hint="--map")
        mapping[target.strip()] = heading.strip()
    if audience not in ("family", "young_person"):
        raise typer.BadParameter("use family or young_person", param_hint="--audience")
    with store() as session:
        result = import_responses(session, cycle_id, file, survey_for(_surveys(), audience), mapping=mapping,
                                  limits=Limits.from_settings(settings()))
    console.print(str(result), highlight=False)


@family_app.command("report")
@friendly
@needs(Permission.view_results)
def report_cmd(
    cycle_id: int = typer.Argument(..., help="Cycle id."),
    format: str = typer.Option("text", "--format", help="text or json."),
    out: Path | None = typer.Option(None, "--out", help="File to write; default standard output."),
) -> None:
    """Response rates, each plan's family view beside its grade, disagreements and themes (small numbers hidden)."""
    from audit.family.views import family_view
    from reports.family import build_family_report, render_json, render_text

    if format not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    with store() as session:
        view = family_view(session, cycle_id)
    report = build_family_report(view, settings().small_number_threshold, for_qa_lead=True)
    write_out(render_json(report) if format == "json" else render_text(report), out)
