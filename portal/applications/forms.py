"""What the apply journey and the status pages take from a POST, and the words for the service's problems.

The journey's question pages and detail pages declare their fields where they are defined
(journey.Question.fields, details.FormPage.fields), since the fields follow the answers so far.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

from portal.applications.documents import DocumentKind
from portal.applications.service import MAX_ANSWER, MAX_WITHDRAW_REASON, Problem
from portal.forms import Body, Choice, Field, Flag, Form, Message, Text, Upload, Uploads, read_fields
from portal.i18n import lazy_gettext as _l

FOR_WHOM_SELF = "self"
SELECT_WHO = _l("Select who the application is for")
UPLOAD_AND_STAY = "upload"  # the value of the documents page's second button, `action`

PROBLEM_TEXTS: dict[Problem, Message] = {
    Problem.KIND_NOT_FOR_AGE: _l("Select the service you want to apply for"),
    Problem.REASON_TOO_LONG: _l("The reason must be %(num)s characters or fewer", num=MAX_WITHDRAW_REASON),
    Problem.ANSWER_TOO_LONG: _l("The answer must be %(num)s characters or fewer", num=MAX_ANSWER),
    Problem.NOTHING_SENT: _l("Write an answer or add a document"),
}


def problem_text(problem: Problem) -> str:
    return str(PROBLEM_TEXTS[problem])


# A journey page whose question no longer applies, or a draft changed by another tab: the page is
# shown again as the application is now.
CHANGED_SINCE_OPENED = _l("The application changed since you opened this page (perhaps in another tab). "
                          "This is how it is now: please check it and make your change again.")


def for_whom_fields(offered: Sequence[str]) -> dict[str, Field[Any]]:
    """The radios offered: "self", and the ids of the people represented today (the service checks them again)."""
    return {"answer": Choice(offered, required=SELECT_WHO)}


START_KEY_LENGTH = 32
_START_KEY = re.compile(r"[0-9a-f]{32}")


def new_start_key() -> str:
    """The random key a "who is it for" page sends, so that sending it twice starts one draft."""
    return secrets.token_hex(START_KEY_LENGTH // 2)


def start_key(body: Body) -> str | None:
    """The page's start key, if it sent one that this portal could have made (anything else: none)."""
    reading = read_fields(body, {"start_key": Text(max_length=START_KEY_LENGTH)})
    value = reading.values["start_key"]
    return value if not reading.errors and _START_KEY.fullmatch(value) else None


class WithdrawForm(Form):
    reason = Text(max_length=MAX_WITHDRAW_REASON, multiline=True, too_long=PROBLEM_TEXTS[Problem.REASON_TOO_LONG])


class RespondForm(Form):
    answer = Text(max_length=MAX_ANSWER, multiline=True, too_long=PROBLEM_TEXTS[Problem.ANSWER_TOO_LONG])
    documents = Uploads()


def document_field(kind: DocumentKind) -> str:
    return f"document-{kind.value.replace('_', '-')}"


def document_fields(required: Sequence[DocumentKind]) -> dict[str, Field[Any]]:
    """One file input per document the answers call for, and which button was pressed."""
    fields: dict[str, Field[Any]] = {document_field(kind): Upload() for kind in required}
    fields["action"] = Flag(UPLOAD_AND_STAY)
    return fields
