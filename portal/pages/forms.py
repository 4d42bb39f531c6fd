"""Forms of the general pages."""

from __future__ import annotations

from babel.support import LazyProxy

from portal import i18n
from portal.forms import Choice, Errors, Flag, Form, Text
from portal.i18n import lazy_gettext as _l
from portal.people.contacts import CodeOutcome, ContactProblem
from portal.people.models import Channel
from portal.templating import CONTRASTS, TEXT_SIZES
from portal.validation import MAX_EMAIL_LENGTH


class DisplaySettingsForm(Form):
    # The choices and their labels are in the template (radios); here, only what is allowed.
    text = Choice(TEXT_SIZES, required=_l("Choose a text size"))
    contrast = Choice(CONTRASTS, required=_l("Choose a contrast"))


class ContactDetailsForm(Form):
    """Contact details (people/contacts.py checks the addresses and that the chosen channel has one)."""

    email = Text(max_length=MAX_EMAIL_LENGTH)
    phone = Text(max_length=40)
    eaddress = Flag()
    channel = Choice([channel.value for channel in Channel], required=_l("Choose how you want to be told"))
    language = Choice(i18n.LOCALES, required=_l("Choose the language of your messages"))


class ConfirmCodeForm(Form):
    code = Text(max_length=20)
    resend = Flag()  # the "send a new code" button

    def check(self) -> Errors:
        return [] if self.resend or self.code else [("code", str(_l("Enter the code we sent you")))]


def contact_problem(problem: ContactProblem) -> tuple[str, LazyProxy]:
    """The field and the words of each problem with contact details."""
    return {
        ContactProblem.EMAIL_INVALID: ("email", _l("Enter an e-mail address in the right format, like name@example.lv")),
        ContactProblem.PHONE_INVALID: ("phone", _l("Enter a Latvian phone number, like 20 123 456 or +371 67 123 456")),
        ContactProblem.PHONE_NOT_MOBILE: ("phone", _l("Enter a mobile number: text messages cannot go to a landline")),
        ContactProblem.EMAIL_NEEDED: ("email", _l("Enter your e-mail address, or choose another way to be told")),
        ContactProblem.PHONE_NEEDED: ("phone", _l("Enter your mobile number, or choose another way to be told")),
        ContactProblem.EADDRESS_NEEDED: ("eaddress", _l("Tick that you have an official e-address, or choose another way to be told")),
    }[problem]


def code_problem(outcome: CodeOutcome) -> LazyProxy:
    return {
        CodeOutcome.WRONG: _l("The code is not right. Check it and enter it again"),
        CodeOutcome.EXPIRED: _l("The code has expired. Send a new code"),
        CodeOutcome.TOO_MANY: _l("The code was entered wrongly too many times. Send a new code"),
        CodeOutcome.NONE: _l("No code has been sent to this address. Send a new code"),
    }[outcome]
