"""Language of parts (WCAG 3.1.2): what a caseworker wrote on the Latvian desk is marked lang="lv" on the person's
Russian page, so that a screen reader reads it in Latvian; on a Latvian page it needs no mark."""

from __future__ import annotations

from html.parser import HTMLParser

from portal import i18n
from portal.settings import Settings
from tests.applications.test_details import fill, post
from tests.applications.test_routes import ANNA
from tests.casework.decisions import issue
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.client import TestClient

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Languages(HTMLParser):
    """Each piece of text of a page with the language it is in: the `lang` of its nearest element that has one."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            inherited = self.stack[-1][1] if self.stack else None
            self.stack.append((tag, dict(attrs).get("lang", inherited)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((data.strip(), self.stack[-1][1] if self.stack else None))


def languages_of(page: str, text: str) -> list[str | None]:
    """The language of every place `text` is shown on the page."""
    parser = _Languages()
    parser.feed(page)
    return [lang for shown, lang in parser.texts if text in shown]


REASONS = "Nav I vai II grupas invaliditātes."
QUESTION = "Lūdzu, atsūtiet darba līgumu."


def test_what_the_desk_wrote_in_latvian_is_marked_latvian_on_the_persons_russian_pages(
        client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    status, case = anna_submits(client)
    switch_to(client, LIGA)
    assert fill(client, case + "/request-information", {"message": QUESTION}) == case
    switch_to(client, ANNA)
    russian_status = status.replace("/lv/", "/ru/", 1)
    shown = client.get(russian_status)
    assert shown.status_code == 200 and '<html lang="ru"' in shown.text
    assert languages_of(shown.text, QUESTION) and set(languages_of(shown.text, QUESTION)) == {"lv"}
    respond = client.get(russian_status + "/respond")
    assert respond.status_code == 200 and set(languages_of(respond.text, QUESTION)) == {"lv"}
    # Anna answers on the Russian page: on the Latvian desk her answer is marked Russian.
    answer = "Договор отправлю завтра."
    sent = post(client, russian_status + "/respond", {"answer": answer})
    assert sent.status_code == 303, sent.text

    switch_to(client, LIGA)
    desk = client.get(case)
    assert desk.status_code == 200 and set(languages_of(desk.text, answer)) == {"ru"}
    assert set(languages_of(desk.text, QUESTION)) == {"lv"}  # the page's own language: the html element's
    assert f'<span lang="lv">{QUESTION}' not in desk.text
    assert fill(client, case + "/refuse", {"reasons": REASONS}) == case + "/decision"  # composed: the preview
    assert issue(client, case + "/decision").headers["location"] == case

    switch_to(client, ANNA)
    page = client.get(russian_status).text
    # The decision's reasons and the history: both in an element marked Latvian, inside the Russian page.
    assert len(languages_of(page, REASONS)) >= 2 and set(languages_of(page, REASONS)) == {"lv"}
    latvian = client.get(status).text
    assert set(languages_of(latvian, REASONS)) == {"lv"} and f'<span lang="lv">{REASONS}' not in latvian


def test_written_marks_the_language_only_where_the_page_is_in_another() -> None:
    with i18n.in_locale("ru"):
        assert str(i18n.written("Nav <b>grupas</b>", "lv")) == '<span lang="lv">Nav &lt;b&gt;grupas&lt;/b&gt;</span>'
        assert str(i18n.written("Нет", "ru")) == "Нет"
        assert str(i18n.written("Nezināma valoda", None)) == "Nezināma valoda"  # written before the portal kept it
        assert str(i18n.written("", "lv")) == ""
        assert i18n.written_in() == "ru"
