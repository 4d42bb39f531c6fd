"""The base of every form: WTForms' messages in the page's language, never in English.

Forms should give their own specific messages (GOV.UK style: "Enter your
phone number"); WTForms' generic ones are the safety net for anything a
form does not cover, and are translated in our catalogs like every string.
"""

from __future__ import annotations

from wtforms import Form
from wtforms.meta import DefaultMeta

from portal import i18n


def _marker(message: str) -> str:
    """Marks a message for extraction (keyword `_l`) without translating it here."""
    return message


_l = _marker

# WTForms' own texts that a form can show when it has no message of its own.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid input."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid date value."),
)


class PortalMeta(DefaultMeta):
    def get_translations(self, form: Form) -> object:
        return i18n.translations(i18n.get_locale())


class PortalForm(Form):
    Meta = PortalMeta
