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
    DIGEST_DM = "digest_dm"
    FOLLOWUP_DM = "followup_dm"
    FOLLOWUP_UPDATE = "followup_update"
    UNHAPPY_ALERT = "unhappy_customer_alert"

    UPDATES = {CARD_UPDATE, FOLLOWUP_UPDATE}
    # Rendered with the customer's standing report (touches, badge, alternatives); the rest need the request only.
    WITH_STANDING = {CARD_POST, CARD_UPDATE}
