"""`python tests/at_instant.py INSTANT ARGS...`: the `reference-bot` command with its clock started at INSTANT
(an ISO 8601 time with its offset), so a test can say "it is Friday 16:00" whatever the day it runs on."""

import sys
from datetime import datetime

from bot import clock
from bot.entry.cli import main

if __name__ == "__main__":
    clock.start_at(datetime.fromisoformat(sys.argv[1]))
    sys.argv = ["reference-bot", *sys.argv[2:]]
    sys.exit(main())
