"""What a person typed in the self-assessment (its comments and free texts) is marked with the language
it was typed in wherever a page is in another (WCAG 3.1.2): her result page and the desk's comparison."""

from __future__ import annotations

from tests.applications.test_details import complete_adult
from tests.assessment.test_routes import ADULTS, post_section, section_form, submit
from tests.casework.test_desk import LIGA, desk_client, mail, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of

__all__ = ["desk_client", "mail"]  # fixtures of the desk's tests

COMMENT = "Нужна помощь на лестнице."


def test_comments_typed_on_russian_pages_are_marked_russian_on_latvian_ones(desk_client: TestClient, database_url: str) -> None:
    client = desk_client
    make_caseworker(database_url, LIGA, "riga")
    check = complete_adult(client)
    for section in ADULTS.sections:  # typed on the Russian pages
        response = post_section(client, "ru", section.id, section_form(ADULTS, section.id, comment=COMMENT))
        assert response.status_code == 303, response.text[:1000]
    result = submit(client, "ru")
    russian = client.get(result).text
    assert COMMENT in russian and f'<span lang="ru">{COMMENT}' not in russian  # the page's own language
    latvian = client.get(result.replace("/ru/", "/lv/", 1)).text
    assert f'<span lang="ru">{COMMENT}</span>' in latvian
    assert '<span lang="ru">Nekas cits.</span>' in latvian  # a free text too

    assert client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)}).status_code == 303
    switch_to(client, LIGA)
    compare = client.get(f"/lv/desk/cases/{check.split('/')[-2]}/assessment").text
    assert f'<span lang="ru">{COMMENT}</span>' in compare
