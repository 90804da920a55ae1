"""``python -m archiver.emulator``: run the platform emulator until Ctrl-C.

Prints the ``ARCHIVER_UPSTREAM_OVERRIDES=…`` line to give the Archiver service and the control
API's URL; ``--seed-demo`` creates demo posts and prints their URLs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from archiver.emulator import wayback
from archiver.emulator.server import EmulatorServer


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, start the emulator and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m archiver.emulator",
        description="Local emulator of X, Mastodon, Truth Social and Bluesky for Archiver.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--base-port",
        type=int,
        default=0,
        help="control API port; the origins take the following ports (0: any free ports)",
    )
    parser.add_argument("--seed-demo", action="store_true", help="create demo posts")
    parser.add_argument(
        "--mastodon-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also emulate this Mastodon instance (repeatable)",
    )
    parser.add_argument(
        "--strict-x-token", action="store_true", help="reject wrong X syndication tokens"
    )
    args = parser.parse_args(argv)
    server = EmulatorServer(
        host=args.host, base_port=args.base_port, extra_mastodon_hosts=args.mastodon_host
    )
    server.world.strict_x_token = args.strict_x_token
    try:
        server.start()
    except OSError as error:
        print(f"cannot listen: {error}", file=sys.stderr)
        return 1
    print(f"ARCHIVER_UPSTREAM_OVERRIDES={server.overrides}")
    print(f"control API: {server.control_url}/control")
    print(f"Save Page Now stand-in: ARCHIVER_WAYBACK_KEYS={wayback.KEYS}")
    if args.seed_demo:
        for name, info in server.world.seed_demo().items():
            print(f"  {name:<22} {info.url}")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
