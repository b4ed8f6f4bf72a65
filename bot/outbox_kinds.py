"""The kinds of message the outbox carries (see bot.outbox)."""


class Kind:
    """Kinds of outbox message; each has a renderer registered by the Slack layer."""

    REQUEST_FILED_DM = "request_filed_dm"
    CARD_POST = "card_post"
    CARD_UPDATE = "card_update"
    APPROVED_DM = "approved_dm"
    OWNER_DM = "account_owner_dm"
    DECLINED_DM = "declined_dm"
    TOUCH_LOGGED_DM = "touch_logged_dm"
    LIMITS_SAVED_DM = "limits_saved_dm"

    UPDATES = {CARD_UPDATE}
