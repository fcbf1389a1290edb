"""Writing the board pack: every format into one folder, the PDFs laid out in worker processes meanwhile, each
file written whole or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reports.heap import earlier_objects_frozen
from reports.pack_render import file_stem, pack_json, render_html, render_markdown


def write_pack(pack: dict, folder: Path) -> dict[str, Path]:
    """Write HTML, Markdown (with chart PNGs), PDF, XLSX and JSON; each file appears whole or not at all."""
    return write_packs([(pack, Path(folder))])[0]


@earlier_objects_frozen()
def write_packs(packs: Iterable[tuple[dict, Path]], count: int | None = None) -> list[dict[str, Path]]:
    """Write several packs (the board's and each service's), their PDFs rendered side by side.

    `packs` may be a generator that builds each pack when asked; given `count`, how many it will yield, each pack
    goes to the workers as soon as it is built when there is a worker per pack (reports.pack_pdf), so the first is
    laid out while the next is built (the board-pack flow builds five)."""
    from reports.pack_pdf import start_pack_pdfs, start_packs_whole, whole_packs

    # The PDFs are laid out in worker processes while this process renders every other format. Nothing is
    # written until the PDFs are in, so a failed layout leaves no pack half written.
    if count is not None and whole_packs(count):
        pdfs, packs = start_packs_whole(packs)
    else:
        packs = list(packs)
        pdfs = start_pack_pdfs([pack for pack, _ in packs])
    try:
        from reports.xlsx import pack_workbook  # openpyxl: loaded once the PDFs are on their way

        rendered = [{"html": render_html(pack).encode("utf-8"), "md": render_markdown(pack).encode("utf-8"),
                     "json": pack_json(pack).encode("utf-8"), "xlsx": pack_workbook(pack)} for pack, _ in packs]
        laid_out = pdfs.result()
    finally:
        pdfs.close()
    written = []
    for (pack, folder), outputs, pdf in zip(packs, rendered, laid_out):
        folder = Path(folder)
        (folder / "charts").mkdir(parents=True, exist_ok=True)
        stem = file_stem(pack)
        for key, chart in pack["charts"].items():
            _atomic(folder / "charts" / f"{stem}-{key}.png", chart["png"])
        # In the order `ehcp-audit board-pack` has always listed them.
        outputs = {"html": outputs["html"], "md": outputs["md"], "json": outputs["json"], "pdf": pdf,
                   "xlsx": outputs["xlsx"]}
        written.append({fmt: _atomic(folder / f"{stem}.{fmt}", data) for fmt, data in outputs.items()})
    return written


def _atomic(path: Path, data: bytes) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
