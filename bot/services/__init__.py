"""Domain services: plain Python over storage, knowing nothing of Slack payloads."""
