"""Texts in every language people read, as definition files (questionnaires, surveys) give them.

`en` is the source, and people read all three (`lv`, `ru`, `en`): a definition missing any of them is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("lv", "ru", "en")


class DefinitionError(ValueError):
    """A questionnaire file that cannot be used as it is."""


@dataclass(frozen=True)
class Text:
    """One text in every language the portal is in (`en` is the source).

    `other` is the same text about someone else, with `{name}`: a representative answers
    about the person by name ("Can {name} ..."), not about "you".
    """

    by_language: dict[str, str]
    other: dict[str, str] | None = None

    def __call__(self, language: str, name: str | None = None) -> str:
        if name and self.other:
            return (self.other.get(language) or self.other["lv"]).replace("{name}", name)
        return self.by_language.get(language) or self.by_language["lv"]


def _text(table: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Text | None:
    texts = table.get(key)
    if texts is None and optional:
        return None
    if not isinstance(texts, dict):
        raise DefinitionError(f"{where}: no {key}")
    _in_every_language(texts, key, where)
    other = table.get(f"{key}_other")
    if other is not None:
        if not isinstance(other, dict):
            raise DefinitionError(f"{where}: {key}_other is not a table of texts")
        _in_every_language(other, f"{key}_other", where)
        without_name = [lang for lang in LANGUAGES if lang in other and "{name}" not in other[lang]]
        if without_name:
            raise DefinitionError(f"{where}: {key}_other has no {{name}} in {', '.join(without_name)}")
    return Text({lang: str(value).strip() for lang, value in texts.items()},
                {lang: str(value).strip() for lang, value in other.items()} if other else None)


def _in_every_language(texts: dict[str, Any], key: str, where: str) -> None:
    missing = [lang for lang in LANGUAGES if not isinstance(texts.get(lang), str) or not texts[lang].strip()]
    if missing:
        raise DefinitionError(f"{where}: {key} has no text in {', '.join(missing)}")


def required_text(table: dict[str, Any], key: str, where: str) -> Text:
    text = _text(table, key, where)
    assert text is not None
    return text


def unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise DefinitionError(f"{what} {value!r} appears twice")
        seen.add(value)




def optional_text(table: dict[str, Any], key: str, where: str) -> Text | None:
    return _text(table, key, where, optional=True)


@contextmanager
def named_problems(source: str) -> Iterator[None]:
    """A missing key or a bad text becomes one DefinitionError that names the file."""
    try:
        yield
    except (KeyError, TypeError) as error:
        raise DefinitionError(f"{source}: missing or malformed {error}") from None
    except DefinitionError as error:
        raise DefinitionError(f"{source}: {error}") from None
