"""The English catalog's empty messages filled with their source, for `make catalogs`.

The msgids are English already, so a new message reads as its source until someone writes better
English for it in portal/locales/en/LC_MESSAGES/messages.po (where the source is a terse key or a
fragment of a sentence). A message already written is never touched; a plural gets both its forms.

    python -m portal.english_catalog [path to the en messages.po]
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ENGLISH_CATALOG = Path(__file__).parent / "locales" / "en" / "LC_MESSAGES" / "messages.po"


def fill(path: Path = ENGLISH_CATALOG) -> list[str]:
    """Each message without English gets its source; the messages filled, for the caller to read through."""
    with path.open("rb") as po:
        catalog = read_po(po, locale="en")
    filled: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not isinstance(message.string, tuple | list) or not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled.append(message.id[0])
        elif not message.string:
            message.string = message.id
            filled.append(message.id)
    if filled:
        # As `pybabel update` writes it, so that the file's diff shows only the messages filled.
        with path.open("wb") as po:
            write_po(po, catalog, width=76, omit_header=False, ignore_obsolete=True, include_previous=False)
    return filled


def main(argv: list[str]) -> int:
    filled = fill(Path(argv[1]) if len(argv) > 1 else ENGLISH_CATALOG)
    for message in filled:
        sys.stdout.write(f"filled from the source: {message}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
