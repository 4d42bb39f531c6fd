"""Whose data a page shows: the signed-in person's own, or (with `?for=<person id>`) the data of
someone they represent today. Every page that a representative may use for another person takes
its subject from here, so the check is the same everywhere; the representations are the actor's,
loaded once for the request (portal/policy.py)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from portal.eid.session import current_actor, current_person
from portal.forms import ascii_integer
from portal.people.models import Person
from portal.templating import lang_url


def subject(request: Request) -> Person:
    """The person named by `?for=`, when the signed-in person represents them today; else 404."""
    actor = current_actor(request)
    value = request.query_params.get("for", "")
    if not value:
        return actor.person
    person_id = ascii_integer(value)
    found = next((person for person in actor.whose() if person.id == person_id), None)
    if found is None:
        raise HTTPException(404)
    return found


def subject_url(request: Request, name: str, person: Person, **params: Any) -> str:
    """A page about the person: `?for=` names them unless they are the one signed in."""
    path = lang_url(request, name, **params)
    return path if person.id == current_person(request).id else f"{path}?for={person.id}"


def whose(request: Request) -> list[Person]:
    """The signed-in person and everyone they represent today, for "whose data" switches."""
    return current_actor(request).whose()
