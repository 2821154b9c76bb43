"""`make run-scaled`: `make run` in the scale-out mode (scripts/scaled.py, README "Scale-out
mode"): FAQBOT_RASA_SERVERS Rasa servers and FAQBOT_ACTION_SERVERS action servers (default 2
each) behind HAProxy on RASA_PORT / ACTIONS_PORT, the tracker store, event broker and tickets in
PostgreSQL (FAQBOT_SCALE_POSTGRES_URL), the lock store in Redis (FAQBOT_SCALE_REDIS_URL, or a
redis-server of its own).

`make run-scaled` runs scripts/scale-services.sh first, which sets FAQBOT_SCALE_POSTGRES_URL to a
local PostgreSQL when it is not set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from run import serve
from scaled import ScaledStack
from stack import STATE, auth_token


def main() -> int:
    """Run until interrupted, restarting children that die."""
    postgres = os.environ.get("FAQBOT_SCALE_POSTGRES_URL")
    if not postgres:
        print(
            "FAQBOT_SCALE_POSTGRES_URL is not set: postgresql://USER:PASSWORD@HOST:PORT/NAME "
            "(`make run-scaled` sets a local one)",
            file=sys.stderr,
        )
        return 1
    state = Path(os.environ.get("FAQBOT_STATE_DIR") or STATE)
    stack = ScaledStack(
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        token=auth_token(),
        log_dir=state / "logs-scaled",
        tracker_db=state / "tracker.db",
        handoff_port=int(os.environ.get("HANDOFF_PORT", "8000")),
        postgres_url=postgres,
        redis_url=os.environ.get("FAQBOT_SCALE_REDIS_URL") or None,
        rasa_servers=int(os.environ.get("FAQBOT_RASA_SERVERS", "2")),
        action_servers=int(os.environ.get("FAQBOT_ACTION_SERVERS", "2")),
    )
    rasa = ", ".join(f":{port}" for port in stack.rasa_ports)
    actions = ", ".join(f":{port}" for port in stack.action_ports)
    return serve(
        stack,
        f"starting {stack.rasa_servers} Rasa servers, {stack.action_servers} action servers, "
        "HAProxy, Redis and the handoff service on PostgreSQL (the Rasa servers start one after "
        "another: a few minutes)...",
        servers=f"  behind HAProxy: Rasa {rasa}; actions {actions}\n"
        f"  privacy       FAQBOT_DATABASE_URL={masked(stack.tickets_url)} \\\n"
        f"                FAQBOT_TRACKER_URL={masked(stack.pg_url('tracker'))} \\\n"
        f"                FAQBOT_EVENT_BROKER_URL={masked(stack.pg_url('events'))} \\\n"
        "                .venv/bin/faqbot privacy forget EMAIL|SENDER\n",
        add_agent=f"FAQBOT_DATABASE_URL={masked(stack.tickets_url)} "
        ".venv/bin/faqbot agent add NAME",
    )


def masked(url: str) -> str:
    """``url`` with PASSWORD for its password (`make run-scaled`'s own role keeps it in
    .faqbot/postgres-scaled-password)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(
        parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":PASSWORD@"))
    )


if __name__ == "__main__":
    sys.exit(main())
