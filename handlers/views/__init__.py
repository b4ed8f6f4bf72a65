"""Block Kit built by small pure functions from plain data, with slack_sdk.models so limits are checked."""
