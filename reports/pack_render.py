"""The board pack's view-model rendered as text: HTML (whole, or one part for the PDF), the PDF's page frames,
Markdown and JSON. Rendering only: nothing here reads the store or writes a file."""

from __future__ import annotations

import base64
import json

from reports import templating
from reports.pack_charts import URL_PREFIX

_env = templating.env


def pack_json(pack: dict) -> str:
    """The view-model as JSON; charts are named, not embedded."""
    data = {k: v for k, v in pack.items() if k != "charts"}
    data["charts"] = {k: {"title": c["title"], "alt": c["alt"]} for k, c in pack["charts"].items()}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_html(pack: dict, for_pdf: bool = False, part: str | None = None, pages: dict[str, int] | None = None) -> str:
    """The pack as HTML; for the PDF, `part` renders only "front" (title and contents) or one section's id,
    unnumbered, and `pages` gives the contents' page numbers when the parts are laid out separately."""
    images = {k: _image(k, c) for k, c in pack["charts"].items()
              if part is None or any(part == s["id"] and k in s["charts"] for s in pack["sections"])}
    return _env.get_template("pack.html.jinja").render(p=pack, images=images, for_pdf=for_pdf, part=part, pages=pages)


def _image(key: str, chart: dict) -> str:
    """A drawn chart embedded; one still to be drawn named, for the PDF's layout to wait for (reports.pack_charts)."""
    if "png" not in chart:
        return URL_PREFIX + key
    return "data:image/png;base64," + base64.b64encode(chart["png"]).decode("ascii")


def render_pages(pack: dict, count: int) -> str:
    """`count` empty A4 pages carrying only the pack's header and "Page n of m" (stamped over the parts)."""
    return _env.get_template("pack_pages.html.jinja").render(p=pack, count=count)


def render_markdown(pack: dict, chart_folder: str = "charts") -> str:
    images = {k: f"{chart_folder}/{file_stem(pack)}-{k}.png" for k in pack["charts"]}
    return _env.get_template("pack.md.jinja").render(p=pack, images=images)


def file_stem(pack: dict) -> str:
    return (f"board-pack-cycle-{pack['cycle']['id']}" + (f"-{pack['service']}" if pack["service"] else "")
            + ("-internal" if pack.get("audience") == "internal" else ""))
