"""The ``archiver`` command: one module per group of subcommands, the parser here.

Every subcommand builds settings once, from the environment, and passes them down. Expected
failures (bad configuration, bad input) print one sentence and exit 1 or 2, never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import archiver
from archiver.cli.articles import cmd_article
from archiver.cli.common import errors
from archiver.cli.evidence import cmd_export, cmd_verify, cmd_verify_wacz
from archiver.cli.keys import cmd_keys_create, cmd_keys_list, cmd_keys_revoke
from archiver.cli.run import cmd_check, cmd_demo, cmd_migrate, cmd_serve, cmd_worker
from archiver.cli.submitting import cmd_import, cmd_submit
from archiver.config import load_settings
from archiver.domain import ApiKeyRole
from archiver.errors import ArchiverError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="archiver", description=archiver.__doc__)
    parser.add_argument("--version", action="version", version=f"archiver {archiver.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API and web pages")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--no-worker", action="store_true", help="serve the API only; run `archiver worker` apart"
    )
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="API processes sharing the port (1; more needs --no-worker)",
    )
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="run the capture worker only")
    worker.add_argument(
        "--host", default="127.0.0.1", help="address of its /healthz and /metrics (127.0.0.1)"
    )
    worker.add_argument(
        "--port", type=int, default=8001, help="port of its /healthz and /metrics (8001; 0: any)"
    )
    worker.set_defaults(handler=cmd_worker)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    key_parser = commands.add_parser("keys", help="manage API keys")
    key_commands = key_parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("name", help="who or what the key is for")
    create.add_argument(
        "--role", choices=[role.value for role in ApiKeyRole], default=ApiKeyRole.SUBMITTER.value
    )
    create.set_defaults(handler=cmd_keys_create)
    key_commands.add_parser("list", help="list keys").set_defaults(handler=cmd_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", help="the key's ID, from `archiver keys list`")
    revoke.set_defaults(handler=cmd_keys_revoke)

    demo = commands.add_parser("demo", help="capture demo posts from a local platform emulator")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--folder", default="data/demo", help="the demo's own database and files")
    demo.add_argument("--once", action="store_true", help="stop once every post is captured")
    demo.set_defaults(handler=cmd_demo)

    check = commands.add_parser("check", help="re-check one post now")
    check.add_argument("post_id", metavar="POST_ID")
    check.set_defaults(handler=cmd_check)

    submit = commands.add_parser("submit", help="submit post URLs for capture")
    submit.add_argument("urls", nargs="+", metavar="URL")
    add_submit_options(submit)
    submit.set_defaults(handler=cmd_submit)

    bulk_import = commands.add_parser(
        "import", help="submit every URL of a text file (one a line) or a CSV with a url column"
    )
    bulk_import.add_argument("file", metavar="FILE")
    add_submit_options(bulk_import)
    bulk_import.set_defaults(handler=cmd_import)

    exporting = commands.add_parser("export", help="export posts as WACZ, JSON or CSV")
    exporting.add_argument("--format", required=True, choices=["wacz", "json", "csv"])
    exporting.add_argument("--post", action="append", metavar="ID", help="a post (repeatable)")
    exporting.add_argument("--tag", metavar="T", help="every post with this tag")
    exporting.add_argument("--all", action="store_true", help="every post")
    exporting.add_argument("-o", "--output", required=True, metavar="PATH")
    exporting.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="the service's public address, for the citation links (http://127.0.0.1:8000)",
    )
    exporting.add_argument(
        "--sign", action="store_true", help="sign the WACZ with this archive's key"
    )
    exporting.set_defaults(handler=cmd_export)

    verify = commands.add_parser(
        "verify", help="recompute every stored artifact's SHA-256; exit 1 on any fault"
    )
    verify.add_argument(
        "--timestamps",
        action="store_true",
        help="also check every trusted timestamp against its manifest, token and chain",
    )
    verify.set_defaults(handler=cmd_verify)

    verify_wacz = commands.add_parser(
        "verify-wacz",
        help="check a WACZ's hashes and signature; exit 1 with the reason on any fault",
    )
    verify_wacz.add_argument("path", metavar="PATH", help="the .wacz file")
    expected_key = verify_wacz.add_mutually_exclusive_group()
    expected_key.add_argument(
        "--key", metavar="FILE", help="the public key (PEM or DER) that must have signed it"
    )
    expected_key.add_argument(
        "--this-archive",
        action="store_true",
        help="it must be signed by this archive's own key",
    )
    verify_wacz.set_defaults(handler=cmd_verify_wacz)

    article = commands.add_parser(
        "article", help="read an article for the posts it quotes and print its quote report"
    )
    article.add_argument("target", metavar="URL|FILE", help="the article's URL, or a saved file")
    article.add_argument("--url", help="the address of an article given as a file")
    article.add_argument(
        "--no-capture", action="store_true", help="do not capture the posts it names now"
    )
    article.set_defaults(handler=cmd_article)
    return parser


def add_submit_options(parser: argparse.ArgumentParser) -> None:
    """The options ``submit`` and ``import`` share."""
    parser.add_argument("--tag", action="append", help="tag the posts (repeatable)")
    parser.add_argument("--wait", action="store_true", help="wait until each post is captured")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds --wait waits at most (120)"
    )
    parser.add_argument("--server", metavar="URL", help="submit to this running Archiver")
    parser.add_argument("--key", help="its API key (default: $ARCHIVER_API_KEY)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``archiver`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        code: int = args.handler(settings, args)
    except ArchiverError as exc:
        errors.print(f"archiver: {exc}", markup=False)  # it may quote input: no markup
        return 1
    except KeyboardInterrupt:
        return 130
    return code
