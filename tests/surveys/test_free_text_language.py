"""Language of parts (WCAG 3.1.2): a free-text answer written on the Russian survey is marked lang="ru" on the
analyst's Latvian pages (the results and the free text's own pages), and needs no mark on a Russian page."""

from __future__ import annotations

from tests.casework.test_written_language import languages_of
from tests.client import TestClient
from tests.conftest import sign_in
from tests.surveys.test_analysis import PETERIS, RECIPIENTS, seed

RUSSIAN = "Больше часов по выходным."
LATVIAN = "Vairāk stundu brīvdienās."


def test_a_russian_answer_is_marked_russian_on_the_analysts_latvian_pages(client: TestClient, database_url: str) -> None:
    seed(database_url, [("ru", {"where": "college", "hours_fit": "3", "what_to_change": RUSSIAN})] * 5
         + [("lv", {"where": "municipality", "hours_fit": "4", "what_to_change": LATVIAN})] * 5)
    sign_in(client, PETERIS)
    for path in (f"/lv/analysis/{RECIPIENTS.id}", f"/lv/analysis/{RECIPIENTS.id}/free-text/what_to_change"):
        page = client.get(path)
        assert page.status_code == 200 and '<html lang="lv"' in page.text
        assert languages_of(page.text, RUSSIAN) and set(languages_of(page.text, RUSSIAN)) == {"ru"}, path
        assert set(languages_of(page.text, LATVIAN)) == {"lv"} and f'<span lang="lv">{LATVIAN}' not in page.text
    russian = client.get(f"/ru/analysis/{RECIPIENTS.id}/free-text/what_to_change").text
    assert set(languages_of(russian, RUSSIAN)) == {"ru"} and f'<span lang="ru">{RUSSIAN}' not in russian
    assert set(languages_of(russian, LATVIAN)) == {"lv"}
