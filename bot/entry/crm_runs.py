"""Running the CRM sync from the CLI and the scheduler: the source signed in, owners looked up in Slack."""

from __future__ import annotations

from typing import Any

from bot.services.context import ServiceContext
from bot.services.crm import connect, sync, write_back
from bot.services.customer_io import EmailResolver
from bot.services.settings import CrmSettings, DirectorySettings


def email_resolver(client: Any) -> EmailResolver:
    """users.lookupByEmail, each email asked once per run (None: nobody in the workspace has it)."""
    from slack_sdk.errors import SlackApiError

    cache: dict[str, str | None] = {}

    def resolve(email: str) -> str | None:
        if email not in cache:
            try:
                cache[email] = client.users_lookupByEmail(email=email)["user"]["id"]
            except SlackApiError as exc:
                if exc.response.get("error") != "users_not_found":
                    raise
                cache[email] = None
        return cache[email]

    return resolve


def slack_client(settings: DirectorySettings) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=5), ServerErrorRetryHandler(max_retry_count=2)],
    )


def run(
    settings: CrmSettings, ctx: ServiceContext, client: Any, *, full: bool = False, dry_run: bool = False
) -> tuple[sync.SyncReport, int]:
    """One sync, then (CRM_WRITE_BACK, not a dry run) the asks owed to the deals written back: the report and how
    many asks were written. Raises CrmUnavailable (recorded, nothing written) when the CRM fails the sync."""
    try:
        source = connect.source(settings)
    except sync.CrmUnavailable as exc:
        sync.record_failure(ctx, settings.crm.value, str(exc))
        raise
    report = sync.run(
        ctx,
        source,
        mapping=connect.mapping(settings),
        resolve_email=email_resolver(client),
        full=full,
        dry_run=dry_run,
    )
    written = write_back.write_back(ctx, source) if settings.crm_write_back and not dry_run else 0
    return report, written
