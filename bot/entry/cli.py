"""The `reference-bot` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import logs
from bot.domain import whole_number
from bot.errors import ImportRefused, SettingsError
from bot.services.settings import CrmSettings, DatabaseSettings, DirectorySettings, ProgramSettings, Settings, load

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from bot.services.context import ServiceContext
    from bot.services.customer_io import EmailResolver

logger = logging.getLogger("reference_bot")


def _fail(message: str, code: int = 2) -> int:
    print(f"reference-bot: {message}", file=sys.stderr)
    return code


class DatabaseUnreachable(Exception):
    """The database cannot be reached or refuses us; the message is one line for the operator."""


def _database(url: str) -> tuple[Engine, sessionmaker[Session], str]:
    """The database brought up to date with the migrations, as every command starts."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade

    engine = make_engine(url)
    try:
        revision = upgrade(engine)
    except OperationalError as exc:
        where = make_url(url).render_as_string(hide_password=True)
        reason = str(exc.orig or exc).strip().splitlines()[0][:300]
        raise DatabaseUnreachable(f"database {where}: {reason}") from None
    return engine, make_session_factory(engine), revision


def _services(settings: DatabaseSettings) -> ServiceContext:
    """The service context for a command, on the migrated database."""
    from bot.services.context import context_for

    _, session_factory, _ = _database(settings.database_url)
    return context_for(settings, session_factory)


def _check_watched_channels(client: Any, channels: list[str]) -> None:
    """One line at start-up for each WATCH_CHANNELS channel the bot cannot read; offers go on elsewhere."""
    from slack_sdk.errors import SlackApiError

    for channel in channels:
        try:
            info = client.conversations_info(channel=channel)
            if not (info.get("channel") or {}).get("is_member", True):
                logger.warning("setting WATCH_CHANNELS: the bot is not in %s; invite it to read asks there", channel)
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.warning("setting WATCH_CHANNELS: %s cannot be read (%s); no offers there", channel, error)


def _port(text: str) -> int:
    """PORT (or --port): where serve listens; not a port number stops with one line naming it."""
    number = whole_number(str(text).strip())
    if number is None or not 0 <= number <= 65535:  # 0: any free port (the tests' servers)
        raise SettingsError("setting PORT: must be a port number from 0 to 65535")
    return number


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load(Settings)
    from bot.services.crm import connect

    connect.check_installed(settings)
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.entry.app import create_app
    from bot.services.context import Deps
    from storage.db import make_engine, make_session_factory

    migrated, _, revision = _database(settings.database_url)
    migrated.dispose()
    logger.info("database at revision %s", revision)
    # Serving: every wait on the database bounded below Slack's 3 s (the migration above may take longer).
    engine = make_engine(settings.database_url, interactive=True)
    deps = Deps(settings=settings, engine=engine, session_factory=make_session_factory(engine))
    try:
        app = create_app(settings, deps=deps)  # Bolt checks the token with auth.test here
    except (BoltError, SlackApiError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
        return _fail(f"cannot check the Slack token at {settings.slack_api_url}: {error}")
    app.outbox.start()
    _check_watched_channels(app.bolt.client, settings.watch_channels)
    from bot.entry import scheduler

    jobs = scheduler.start(deps)
    from bot.entry.app import settle_memory

    settle_memory()
    if args.socket or settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        try:  # whatever ends Socket Mode, the worker and the scheduler stop with it
            if settings.slack_app_token is None:
                return _fail("setting SLACK_APP_TOKEN: required for --socket")
            logger.info("connecting to Slack in Socket Mode")
            SocketModeHandler(app.bolt, settings.slack_app_token.get_secret_value()).start()
        except (SlackApiError, BoltError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
            return _fail(f"setting SLACK_APP_TOKEN: Slack refused it ({error})")
        finally:
            jobs.shutdown(wait=False)
            app.outbox.stop()
        return 0
    from bot.entry.server import make_server, stop

    try:
        server = make_server(app.bolt, engine, host=args.host, port=args.port)
    except (OSError, ValueError) as exc:  # waitress refuses a host it cannot resolve with a ValueError
        jobs.shutdown(wait=False)
        app.outbox.stop()
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _fail(f"setting HOST: cannot listen on {args.host}:{args.port} ({detail})")
    logger.info("listening on http://%s:%s/slack/events", args.host, server.effective_port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)
        jobs.shutdown(wait=False)
        app.outbox.stop()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    print(f"database at revision {_database(settings.database_url)[2]}")
    return 0


def _email_resolver(settings: DirectorySettings) -> EmailResolver | None:
    if settings.slack_bot_token is None:
        return None
    from bot.entry import crm_runs

    return crm_runs.email_resolver(crm_runs.slack_client(settings))


def _import_refused(path: Path, problems: list[str]) -> int:
    """Every problem on its own line (row and column first), then the verdict."""
    for problem in problems:
        print(problem, file=sys.stderr)
    return _fail(f"{path}: {len(problems)} problem(s); nothing was imported", code=1)


def _import(file: str, run: Callable[[Path], str]) -> int:
    """An all-or-nothing file import: the file must exist; problems are listed by row and column; on success
    one line says what `run` did."""
    path = Path(file)
    if not path.is_file():
        return _fail(f"{path}: no such file")
    try:
        done = run(path)
    except ImportRefused as exc:
        return _import_refused(path, exc.problems)
    print(f"imported {path}: {done}")
    return 0


def cmd_customers_import(args: argparse.Namespace) -> int:
    settings = load(DirectorySettings)
    from slack_sdk.errors import SlackApiError

    from bot.services.customer_io import import_customers

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path}: no such file")
    try:
        report = import_customers(_services(settings), path=path, resolve_email=_email_resolver(settings))
    except ImportRefused as exc:
        return _import_refused(path, exc.problems)
    except SlackApiError as exc:
        error = exc.response.get("error")
        return _fail(f"looking up account owners in Slack failed ({error}); nothing was imported", code=1)
    except OSError as exc:  # connection refused, DNS, TLS, timeout: Slack could not be asked at all
        reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
        return _fail(
            f"Slack could not be reached at {settings.slack_api_url} to look up account owners ({reason}); "
            "nothing was imported",
            code=1,
        )
    print(
        f"imported {path}: {report.customers_created} customers created, {report.customers_updated} updated; "
        f"{report.contacts_created} contacts created, {report.contacts_updated} updated"
    )
    for change in report.changes:
        print(f"  changed {change} (recorded)")
    for kept in report.kept:
        print(f"  kept {kept}")
    return 0


def cmd_customers_export(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    from bot.services.customer_io import export_rows

    return _write(export_rows(_services(settings)), args.file)


def cmd_history_import(args: argparse.Namespace) -> int:
    settings = load(ProgramSettings)
    from bot.services.touch_log import import_history

    def run(path: Path) -> str:
        report = import_history(_services(settings), path=path)
        return f"{report.imported} touches added, {report.already_there} already on record"

    return _import(args.file, run)


def cmd_history_export(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    from bot.services.touch_log import export_history

    return _write(export_history(_services(settings)), args.file)


def _write(rows: Iterator[list[str]], file: str | None) -> int:
    from bot.services.sheets import write_csv, write_xlsx

    if not file:
        write_csv(rows, sys.stdout)
        return 0
    path = Path(file)
    if path.suffix.lower() == ".xlsx":
        count = write_xlsx(rows, path)
    else:
        out: TextIO
        with path.open("w", newline="", encoding="utf-8") as out:
            count = write_csv(rows, out)
    print(f"exported {count} rows to {path}", file=sys.stderr)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    settings = load(Settings)
    import time

    from bot.entry.app import digest_as_text, make_outbox_worker
    from bot.services import digest
    from bot.services.context import Deps

    engine, session_factory, _ = _database(settings.database_url)
    deps = Deps(settings=settings, engine=engine, session_factory=session_factory)
    ctx = deps.services
    if args.dry_run:
        for manager in ctx.managers:
            print(f"=== digest for {manager} ===\n{digest_as_text(digest.build(ctx, recipient=manager), settings)}\n")
        return 0
    # The same code as the scheduled job, minus "is it Friday yet": the claim still keeps it once a week.
    nudged = digest.nudge_beta_owners(ctx)
    sent = digest.send(ctx, force=args.force)
    skipped = [m for m in ctx.managers if m not in sent]
    if sent or nudged:
        worker = make_outbox_worker(settings, deps)
        deadline = time.monotonic() + 60
        while True:
            if worker.run_once():
                continue  # more may be due at once: no pause between batches
            if time.monotonic() >= deadline or not digest.pending(ctx):
                break
            time.sleep(0.5)  # what is left waits for a retry (Slack said "later")
    print(
        f"digest sent to {', '.join(sent) or 'nobody'}"
        + (f"; already sent this week to {', '.join(skipped)} (use --force to send again)" if skipped else "")
        + (f"; asked {len(nudged)} account owners to nominate their beta customers" if nudged else "")
    )
    if sent and digest.pending(ctx):
        print("some digests are still waiting for Slack; `serve` will deliver them", file=sys.stderr)
    return 0


def cmd_outbox_list(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    from bot.services import outbox_queue

    rows = outbox_queue.owed(_services(settings))
    if not rows:
        print("the outbox owes Slack nothing")
        return 0
    print(f"{'id':>6}  {'status':<8} {'attempts':>8}  {'what':<36} {'to':<12} {'request':>7}  error / next attempt")
    for row in rows:
        when = row.error if row.status.value == "failed" else f"next {row.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
        request = f"#{row.request_id}" if row.request_id else ""
        print(
            f"{row.id:>6}  {row.status.value:<8} {row.attempts:>8}  {row.kind.label:<36} {row.channel:<12} "
            f"{request:>7}  {when}"
        )
    return 0


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    from bot.errors import NoSuchFailedMessage
    from bot.services import outbox_queue

    if args.all == (args.id is not None):
        return _fail("outbox retry: give a message id (see `reference-bot outbox list`) or --all")
    try:
        count = outbox_queue.retry(_services(settings), message_id=args.id)
    except NoSuchFailedMessage:
        return _fail(f"outbox retry: no such failed message: {args.id}", code=1)
    print(f"{count} message(s) queued again; `serve` sends them now")
    return 0


def cmd_program_import(args: argparse.Namespace) -> int:
    settings = load(ProgramSettings)
    from bot.services.program import import_program

    def run(path: Path) -> str:
        report = import_program(_services(settings), path=path)
        return f"{report.mix} mix shares, {report.initiatives} initiatives (the program now)"

    return _import(args.file, run)


def cmd_program_export(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    from bot.services.program import export_program

    return _write(export_program(_services(settings)), args.file)


def cmd_program_show(args: argparse.Namespace) -> int:
    settings = load(ProgramSettings)
    from bot.services import program, revenue

    ctx = _services(settings)
    print(program.as_text(program.standing(ctx)))
    influence = revenue.influenced(ctx)
    if influence is not None:
        print("\n".join(revenue.as_text(influence, ctx.currency)))
    return 0


def cmd_requests_export(args: argparse.Namespace) -> int:
    settings = load(DatabaseSettings)
    from bot.services.ask_export import export_rows

    return _write(export_rows(_services(settings)), args.file)


def cmd_crm_sync(args: argparse.Namespace) -> int:
    settings = load(CrmSettings)
    from slack_sdk.errors import SlackApiError

    from bot.domain import CrmKind
    from bot.entry import crm_runs
    from bot.services.crm.records import CrmUnavailable

    if settings.crm is CrmKind.NONE:
        return _fail("setting CRM: set it to salesforce or hubspot to sync the pool from a CRM")
    from bot.services.crm import connect

    connect.check_installed(settings)
    if settings.slack_bot_token is None:
        return _fail("setting SLACK_BOT_TOKEN: required to find account owners in Slack by their email")
    ctx = _services(settings)
    try:
        report, written = crm_runs.run(
            settings, ctx, crm_runs.slack_client(settings), full=args.full, dry_run=args.dry_run
        )
    except CrmUnavailable as exc:
        return _fail(f"{settings.crm.label}: {exc}; nothing was changed", code=1)
    except SlackApiError as exc:
        return _fail(f"looking up owners in Slack failed ({exc.response.get('error')}); nothing was changed", code=1)
    how = "in full" if report.full else "changes since the last sync"
    verdict = "dry run, nothing was written; it would have" if report.dry_run else "synced"
    print(f"{settings.crm.label} ({how}), {verdict}: {report.summary()}")
    for line in report.lines():
        print(line)
    if written:
        print(f"  wrote {written} ask(s) back to their deals in {settings.crm.label}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reference-bot", description="Customer-reference requests in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)")
    serve.add_argument("--port", type=_port, default=os.environ.get("PORT", "3000"))
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument("--socket", action="store_true", help="use Socket Mode (needs SLACK_APP_TOKEN)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)

    customers = sub.add_parser("customers", help="customer list").add_subparsers(
        dest="customers_command", required=True
    )
    imp = customers.add_parser("import", help="import customers and contacts from CSV or .xlsx (all or nothing)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_customers_import)
    exp = customers.add_parser("export", help="export customers and contacts (CSV to stdout, or FILE .csv/.xlsx)")
    exp.add_argument("file", nargs="?")
    exp.set_defaults(func=cmd_customers_export)

    dig = sub.add_parser("digest", help="send this week's digest to the reference managers now")
    dig.add_argument("--dry-run", action="store_true", help="print the digest instead of sending it")
    dig.add_argument("--force", action="store_true", help="send again even if this week's was sent")
    dig.set_defaults(func=cmd_digest)

    history = sub.add_parser("history", help="contact history (touches)").add_subparsers(
        dest="history_command", required=True
    )
    himp = history.add_parser("import", help="import past touches from CSV or .xlsx (all or nothing)")
    himp.add_argument("file")
    himp.set_defaults(func=cmd_history_import)
    hexp = history.add_parser("export", help="export every touch (CSV to stdout, or FILE .csv/.xlsx)")
    hexp.add_argument("file", nargs="?")
    hexp.set_defaults(func=cmd_history_export)
    prog = sub.add_parser("program", help="the program's targets: product mix and initiatives").add_subparsers(
        dest="program_command", required=True
    )
    pimp = prog.add_parser("import", help="set the targets from CSV or .xlsx (kind,name,products,target,due)")
    pimp.add_argument("file")
    pimp.set_defaults(func=cmd_program_import)
    pexp = prog.add_parser("export", help="write the targets out (CSV to stdout, or FILE .csv/.xlsx)")
    pexp.add_argument("file", nargs="?")
    pexp.set_defaults(func=cmd_program_export)
    prog.add_parser("show", help="the program against its targets, as a table").set_defaults(func=cmd_program_show)

    outbox = sub.add_parser("outbox", help="messages owed to Slack").add_subparsers(
        dest="outbox_command", required=True
    )
    outbox.add_parser("list", help="what waits or failed").set_defaults(func=cmd_outbox_list)
    again = outbox.add_parser("retry", help="send failed messages again")
    again.add_argument("id", nargs="?", type=int)
    again.add_argument("--all", action="store_true", help="every failed message")
    again.set_defaults(func=cmd_outbox_retry)
    requests = sub.add_parser("requests", help="the asks").add_subparsers(dest="requests_command", required=True)
    rexp = requests.add_parser("export", help="every ask with its deal, decision and outcome (CSV, or FILE .xlsx)")
    rexp.add_argument("file", nargs="?")
    rexp.set_defaults(func=cmd_requests_export)

    crm = sub.add_parser("crm", help="the pool from Salesforce or HubSpot (CRM)").add_subparsers(
        dest="crm_command", required=True
    )
    crm_sync = crm.add_parser("sync", help="bring the pool up to date from the CRM (all or nothing)")
    crm_sync.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    crm_sync.add_argument("--full", action="store_true", help="read everything, and notice deletions")
    crm_sync.set_defaults(func=cmd_crm_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        logs.configure()
    except SettingsError as exc:
        return _fail(str(exc))
    try:
        command: Callable[[argparse.Namespace], int] = args.func
        return command(args)
    except SettingsError as exc:
        return _fail(str(exc))
    except DatabaseUnreachable as exc:
        return _fail(str(exc), code=1)


if __name__ == "__main__":
    sys.exit(main())
