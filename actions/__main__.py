"""``python -m actions``: warm the FAQ service up, then serve the Rasa action endpoint.

rasa-sdk's own ``run()`` serves through Sanic worker processes, which would each load the model
again after start; serving in a single process keeps one explicitly warmed-up model.
"""

from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from actions.runtime import freeze_heap, warm_up


def main() -> None:
    """Parse ``--port``/``--host``, warm up, serve until stopped."""
    parser = argparse.ArgumentParser(prog="python -m actions")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    warm_up()
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins="*")
    freeze_heap()
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
