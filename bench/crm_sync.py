"""The CRM sync at scale (issue 25): a first sync of 100,000 accounts, 300,000 contacts and 500,000 opportunities
from the Salesforce stand-in, and an incremental sync of 1,000 changes, with the bot's peak memory.

    python -m bench.crm_sync                                   # the issue's sizes, SQLite
    python -m bench.crm_sync --accounts 10000 --contacts 30000 --opportunities 50000
    TEST_DATABASE_URL=postgresql+psycopg://... python -m bench.crm_sync --postgres

The stand-in runs in a process of its own (`python -m tests.salesforce_standin`), so the bot's process is the
sync alone: simple-salesforce over HTTPS, the mapping, the writes in one transaction. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.bot_env import postgres_database
from bot.services.context import context_for
from bot.services.crm import connect, sync
from bot.services.settings import CrmSettings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--opportunities", type=int, default=500_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--postgres", action="store_true", help="sync into TEST_DATABASE_URL's server")
    args = parser.parse_args()
    started = time.monotonic()
    crm = subprocess.Popen(
        [sys.executable, "-m", "tests.salesforce_standin", "--accounts", str(args.accounts), "--contacts",
         str(args.contacts), "--opportunities", str(args.opportunities)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert crm.stdout is not None
        reach = json.loads(crm.stdout.readline())
        print(f"stand-in seeded in {time.monotonic() - started:.0f} s")
        if args.postgres:
            url = postgres_database(os.environ["TEST_DATABASE_URL"], "refbot_crm_sync")
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='refbot-crm-')) / 'crm.db'}"
        engine = make_engine(url)
        upgrade(engine)
        settings = CrmSettings(
            _env_file=None,
            DATABASE_URL=url,
            CRM="salesforce",
            SALESFORCE_INSTANCE_URL=reach["instance_url"],
            SALESFORCE_SESSION_ID=reach["session_id"],
            CRM_CA_BUNDLE=reach["ca_bundle"],
        )
        ctx = context_for(settings, make_session_factory(engine))
        owners = {f"rep{i}@example.com": f"UREP{i:05d}" for i in range(200)}
        before = _peak_mb()
        t0 = time.monotonic()
        first = sync.run(ctx, connect.source(settings), mapping=connect.mapping(settings), resolve_email=owners.get)
        first_s = time.monotonic() - t0
        print(f"first sync ({url.split(':')[0]}): {first_s:.1f} s: {first.summary()}")
        print(f"peak memory of the bot's process: {_peak_mb():.0f} MB (before the sync {before:.0f} MB)")
        request = urllib.request.Request(f"{reach['instance_url']}/control/change?n={args.changes}", method="POST")
        import ssl

        urllib.request.urlopen(request, context=ssl.create_default_context(cafile=reach["ca_bundle"])).read()
        time.sleep(1.1)  # past the second the watermark was taken in
        t0 = time.monotonic()
        second = sync.run(ctx, connect.source(settings), mapping=connect.mapping(settings), resolve_email=owners.get)
        print(f"incremental sync of {args.changes} changes: {time.monotonic() - t0:.1f} s: {second.summary()}")
        print(f"peak memory of the bot's process: {_peak_mb():.0f} MB")
    finally:
        crm.terminate()
        crm.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
