"""reference-bot: the Slack intake channel for customer-reference requests."""
