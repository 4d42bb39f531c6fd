"""What the apply journey and the status pages take from a POST, and the words for the service's problems.

The journey's question pages and detail pages declare their fields where they are defined
(journey.Question.fields, details.FormPage.fields), since the fields follow the answers so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal.applications.documents import DocumentKind
from portal.applications.service import MAX_ANSWER, MAX_WITHDRAW_REASON, Problem
from portal.forms import Choice, Field, Flag, Form, Message, Text, Upload, Uploads
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


def for_whom_fields(offered: Sequence[str]) -> dict[str, Field[Any]]:
    """The radios offered: "self", and the ids of the people represented today (the service checks them again)."""
    return {"answer": Choice(offered, required=SELECT_WHO)}


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
