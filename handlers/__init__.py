"""Slack at the edge: one module per surface, each with a `register(app)`."""

from slack_bolt import App

from handlers import (
    approvals,
    cancellation_listeners,
    commands,
    customer_limits_listeners,
    customer_page_listeners,
    error_replies,
    followup_listeners,
    guard,
    home_listeners,
    nomination_listeners,
    program_listeners,
    request_modal,
    side_door_listeners,
    signoff_listeners,
    touch_log_listeners,
)


def register_all(app: App) -> None:
    guard.register(app)
    error_replies.register(app)
    for surface in (
        commands,
        request_modal,
        approvals,
        cancellation_listeners,
        touch_log_listeners,
        customer_limits_listeners,
        customer_page_listeners,
        followup_listeners,
        home_listeners,
        nomination_listeners,
        program_listeners,
        signoff_listeners,
        side_door_listeners,
    ):
        surface.register(app)
