"""`make run`: start the action server, Rasa, the handoff service and the local pages (demo shop
with the chat widget, chat page); a crashed one is restarted (scripts/supervisor.py); Ctrl-C
stops them all.

Ports from RASA_PORT, ACTIONS_PORT, HANDOFF_PORT, CHAT_PORT; logs, the tracker database and the
Rasa token in FAQBOT_STATE_DIR (default .faqbot/).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from stack import STATE, Stack, auth_token, serve_chat_page
from supervisor import Supervisor


def main() -> int:
    """Run until interrupted, restarting children that die."""
    state = Path(os.environ.get("FAQBOT_STATE_DIR") or STATE)
    stack = Stack(
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        token=auth_token(),
        log_dir=state / "logs",
        tracker_db=state / "tracker.db",
        handoff_port=int(os.environ.get("HANDOFF_PORT", "8000")),
    )
    return serve(
        stack,
        "starting the action server, Rasa and the handoff service (loading models takes ~30 s)...",
    )


def serve(
    stack: Stack,
    starting: str,
    servers: str = "",
    add_agent: str = ".venv/bin/faqbot agent add NAME",
) -> int:
    """Start ``stack`` and the local pages, print where they are, supervise until interrupted.

    ``servers`` lists the servers behind a load balancer, ``add_agent`` how to add an agent
    (the scale-out mode keeps them in PostgreSQL).
    """
    chat_port = int(os.environ.get("CHAT_PORT", "8080"))

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    # also when started in the background, where SIGINT arrives ignored and Python keeps it so
    signal.signal(signal.SIGINT, interrupted)
    print(starting, flush=True)
    try:
        stack.start()
        chat = serve_chat_page(chat_port, stack.rasa_url)
        print(
            f"\nfaqbot is running:\n"
            f"  demo shop     http://127.0.0.1:{chat_port}/shop/  (web chat widget)\n"
            f"  chat page     http://127.0.0.1:{chat_port}/\n"
            f"  Rasa          {stack.rasa_url}  (REST: POST /webhooks/rest/webhook, socket.io)\n"
            f"  action server {stack.actions_url}\n"
            f"{servers}"
            f"  agent console {stack.handoff_url}/\n"
            f"                (add an agent first: {add_agent})\n"
            f"  handoff API   {stack.handoff_url}/openapi.json\n"
            f"  logs          {stack.log_dir}/\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )
        supervisor = Supervisor(stack)
        try:
            while True:
                supervisor.check()
                time.sleep(0.5)
        finally:
            chat.shutdown()
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"\nfaqbot could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
