"""The `portal` command: serve, demo, worker, notify, the outbox, retention, database upgrades, staff roles, representation."""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import gc
import logging
import os
import shutil
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal import db as database
from portal import demo
from portal.db import Database
from portal.people import demo as demo_people
from portal.people import service
from portal.people.models import RepresentationKind, StaffRoleName
from portal.settings import Settings, SettingsError
from portal.storage import FileStorage

if TYPE_CHECKING:
    from starlette.applications import Starlette

DEMO_DATABASE = Path("var/demo.sqlite3")
DEMO_UPLOADS = Path("var/demo-uploads")


def app_from_env() -> Starlette:
    """uvicorn factory for `portal serve` (and any ASGI server: portal.cli:app_from_env)."""
    from portal.app import create_app

    app = create_app(Settings.from_env())
    freeze_start_up()
    return app


def freeze_start_up() -> None:
    """What a server process made at start-up (modules, routes, the URL map, templates, formatters) lives
    as long as the process: it is moved out of the garbage collector's generations (CPython's gc.freeze,
    made for long-running servers), so that each collection walks only what requests made. A worker's
    full collections otherwise walk the whole start-up heap, more often the more a page holds: measured
    with 32 clients at national volume, the desk's lists cost 15-25 % less CPU. Not done for an app a
    test makes: garbage frozen there would stay for the rest of the test run."""
    gc.collect()
    gc.freeze()


def _with_db(settings: Settings, work: Callable[..., Awaitable[None]], *args: object) -> None:
    async def run() -> None:
        db = database.Database.for_settings(settings)
        try:
            async with db.session() as session:
                await work(session, *args)
        finally:
            await db.dispose()

    asyncio.run(run())


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    Settings.from_env()  # fail early, with the reason, if the settings are unusable
    # Forwarded headers are read by the app itself, from PORTAL_TRUSTED_PROXIES only (security.TrustedProxyMiddleware).
    uvicorn.run("portal.cli:app_from_env", factory=True, host=args.host, port=args.port, proxy_headers=False)


def cmd_demo(args: argparse.Namespace) -> None:
    import uvicorn

    from portal.app import create_app
    from portal.eid.mock_provider import running_provider

    DEMO_DATABASE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_DATABASE.unlink(missing_ok=True)
    shutil.rmtree(DEMO_UPLOADS, ignore_errors=True)
    settings = replace(
        Settings.from_env({}, demo=True),
        database_url=f"sqlite:///{DEMO_DATABASE.absolute()}",
        upload_dir=str(DEMO_UPLOADS.absolute()),
        smtp_url=f"smtp://127.0.0.1:{args.smtp_port}",
        base_url=f"http://127.0.0.1:{args.port}",
        eid_issuer=f"http://127.0.0.1:{args.provider_port}",
        eid_client_secret="demo-client-secret",
    )
    database.upgrade(settings.database_url)
    _with_db(settings, demo.seed, FileStorage(settings.upload_dir))
    with running_provider("127.0.0.1", args.provider_port) as issuer, printing_smtp_server(args.smtp_port), \
            demo_notifier(settings):
        print(f"Demo eID provider: {issuer}  (choose a personal code to sign in as that person)")
        print(f"Demo e-mail:       {settings.smtp_url}  (messages the portal sends are printed here)")
        print("Demo notices:      the notifier and the worker run every few seconds; text messages and e-address "
              "messages are printed as log lines")
        print(f"Portal:            {settings.base_url}/lv/   (Ctrl+C stops both)")
        for person in demo_people.DEMO_PEOPLE:
            print(f"  {person.personal_code}  {person.given_name} {person.family_name} — {person.role}")
        uvicorn.run(create_app(settings), host="127.0.0.1", port=args.port, log_level="warning")


DEMO_WORKER_INTERVAL_SECONDS = 5.0


@contextmanager
def demo_notifier(settings: Settings, interval: float = DEMO_WORKER_INTERVAL_SECONDS) -> Iterator[threading.Event]:
    """For the demo: `portal notify` and `portal worker` in a thread of their own, every `interval` seconds,
    delivering to the demo's SMTP sink and to the logging SMS and e-address senders (printed as log lines)."""
    from portal.notifications.eaddress import LogSender as EAddressLog
    from portal.notifications.sms import LogSender as SmsLog
    from portal.timesheets.reminders import notify

    printed = logging.StreamHandler(sys.stdout)
    printed.setFormatter(logging.Formatter("\n--- %(message)s"))
    for name in ("portal.notifications.sms", "portal.notifications.eaddress"):
        logging.getLogger(name).addHandler(printed)
        logging.getLogger(name).setLevel(logging.INFO)
    stop = threading.Event()

    async def run() -> None:
        db = Database.for_settings(settings)
        try:
            while not stop.is_set():
                try:
                    await notify(db, settings, SmsLog(), eaddress=EAddressLog(), storage=FileStorage(settings.upload_dir))
                except Exception:  # the demo goes on; the reason is in the log
                    logging.getLogger(__name__).exception("the demo's notifier failed")
                await asyncio.to_thread(stop.wait, interval)
        finally:
            await db.dispose()

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="demo-notifier", daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


@contextmanager
def printing_smtp_server(port: int) -> Iterator[None]:
    """For the demo: an SMTP server on loopback that prints every message it gets."""
    from aiosmtpd.controller import Controller

    class Printer:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            print(f"\n--- e-mail to {message['To']}: {message['Subject']}\n{message.get_content()}---", flush=True)
            return "250 Message accepted for delivery"

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
    controller = Controller(Printer(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


def cmd_worker(args: argparse.Namespace) -> None:
    """Deliver queued e-mail, SMS and e-address messages: once, or every --interval seconds until stopped."""
    from portal.notifications.eaddress import eaddress_sender
    from portal.notifications.service import deliver_pending
    from portal.notifications.sms import sms_sender
    from portal.surveys.service import release_held

    settings = Settings.from_env()
    sms = sms_sender(settings.sms_sender)
    eaddress = eaddress_sender(settings.eaddress_sender)

    async def run() -> None:
        db = Database.for_settings(settings)
        try:
            while True:
                sent = await deliver_pending(db, settings.smtp_url, settings.mail_from, sms=sms, eaddress=eaddress,
                                             storage=FileStorage(settings.upload_dir))
                if sent:
                    print(f"{sent} message(s) sent", flush=True)
                await release_held(db)  # anonymous survey answers held back, once enough wait (surveys/service.py)
                if args.once:
                    return
                await asyncio.sleep(args.interval)
        finally:
            await db.dispose()

    asyncio.run(run())


def cmd_notify(args: argparse.Namespace) -> None:
    """Queue the reminders and notices that are due (reports, entitlements ending), then deliver what waits (for cron)."""
    from portal.notifications.eaddress import eaddress_sender
    from portal.notifications.sms import sms_sender
    from portal.surveys.service import release_held
    from portal.timesheets.reminders import notify

    settings = Settings.from_env()
    sms = sms_sender(settings.sms_sender)
    eaddress = eaddress_sender(settings.eaddress_sender)

    async def run() -> None:
        db = Database.for_settings(settings)
        try:
            counts = await notify(db, settings, sms, eaddress=eaddress, storage=FileStorage(settings.upload_dir))
            await release_held(db)  # anonymous survey answers held back, once enough wait (surveys/service.py)
        finally:
            await db.dispose()
        print(f"{counts.queued} queued, {counts.already} queued before, {counts.no_contact} skipped (no confirmed contact); "
              f"{counts.sent} sent", flush=True)

    asyncio.run(run())


def cmd_outbox(args: argparse.Namespace) -> None:
    """Dead letters and what waits; --requeue ID / --requeue-all-dead give dead letters another round of attempts."""
    from portal.notifications import service as outbox
    from portal.notifications.models import OutboxStatus

    async def work(session: AsyncSession) -> None:
        if args.requeue is not None or args.requeue_all_dead:
            ids = None if args.requeue_all_dead else args.requeue
            requeued = await outbox.requeue(session, ids)
            if ids is not None and requeued < len(set(ids)):
                raise ValueError(f"not every message given is a dead letter ({requeued} of {len(set(ids))} requeued)")
            print(f"{requeued} message(s) requeued")
            return
        counts = await outbox.status_counts(session)
        due = await outbox.due_count(session)
        print(f"{counts[OutboxStatus.PENDING]} pending ({due} due now), {counts[OutboxStatus.SENDING]} sending, "
              f"{counts[OutboxStatus.SENT]} sent, {counts[OutboxStatus.DEAD]} dead")
        letters = await outbox.dead_letters(session)
        if letters:
            print("dead letters (portal outbox --requeue ID):")
        for m in letters:
            print(f"  {m.id}  {m.channel}  {outbox.masked(m.to_address)}  {m.attempts} attempts  "
                  f"created {m.created_at:%Y-%m-%d %H:%M} UTC  {' '.join(m.last_error.split())}")  # one line each

    _with_db(Settings.from_env(), work)


def cmd_retention(args: argparse.Namespace) -> None:
    """Delete or anonymise what is past its retention period (portal/retention.py, docs/retention.md); for cron."""
    from portal import clock, retention

    settings = Settings.from_env()
    today = args.today or clock.today()

    async def run() -> list[retention.Outcome]:
        db = Database.for_settings(settings)
        try:
            return await retention.run(db, FileStorage(settings.upload_dir), today, dry_run=args.dry_run)
        finally:
            await db.dispose()

    for line in retention.report(asyncio.run(run()), today, args.dry_run):
        print(line, flush=True)


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    database.upgrade(Settings.from_env().database_url)


def cmd_seed_demo(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    _with_db(settings, demo.seed, FileStorage(settings.upload_dir))


def cmd_staff(args: argparse.Namespace) -> None:
    async def work(session: AsyncSession) -> None:
        person = await service.person_by_code(session, args.personal_code)
        role = StaffRoleName(args.role)
        if args.action == "add":
            municipality = await service.municipality_by_code(session, args.municipality) if args.municipality else None
            school = await service.school_by_id(session, args.school) if args.school else None
            await service.add_staff_role(session, person, role, municipality, school)
            print(f"{person.full_name}: {role.value} added")
        else:
            removed = await service.remove_staff_role(session, person, role)
            print(f"{person.full_name}: {removed} {role.value} role(s) removed")

    _with_db(Settings.from_env(), work)


def cmd_school_add(args: argparse.Namespace) -> None:
    async def work(session: AsyncSession) -> None:
        municipality = await service.municipality_by_code(session, args.municipality)
        school = await service.add_school(session, municipality, args.name)
        print(f"school {school.id}: {school.name} ({municipality.name_lv})")

    _with_db(Settings.from_env(), work)


def cmd_representation_add(args: argparse.Namespace) -> None:
    async def work(session: AsyncSession) -> None:
        representative = await service.person_by_code(session, args.representative)
        represented = await service.person_by_code(session, args.represented)
        await service.add_representation(
            session,
            representative,
            represented,
            RepresentationKind(args.kind),
            date.fromisoformat(args.valid_from),
            date.fromisoformat(args.valid_to) if args.valid_to else None,
        )
        print(f"{representative.full_name} represents {represented.full_name}")

    _with_db(Settings.from_env(), work)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the portal (settings from PORTAL_* variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)

    demo_cmd = commands.add_parser("demo", help="fresh demo database, demo eID provider and the portal")
    demo_cmd.add_argument("--port", type=int, default=8000)
    demo_cmd.add_argument("--provider-port", type=int, default=9400)
    demo_cmd.add_argument("--smtp-port", type=int, default=8025)
    demo_cmd.set_defaults(handler=cmd_demo)

    worker = commands.add_parser("worker", help="deliver queued e-mail (PORTAL_SMTP_URL) and SMS (PORTAL_SMS_SENDER)")
    worker.add_argument("--once", action="store_true", help="deliver what is waiting, then stop")
    worker.add_argument("--interval", type=float, default=30.0, help="seconds between runs")
    worker.set_defaults(handler=cmd_worker)

    notify = commands.add_parser("notify", help="queue due report reminders and notices, then deliver (run it from cron)")
    notify.set_defaults(handler=cmd_notify)

    outbox = commands.add_parser("outbox", help="dead-lettered messages and what waits; requeue dead letters")
    requeue = outbox.add_mutually_exclusive_group()
    requeue.add_argument("--requeue", type=int, nargs="+", metavar="ID", help="a dead letter back to pending, attempts from 0")
    requeue.add_argument("--requeue-all-dead", action="store_true", help="every dead letter back to pending")
    outbox.set_defaults(handler=cmd_outbox)

    retention_cmd = commands.add_parser("retention", help="delete or anonymise what is past its retention period (run it from cron)")
    retention_cmd.add_argument("--dry-run", action="store_true", help="count what has expired, change nothing")
    retention_cmd.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help="run as on this day (default: today in Riga)")
    retention_cmd.set_defaults(handler=cmd_retention)

    db_cmd = commands.add_parser("db", help="database maintenance")
    db_actions = db_cmd.add_subparsers(dest="db_action", required=True)
    db_actions.add_parser("upgrade", help="apply all migrations").set_defaults(handler=cmd_db_upgrade)

    commands.add_parser("seed-demo", help="add the demo people").set_defaults(handler=cmd_seed_demo)

    staff = commands.add_parser("staff", help="grant or remove a staff role")
    staff.add_argument("action", choices=["add", "remove"])
    staff.add_argument("personal_code")
    staff.add_argument("role", choices=[r.value for r in StaffRoleName])
    staff.add_argument("--municipality", help="municipality code, e.g. riga (caseworkers)")
    staff.add_argument("--school", type=int, help="school id from `portal school add` (school staff)")
    staff.set_defaults(handler=cmd_staff)

    school = commands.add_parser("school", help="schools that decide on the assistant in an educational institution")
    school_actions = school.add_subparsers(dest="school_action", required=True)
    school_add = school_actions.add_parser("add", help="add a school (prints its id, for `staff add ... school_staff`)")
    school_add.add_argument("name")
    school_add.add_argument("--municipality", required=True, help="municipality code, e.g. jelgava")
    school_add.set_defaults(handler=cmd_school_add)

    representation = commands.add_parser("representation", help="legal representation")
    rep_actions = representation.add_subparsers(dest="rep_action", required=True)
    rep_add = rep_actions.add_parser("add", help="record that one person represents another")
    rep_add.add_argument("representative", help="personal code of the representative")
    rep_add.add_argument("represented", help="personal code of the represented person")
    rep_add.add_argument("--kind", choices=[k.value for k in RepresentationKind], default="guardian")
    rep_add.add_argument("--from", dest="valid_from", default=date.today().isoformat(), help="YYYY-MM-DD")
    rep_add.add_argument("--to", dest="valid_to", help="YYYY-MM-DD (open-ended if omitted)")
    rep_add.set_defaults(handler=cmd_representation_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("PORTAL_LOG_LEVEL", "INFO"))
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except (SettingsError, service.NotFound, ValueError) as error:
        print(f"portal: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
