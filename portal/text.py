"""Small helpers for text shown to people."""

from __future__ import annotations

import unicodedata

# Latvian collation (LVS 24:1993): Č Ģ Ķ Ļ Ņ Š Ž are letters of their own, after C G K L N S Z;
# the long vowels Ā Ē Ī Ū sort with A E I U. "~" sorts after every Latin letter.
_LATVIAN_LETTERS = str.maketrans({"č": "c~", "ģ": "g~", "ķ": "k~", "ļ": "l~", "ņ": "n~", "š": "s~", "ž": "z~", "ё": "е~"})


def sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as Latvian (and Russian) readers expect it, for names shown in a list."""
    folded = text.casefold().translate(_LATVIAN_LETTERS)
    base = "".join(ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch))
    return base, text.casefold()
