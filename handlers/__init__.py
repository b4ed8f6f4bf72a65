"""Slack at the edge: one module per surface, each with a `register(app)`."""

from slack_bolt import App

from handlers import approvals, commands, home, request_modal


def register_all(app: App) -> None:
    for surface in (commands, request_modal, approvals, home):
        surface.register(app)
