"""Tagged PDF (PDF/UA) kept whole when PDFs laid out apart are joined into one.

WeasyPrint writes each part tagged (`pdf_variant="pdf/ua-1"`: a structure tree of headings, paragraphs,
tables and figures with their alt text, the document language and title). pypdf's `append` copies the pages
but not the structure tree, and drops each page's `/StructParents`, so a joined board pack would be an
untagged PDF that a screen reader cannot navigate. `join_tagged` copies every part's tree under one root,
pointing at the copied pages, and renumbers the parent tree the marked content is found through. The stamp
laid over every page (running header, "Page n of m") is marked as a pagination artifact, which a screen
reader skips, as PDF/UA asks of page furniture.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ContentStream,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

LANGUAGE = "en-GB"


def join_tagged(title: str, parts: list[bytes], stamp: bytes | None = None) -> PdfWriter:
    """The parts as one tagged document (a writer, not yet written), each page overlaid with `stamp`'s page."""
    writer = PdfWriter()
    tree = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    tree_ref = writer._add_object(tree)
    kids, numbers, next_key = ArrayObject(), ArrayObject(), 0
    metadata = None
    for part in parts:
        reader = PdfReader(io.BytesIO(part))
        first = len(writer.pages)
        writer.append(reader)
        catalog = reader.trailer["/Root"]
        metadata = metadata or catalog.get("/Metadata")
        if "/StructTreeRoot" not in catalog:
            continue
        source = catalog["/StructTreeRoot"]
        top = source.raw_get("/K")
        for element in top if isinstance(top, ArrayObject) else [top]:
            copy = element.clone(writer)  # the same copy map as the pages: /Pg points at the copied pages
            copy.get_object()[NameObject("/P")] = tree_ref
            kids.append(copy)
        for page, original in zip(writer.pages[first:], reader.pages, strict=True):
            if "/StructParents" in original:
                page[NameObject("/StructParents")] = NumberObject(original["/StructParents"] + next_key)
            for annotation in page.get("/Annots", []):
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(annotation["/StructParent"] + next_key)
        last = -1
        for key, value in number_tree(source["/ParentTree"]):
            numbers += [NumberObject(key + next_key), value.clone(writer)]
            last = max(last, key)
        next_key += last + 1
    tree[NameObject("/K")] = kids
    tree[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): numbers}))
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
    catalog = writer._root_object
    catalog[NameObject("/StructTreeRoot")] = tree_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    catalog[NameObject("/Lang")] = TextStringObject(LANGUAGE)
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    if metadata is not None:
        catalog[NameObject("/Metadata")] = metadata.clone(writer) if hasattr(metadata, "clone") else metadata
    if stamp is not None:
        for page, overlay in zip(writer.pages, PdfWriter(clone_from=io.BytesIO(stamp)).pages):
            page.merge_page(as_artifact(overlay))
    writer.add_metadata({"/Title": title, "/Creator": "ehcp-audit"})
    return writer


def number_tree(node) -> list[tuple[int, object]]:
    """A number tree's (key, value) pairs in key order, from its leaves (`/Nums`) and any `/Kids` below."""
    node = node.get_object()
    pairs = [(int(node["/Nums"][i]), node["/Nums"][i + 1]) for i in range(0, len(node.get("/Nums", [])), 2)]
    for kid in node.get("/Kids", []):
        pairs += number_tree(kid)
    return sorted(pairs, key=lambda pair: pair[0])


def as_artifact(page):
    """The page with its whole content marked as a pagination artifact (page furniture a reader skips).

    Any marked content of its own is dropped first: its MCIDs would otherwise be read as the page's content."""
    content = page.get_contents()
    if content is None:
        return page
    stream = ContentStream(content, page.pdf)
    stream.operations = ([([NameObject("/Artifact"), DictionaryObject({NameObject("/Type"): NameObject("/Pagination")})],
                           b"BDC")]
                         + [op for op in stream.operations if op[1] not in (b"BDC", b"BMC", b"EMC")]
                         + [([], b"EMC")])
    page.replace_contents(stream)
    return page
