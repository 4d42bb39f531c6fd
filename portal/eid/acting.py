"""Whose data a page shows: the signed-in person's own, or (with `?for=<person id>`) the data of
someone they represent today. Every page that a representative may use for another person takes
its subject from here, so the check is the same everywhere."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from portal import clock
from portal.applications import service as applications
from portal.eid.session import current_person
from portal.forms import ascii_integer
from portal.people import service as people
from portal.people.models import Person
from portal.templating import lang_url


async def subject(request: Request, db: Any) -> Person:
    """The person named by `?for=`, when the signed-in person represents them today; else 404."""
    me = current_person(request)
    value = request.query_params.get("for", "")
    if not value or value == str(me.id):
        return me
    person_id = ascii_integer(value)
    if person_id is None or not await applications.may_act_for(db, me, person_id, clock.today()):
        raise HTTPException(404)
    person = await db.get(Person, person_id)
    if person is None:
        raise HTTPException(404)
    return person


def subject_url(request: Request, name: str, person: Person, **params: Any) -> str:
    """A page about the person: `?for=` names them unless they are the one signed in."""
    path = lang_url(request, name, **params)
    return path if person.id == current_person(request).id else f"{path}?for={person.id}"


async def whose(request: Request, db: Any) -> list[Person]:
    """The signed-in person and everyone they represent today, for "whose data" switches."""
    me = current_person(request)
    return [me, *(r.represented for r in await people.represented_people(db, me, clock.today()))]
