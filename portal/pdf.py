"""Documents as PDF/A: a template of templates/documents/ rendered by WeasyPrint, tagged for assistive technology.

PDF/A-3u (ISO 19005-3, with Unicode text, so a screen reader and a search read the letters) and
tagged (pdf_tags: headings, paragraphs, tables and lists as structure, in reading order; the document's
language from `<html lang>`, a section's in another language added to its tags, see `pdf_of`). The fonts come from the system (fontconfig: DejaVu, `make system-deps`).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import jinja2
import pydyf
from weasyprint import HTML

from portal.templating import create_templates

PDF_VARIANT = "pdf/a-3u"
# One rendering at a time in a process: callers run it in worker threads, and Pango's font map (which
# WeasyPrint shares between renderings) is not documented as safe to use from several threads at once.
_RENDERING = threading.Lock()


@cache
def _environment() -> jinja2.Environment:
    """The portal's template environment, made once (the documents share its filters and gettext)."""
    return create_templates().env


def html_of(template: str, context: dict[str, Any]) -> str:
    return _environment().get_template(template).render(context)


def pdf_of(html: str, section_languages: dict[str, str] | None = None) -> bytes:
    """The HTML as a tagged PDF/A. Nothing is fetched: the document has no links to load (its styles are inline).

    `section_languages`: the id of a section's first element and its language, for a section in another
    language than the document's (`<html lang>`, which WeasyPrint gives the whole PDF). WeasyPrint does not
    carry an element's `lang` into its tag, so each such section starts a page (`break-before: page`) and
    the sections tagged on that page and after it get its language (/Lang), for a screen reader's voice.
    """

    def languages(document: Any, output: pydyf.PDF) -> None:
        starts = {index: lang for index, page in enumerate(document.pages)
                  for anchor, lang in (section_languages or {}).items() if anchor in page.anchors}
        page_langs: dict[str, str] = {}
        current: str | None = None
        for index, reference in enumerate(output.page_references):
            current = starts.get(index, current)
            if current:
                page_langs[str(reference)] = current
        for element in output.objects:
            if isinstance(element, pydyf.Dictionary) and element.get("Type") == "/StructElem" and element.get("S") == "/Sect":
                lang = page_langs.get(str(element.get("Pg")))
                if lang:
                    element["Lang"] = pydyf.String(lang)

    with _RENDERING:
        pdf = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, finisher=languages)
    assert pdf is not None
    return pdf
