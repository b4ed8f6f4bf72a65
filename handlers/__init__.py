"""Slack at the edge: one module per surface, each with a `register(app)`."""

from slack_bolt import App

from handlers import (
    approvals,
    cancellation,
    commands,
    customer_limits,
    errors,
    followups,
    guard,
    home,
    nominations,
    program,
    request_modal,
    side_doors,
    signoff,
    touch_log,
)


def register_all(app: App) -> None:
    guard.register(app)
    errors.register(app)
    for surface in (
        commands,
        request_modal,
        approvals,
        cancellation,
        touch_log,
        customer_limits,
        followups,
        home,
        nominations,
        program,
        signoff,
        side_doors,
    ):
        surface.register(app)
