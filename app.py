"""Pose Studio: settings -> migrate -> seed -> UI -> queue -> serve. Wiring only."""

import logging
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from studio.startup import StartupError, start, warm_up
    from studio.web import serve

    try:
        studio = start()
    except StartupError as exc:
        print(f"Pose Studio cannot start: {exc}", file=sys.stderr)
        return 2
    warm_up(studio)
    serve(studio)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
