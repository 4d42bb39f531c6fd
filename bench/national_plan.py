"""What `python -m bench.national` writes, decided in memory with one seeded random generator.

People, who represents whom, staff, applications with their history, grants and assistant
assignments are planned here as plain objects (about 120,000 of them, a few seconds); the
big tables (monthly reports and their entries, audit, surveys) are generated as streams of rows
by `bench.national`. Every rule the portal's services check is kept by construction:

- a grant passes `casework.service.grant_problems` (hours within the kind's limit, at most three
  years, a child's service ends before the 18th birthday);
- a grant has one assignment at a time (a change of assistant is at a month's start), so a
  month's hours are one report's;
- an assistant assists at most three people in their life here, and each of them has a daily
  slot of its own (07-12, 12-17, 17-22): entries of one assistant never overlap, which the
  exclusion constraint of migration 0010 checks when it is built again after the load.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench import national_names as names
from portal.applications.models import ApplicationAction as Action
from portal.applications.models import ApplicationStatus as Status
from portal.applications.rules import KIND_RULES, Period, ServiceKind, add_months
from portal.casework.service import Grant as GrantChoice
from portal.casework.service import grant_problems, last_day_of_childhood
from portal.people.models import Person as PersonModel
from portal.timesheets.service import month_of

RIGA_TIME = ZoneInfo("Europe/Riga")
SERVICE_BEGAN = date(2021, 7, 1)  # Regulation No. 316 in force
NEW_FORMAT_SINCE = date(2017, 7, 1)  # new personal codes for everyone born since
SLOT_MINUTES = 300  # an assistant's day: three slots of five hours from 07:00
FIRST_SLOT = 7 * 60
DECLARED = ["truth", "changes", "data"]
# Shares of the municipalities outside Rīga (the rest weigh 1): the cities and the big districts.
WEIGHTS = {"daugavpils": 8, "liepaja": 6, "jelgava": 5, "jurmala": 4, "ventspils": 3, "rezekne": 3, "ogres-novads": 3,
           "tukuma-novads": 2.5, "valmieras-novads": 3, "cesu-novads": 2.5, "bauskas-novads": 2.5, "kekavas-novads": 2.5,
           "marupes-novads": 2, "salaspils-novads": 2, "siguldas-novads": 2, "talsu-novads": 2.5, "kuldigas-novads": 2,
           "dienvidkurzemes-novads": 2.5, "madonas-novads": 2, "jekabpils-novads": 2.5, "augsdaugavas-novads": 2.5}
# Russian speakers among the people of a municipality (the rest: 15 %).
RUSSIAN = {"riga": 0.4, "daugavpils": 0.75, "rezekne": 0.5, "augsdaugavas-novads": 0.45, "jurmala": 0.3, "liepaja": 0.3,
           "ludzas-novads": 0.4, "kraslavas-novads": 0.4}
# Caseworkers with a desk role besides Līga: Rīga's, and two other municipalities' (every other one has one).
CASEWORKERS = {"riga": 5, "daugavpils": 3, "liepaja": 2}
PURPOSES = {
    ServiceKind.ADULT_ASSISTANT: ["work_study_sport"] * 5 + ["day_centre", "day_centre", "other", "other", "volunteering",
                                                             "board", "dialysis_chemotherapy"],
    ServiceKind.CHILD_ASSISTANT: ["school", "school", "school", "other"],
    ServiceKind.CHILD_COMPANION: ["school", "other"],
    ServiceKind.CHILD_CARE: ["other"],
    ServiceKind.SCHOOL_ASSISTANT: ["school"],
    ServiceKind.STUDY_ASSISTANT: ["work_study_sport"],
}


@dataclass(slots=True)
class Municipality:
    id: int
    code: str
    town: str
    weight: float
    russian: float


@dataclass(slots=True)
class Person:
    id: int
    code: str
    given: str
    family: str
    locale: str | None
    born: date  # also for a new-format code, which does not carry it: the generator knows it
    municipality: Municipality
    russian: bool
    created_at: datetime

    @property
    def full_name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def language(self) -> str:
        return "ru" if self.locale == "ru" else "lv"


@dataclass(slots=True)
class Representation:
    id: int
    representative: Person
    represented: Person
    kind: str
    valid_from: date
    valid_to: date | None


@dataclass(slots=True)
class Event:
    at: datetime
    actor: Person
    action: Action
    from_status: Status | None
    to_status: Status | None
    message: str = ""


@dataclass(slots=True)
class Application:
    id: int
    person: Person
    created_by: Person
    kind: ServiceKind | None
    status: Status
    answers: dict[str, Any]
    municipality: Municipality | None
    language: str | None
    events: list[Event] = field(default_factory=list)
    reference: str | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None


@dataclass(slots=True)
class Grant:
    id: int
    application: Application
    kind: ServiceKind
    minutes: int
    valid_from: date
    valid_to: date
    decided_by: Person
    decided_at: datetime
    entry_minutes: int  # the length of each day's entry
    use: float  # the share of the hours the person uses in a month

    @property
    def period(self) -> Period:
        return KIND_RULES[self.kind].period


@dataclass(slots=True)
class Assignment:
    id: int
    grant: Grant
    assistant: Person
    valid_from: date
    valid_to: date | None
    assigned_by: Person
    created_at: datetime
    slot_start: int  # minutes after midnight: this pair's window begins
    offset: int  # where the entry starts within the window (kept when it fits)


@dataclass(slots=True)
class Ids:
    """The next id of each table: the demo data is in the database first."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def riga_datetime(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=RIGA_TIME).astimezone(UTC)


def between(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """A moment between two (the low one if they are the wrong way round), to the second."""
    span = max(0, int((high - low).total_seconds()))
    return low + timedelta(seconds=rng.randint(0, span))


@dataclass
class World:
    rng: random.Random
    today: date
    now: datetime
    ids: Ids
    municipalities: list[Municipality]
    codes: names.PersonalCodes
    liga: Person  # the demo caseworker of Rīga: a share of Rīga's decisions are hers
    first_month: date  # the first month of the monthly reports
    people: list[Person] = field(default_factory=list)
    representations: list[Representation] = field(default_factory=list)
    representative_of: dict[int, Representation] = field(default_factory=dict)
    staff_roles: list[tuple[Person, str, Municipality | None]] = field(default_factory=list)
    caseworkers: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    applications: list[Application] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    recipients: list[Person] = field(default_factory=list)
    assistants: list[Person] = field(default_factory=list)
    # Assistants with a slot free, by municipality; and each pair's slot.
    open_assistants: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    pairs: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    slots_used: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    last_assignment: dict[int, Assignment] = field(default_factory=dict)

    # -------------------------------------------------------------- people

    def municipality(self) -> Municipality:
        if self.rng.random() < 0.5:
            return next(m for m in self.municipalities if m.code == "riga")
        others = [m for m in self.municipalities if m.code != "riga"]
        return self.rng.choices(others, weights=[m.weight for m in others])[0]

    def person(self, born: date, municipality: Municipality, *, female: bool | None = None, new_code: bool = False) -> Person:
        rng = self.rng
        russian = rng.random() < municipality.russian
        named = names.name(rng, female=rng.random() < 0.5 if female is None else female, russian=russian)
        if new_code or born >= NEW_FORMAT_SINCE or rng.random() < 0.02:
            code = self.codes.new_format(rng)
        else:
            code = self.codes.old_format(rng, born)
        locale = ("ru" if rng.random() < 0.6 else None) if russian else ("lv" if rng.random() < 0.1 else None)
        created = between(rng, riga_datetime(SERVICE_BEGAN, 0), self.now - timedelta(days=1))
        person = Person(self.ids.take("person"), code, named.given, named.family, locale, born, municipality, russian, created)
        self.people.append(person)
        return person

    def born_aged(self, age_low: float, age_high: float, on: date) -> date:
        return on - timedelta(days=int(self.rng.uniform(age_low, age_high) * 365.25))

    def represent(self, representative: Person, represented: Person, kind: str, valid_from: date, valid_to: date | None) -> None:
        found = Representation(self.ids.take("representation"), representative, represented, kind, valid_from, valid_to)
        self.representations.append(found)
        self.representative_of[represented.id] = found

    def parent_of(self, child: Person) -> Person:
        parent = self.person(self.born_aged(22, 42, child.born), child.municipality, female=self.rng.random() < 0.8)
        self.represent(parent, child, "parent", child.born, add_months(child.born, 12 * 18) - timedelta(days=1))
        return parent

    def add_staff(self) -> None:
        self.caseworkers[self._by_code("riga").id].append(self.liga)
        for municipality in self.municipalities:
            for _ in range(CASEWORKERS.get(municipality.code, 1)):
                worker = self.person(self.born_aged(25, 62, self.today), municipality)
                self.staff_roles.append((worker, "caseworker", municipality))
                self.caseworkers[municipality.id].append(worker)
        analyst = self.person(self.born_aged(28, 55, self.today), self._by_code("riga"))
        self.staff_roles.append((analyst, "survey_analyst", None))

    def _by_code(self, code: str) -> Municipality:
        return next(m for m in self.municipalities if m.code == code)

    def decider(self, municipality: Municipality) -> Person:
        if municipality.code == "riga" and self.rng.random() < 0.4:
            return self.liga  # "the national Rīga volume on her desk"
        return self.rng.choice(self.caseworkers[municipality.id])

    # --------------------------------------------------------- applications

    def answers(self, person: Person, kind: ServiceKind, municipality: Municipality, assistant: Person | None) -> dict[str, Any]:
        rng = self.rng
        if rng.random() < 0.5:
            contact = {"method": "email", "email": names.email(person.given, person.family, person.id % 1000), "phone": ""}
        else:
            contact = {"method": "phone", "phone": f"+371 2{rng.randrange(10**7):07d}", "email": ""}
        answers: dict[str, Any] = {
            "service": kind.value,
            "details": {"municipality": municipality.code, "address": names.address(rng, municipality.town)},
            "contact": contact,
            "assistant": ({"choice": "known", "name": assistant.full_name, "code": assistant.code} if assistant
                          else {"choice": "find", "name": "", "code": ""}),
            "declarations": DECLARED,
        }
        if kind is ServiceKind.ADULT_ASSISTANT:
            purposes = sorted(set(rng.sample(["work_study_sport", "day_centre", "volunteering", "other"], rng.randint(1, 3))))
            answers |= {"disability-group": rng.choice("112"), "limitations": "yes", "purposes": purposes,
                        "frequency": {p: rng.choice(["daily", "weekly"]) for p in purposes}}
        elif kind is ServiceKind.STUDY_ASSISTANT:
            answers |= {"disability-group": rng.choice("12"), "assistant-opinion": rng.choice(["yes", "unknown"])}
        else:
            answers |= {"disability": "yes", "special-care-opinion": "no" if kind is ServiceKind.CHILD_COMPANION else rng.choice(["yes", "unknown"])}
            if kind is ServiceKind.CHILD_CARE:
                answers["family-works"] = "yes"
            elif kind is ServiceKind.CHILD_COMPANION:
                answers["companion-opinion"] = "yes"
            elif kind is ServiceKind.SCHOOL_ASSISTANT:
                answers["studies-at-school"] = "yes"
        return answers

    def application(self, person: Person, kind: ServiceKind | None, answers: dict[str, Any], started: datetime) -> Application:
        by = self.representative_by(person, started.date())
        found = Application(self.ids.take("application"), person, by, kind, Status.DRAFT, answers, None, None)
        found.events.append(Event(started, by, Action.STARTED, None, Status.DRAFT))
        self.applications.append(found)
        return found

    def representative_by(self, person: Person, day: date) -> Person:
        found = self.representative_of.get(person.id)
        if found and found.valid_from <= day and (found.valid_to is None or day <= found.valid_to):
            return found.representative
        return person

    def submit(self, application: Application, at: datetime) -> None:
        application.status, application.submitted_at = Status.SUBMITTED, at
        application.municipality, application.language = application.person.municipality, application.created_by.language
        application.events.append(Event(at, application.created_by, Action.SUBMITTED, Status.DRAFT, Status.SUBMITTED))

    def change(self, application: Application, at: datetime, actor: Person, action: Action, to: Status, message: str = "") -> None:
        application.events.append(Event(at, actor, action, application.status, to, message))
        application.status = to
        if to in (Status.GRANTED, Status.REFUSED):
            application.decided_at = at

    def decided_case(self, person: Person, kind: ServiceKind, decided: datetime, assistant: Person | None) -> tuple[Application, Person]:
        """An application from start to the review, decided (by the caller) at `decided`."""
        rng = self.rng
        submitted = decided - timedelta(days=rng.uniform(4, 34))
        started = submitted - timedelta(days=rng.uniform(0, 5) if rng.random() < 0.6 else rng.uniform(0, 0.05))
        found = self.application(person, kind, self.answers(person, kind, person.municipality, assistant), started)
        self.submit(found, submitted)
        worker = self.decider(person.municipality)
        reviewed = between(rng, submitted + timedelta(hours=2), min(decided, submitted + timedelta(days=12)))
        self.change(found, reviewed, worker, Action.REVIEW_STARTED, Status.IN_REVIEW)
        if rng.random() < 0.12:  # asked for more, and answered
            asked = between(rng, reviewed, reviewed + (decided - reviewed) / 2)
            self.change(found, asked, worker, Action.INFORMATION_REQUESTED, Status.INFO_REQUESTED,
                        rng.choice(names.INFO_REQUESTS[found.created_by.language]))
            self.change(found, between(rng, asked, decided), found.created_by, Action.INFORMATION_PROVIDED, Status.IN_REVIEW,
                        "Izziņa pievienota." if found.created_by.language == "lv" else "Справка приложена.")
        return found, worker

    # ---------------------------------------------------------------- grants

    def hours(self, kind: ServiceKind) -> int:
        rng = self.rng
        match kind:
            case ServiceKind.ADULT_ASSISTANT:
                hours = rng.choice([40, 50, 60, 60, 70, 80, 80, 80, 90, 100, 100, 120, 120, 140, 160])
            case ServiceKind.CHILD_ASSISTANT:
                hours = rng.choice([40, 60, 80, 80, 80, 80, 80, 100])
            case ServiceKind.CHILD_COMPANION:
                hours = rng.choice([20, 30, 40, 40, 60])
            case ServiceKind.CHILD_CARE:
                hours = rng.choice([40, 60, 80, 80])
            case _:  # per week
                hours = rng.choice([10, 15, 20, 20, 25, 30, 40])
        return hours * 60

    def grant(self, application: Application, worker: Person, kind: ServiceKind, valid_from: date, valid_to: date,
              decided: datetime) -> Grant:
        minutes = self.hours(kind)
        entry = min(minutes, self.rng.choice([150, 180, 210, 240, 240, 270, 300, 300]))
        chosen = GrantChoice(kind, minutes, valid_from, valid_to, names.DECISIONS[kind.value].format(hours=minutes // 60))
        problems = grant_problems(PersonModel(personal_code=application.person.code), chosen)
        assert not problems, (application.person, chosen, problems)  # the desk would refuse this grant
        self.change(application, decided, worker, Action.GRANTED, Status.GRANTED, chosen.decision_text)
        found = Grant(self.ids.take("entitlement"), application, kind, minutes, valid_from, valid_to, worker, decided, entry,
                      self.rng.uniform(0.3, 0.75))
        self.grants.append(found)
        return found

    def assistant_for(self, person: Person) -> Person:
        """An assistant with a slot free in the person's municipality, or someone new to the service."""
        rng = self.rng
        pool = self.open_assistants[person.municipality.id]
        if pool and rng.random() < 0.45:
            assistant = rng.choice(pool)
        else:
            assistant = self.person(self.born_aged(20, 64, self.today), person.municipality, female=rng.random() < 0.85)
            self.assistants.append(assistant)
            pool.append(assistant)
        if (assistant.id, person.id) not in self.pairs:
            slot = self.slots_used[assistant.id]
            self.slots_used[assistant.id] = slot + 1
            if slot + 1 == 3:
                pool.remove(assistant)
            self.pairs[(assistant.id, person.id)] = (FIRST_SLOT + slot * SLOT_MINUTES, rng.randrange(0, 5) * 30)
        return assistant

    def assign(self, grant: Grant, assistant: Person, valid_from: date, at: datetime) -> Assignment:
        person = grant.application.person
        slot_start, offset = self.pairs[(assistant.id, person.id)]
        previous = self.last_assignment.get(person.id)
        if previous is not None and previous.valid_to is None:  # the portal ends the current one the day before
            previous.valid_to = max(previous.valid_from, valid_from - timedelta(days=1))
        at = min(at, self.now)
        found = Assignment(self.ids.take("assistant_assignment"), grant, assistant, valid_from, None, grant.decided_by, at,
                           slot_start, offset)
        self.last_assignment[person.id] = found
        grant.application.events.append(Event(at, grant.decided_by, Action.ASSISTANT_ASSIGNED, None, None, assistant.full_name))
        self.assignments.append(found)
        return found

    def service_of(self, person: Person, kind: ServiceKind, start: date, stop_after: int) -> None:
        """A person's grants from `start`: renewed when one ends, until today (or the service stops)."""
        rng = self.rng
        assistant: Person | None = None
        while start <= self.today and len(self.grants) < stop_after:
            if kind not in (ServiceKind.ADULT_ASSISTANT, ServiceKind.STUDY_ASSISTANT) and start >= add_months(person.born, 12 * 18):
                if rng.random() > 0.7:
                    return
                kind = ServiceKind.ADULT_ASSISTANT  # a child with a disability grows up: the adult's assistant
            months = rng.choices([36, 24, 12], weights=[9, 0.7, 0.3])[0]
            end = add_months(start, months) - timedelta(days=1)
            child_end = last_day_of_childhood(kind, PersonModel(personal_code=person.code))
            if KIND_RULES[kind].max_age is not None:  # the code may not say: the register's date of birth does
                end = min(end, child_end or add_months(person.born, 12 * 18) - timedelta(days=1))
            decided = min(between(rng, riga_datetime(start - timedelta(days=25), 9 * 60), riga_datetime(start - timedelta(days=2), 17 * 60)),
                          self.now - timedelta(hours=1))
            assistant = assistant or (self.assistant_for(person) if rng.random() < 0.9 else None)
            application, worker = self.decided_case(person, kind, decided, assistant if rng.random() < 0.5 else None)
            grant = self.grant(application, worker, kind, start, end, decided)
            first = start
            if assistant is None:  # found a month later
                first = add_months(start.replace(day=1), 1)
                assistant = self.assistant_for(person)
            if first <= end:
                self.assign(grant, assistant, first, decided + timedelta(minutes=rng.randint(5, 60 * 24 * 3)))
                change = add_months(first.replace(day=1), rng.randint(2, 30))
                if rng.random() < 0.08 and change < end and change <= self.today:  # a new assistant from a month's start
                    assistant = self.assistant_for(person)
                    self.assign(grant, assistant, change, riga_datetime(change - timedelta(days=rng.randint(1, 10)), 11 * 60))
            if end >= self.today:
                if end <= self.today + timedelta(days=60) and rng.random() < 0.6:
                    self.open_case(person, kind, renewal=True)
                return
            if rng.random() < 0.1:
                return  # the service ended (moved away, no longer needed)
            start = end + timedelta(days=1)

    def open_case(self, person: Person, kind: ServiceKind, *, renewal: bool = False) -> Application:
        """A recent application still at the desk: submitted, in review, or waiting for the person."""
        rng = self.rng
        submitted = between(rng, self.now - timedelta(days=40), self.now - timedelta(hours=1))
        started = submitted - timedelta(days=rng.uniform(0, 3))
        found = self.application(person, kind, self.answers(person, kind, person.municipality, None), started)
        self.submit(found, submitted)
        if renewal or rng.random() < 0.65:
            worker = self.decider(person.municipality)
            reviewed = between(rng, submitted, self.now)
            self.change(found, reviewed, worker, Action.REVIEW_STARTED, Status.IN_REVIEW)
            if rng.random() < 0.3:
                self.change(found, between(rng, reviewed, self.now), worker, Action.INFORMATION_REQUESTED, Status.INFO_REQUESTED,
                            rng.choice(names.INFO_REQUESTS[found.created_by.language]))
        return found

    def closed_case(self, person: Person, kind: ServiceKind) -> Application:
        """Refused or withdrawn, at any time since the service began."""
        rng = self.rng
        decided = between(rng, riga_datetime(date(2022, 1, 1), 9 * 60), self.now - timedelta(days=2))
        if rng.random() < 0.65:
            found, worker = self.decided_case(person, kind, decided, None)
            self.change(found, decided, worker, Action.REFUSED, Status.REFUSED, rng.choice(names.REFUSALS))
        else:
            submitted = decided - timedelta(days=rng.uniform(1, 20))
            found = self.application(person, kind, self.answers(person, kind, person.municipality, None), submitted - timedelta(hours=1))
            self.submit(found, submitted)
            found.events.append(Event(decided, found.created_by, Action.WITHDRAWN, Status.SUBMITTED, Status.WITHDRAWN,
                                      rng.choice(names.WITHDRAWALS)))
            found.status = Status.WITHDRAWN
        return found

    def draft(self, person: Person, kind: ServiceKind) -> Application:
        rng = self.rng
        started = between(rng, self.now - timedelta(days=200), self.now - timedelta(minutes=5))
        answers: dict[str, Any] = {} if rng.random() < 0.2 else {"service": kind.value}
        if answers and rng.random() < 0.6:
            answers = self.answers(person, kind, person.municipality, None)
            for key in rng.sample(["contact", "assistant", "declarations", "details"], rng.randint(1, 4)):
                answers.pop(key)
        return self.application(person, kind if answers else None, answers, started)

    # ---------------------------------------------------------------- recipients

    def recipient(self) -> tuple[Person, ServiceKind, date]:
        """Someone who applies, the kind for their age, and when their service begins (the 1st of a month)."""
        rng = self.rng
        # Most of the country's recipients had the service before the reports' window began, and keep it;
        # some begin within it (the national stock grows slowly).
        since = add_months(self.first_month, -12) if rng.random() < 0.96 else self.first_month
        until = self.first_month if since < self.first_month else month_of(self.today)
        months = (until.year - since.year) * 12 + until.month - since.month
        start = add_months(since, rng.randrange(months))
        municipality = self.municipality()
        if rng.random() < 0.33:
            person = self.person(self.born_aged(5, 15.5, start), municipality)
            self.parent_of(person)
            kind = rng.choices([ServiceKind.CHILD_ASSISTANT, ServiceKind.CHILD_COMPANION, ServiceKind.CHILD_CARE,
                                ServiceKind.SCHOOL_ASSISTANT], weights=[6, 1, 1.5, 1.5])[0]
        else:
            person = self.person(self.born_aged(18, 85, start) if rng.random() < 0.3 else self.born_aged(19, 64, start), municipality)
            kind = ServiceKind.STUDY_ASSISTANT if rng.random() < 0.05 and (start - person.born).days < 30 * 365 else ServiceKind.ADULT_ASSISTANT
            if rng.random() < 0.05:  # an adult under guardianship (the orphan's court's decision)
                guardian = self.person(self.born_aged(30, 70, self.today), municipality)
                self.represent(guardian, person, "guardian", between(rng, riga_datetime(date(2015, 1, 1), 0),
                                                                    riga_datetime(start, 0)).date(), None)
        self.recipients.append(person)
        return person, kind, start


def plan(world: World, *, people: int, applications: int, grants: int) -> None:
    """Everyone and everything but the months, audit and surveys."""
    world.add_staff()
    while len(world.grants) < grants:
        person, kind, start = world.recipient()
        world.service_of(person, kind, start, grants)
    others = applications - len(world.applications)
    for number in range(others):
        person, kind, _start = world.recipient()
        share = number / others
        if share < 0.25:
            world.draft(person, kind)
        elif share < 0.62:
            world.open_case(person, kind)
        else:
            world.closed_case(person, kind)
    while len(world.people) < people:  # people who signed in, and never applied
        world.person(world.born_aged(16, 90, world.today), world.municipality())
    for application in world.applications:  # nobody acts before they are known to the portal
        for event in application.events:
            event.actor.created_at = min(event.actor.created_at, event.at)
    for assignment in world.assignments:
        assignment.assistant.created_at = min(assignment.assistant.created_at, assignment.created_at)
    assert len(world.people) == people and len(world.applications) == applications and len(world.grants) == grants


def number_references(world: World, last: dict[int, int]) -> dict[int, int]:
    """AP-YYYY-NNNNNN in order of submission, after the demo's; returns the last number per year."""
    last = dict(last)
    for application in sorted((a for a in world.applications if a.submitted_at), key=lambda a: (a.submitted_at, a.id)):
        assert application.submitted_at is not None
        year = application.submitted_at.year  # as the portal numbers them: the year in UTC
        last[year] = last.get(year, 0) + 1
        application.reference = f"AP-{year}-{last[year]:06d}"
    return last
