"""``archiver export``, ``archiver verify`` and ``archiver verify-wacz``: the evidence packed,
audited, or checked after it left."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.cli.common import console, database, errors, now, progress_bar
from archiver.config import Settings
from archiver.timefmt import rfc3339

if TYPE_CHECKING:
    from archiver.services import timestamp_audit
    from archiver.services.tsa import Stamp


class _SignatureStamper:
    """Asks the TSAs of ``ARCHIVER_TSA_URLS`` in turn, through the outbound gate, for a
    timestamp of a WACZ's signature, and remembers what came of it: a TSA that fails only
    leaves the WACZ without a timestamp."""

    def __init__(self, settings: Settings, when: datetime) -> None:
        from archiver.services.tsa import trusted_roots

        self.settings = settings
        self.when = when
        self.roots = trusted_roots(settings)
        self.stamp: Stamp | None = None
        self.failure: str | None = None

    def __call__(self, message: bytes) -> Stamp | None:
        from archiver.services.tsa import TsaFailure

        try:
            self.stamp = asyncio.run(self._ask(message))
        except TsaFailure as failure:
            self.failure = str(failure)
        return self.stamp

    async def _ask(self, message: bytes) -> Stamp:
        from archiver.egress import Egress
        from archiver.services.tsa import ask_first

        async with Egress(self.settings) as egress:
            return await ask_first(egress, self.settings.tsa_urls, message, self.roots, self.when)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver export --format F (--post ID | --tag T | --all) -o PATH [--sign]``."""
    from archiver.api.routes.exports import api_shapes
    from archiver.services import export
    from archiver.services.export_wacz import write_wacz
    from archiver.signing import load_or_create_key
    from archiver.storage import open_stores

    if [bool(args.post), args.tag is not None, args.all].count(True) != 1:
        errors.print("archiver: choose what to export: --post ID (repeatable), --tag T or --all.")
        return 2
    if args.sign and args.format != "wacz":
        errors.print("archiver: --sign applies to WACZ exports only.")
        return 2
    key = load_or_create_key(settings.signing_key_file) if args.sign else None
    when = now()
    stamper = _SignatureStamper(settings, when) if key and settings.tsa_urls else None
    selection = export.Selection(tuple(args.post or ()), args.tag, args.all)
    target = Path(args.output)
    with database(settings, write=False) as factory, factory() as session:
        post_ids = export.resolve(session=session, selection=selection)
        with progress_bar() as progress:
            task = progress.add_task(f"Exporting {len(post_ids)} post(s)", total=len(post_ids))
            options: dict[str, Any] = {
                "shapes": api_shapes(args.base_url.rstrip("/")),
                "selection": selection,
                "now": when,
                "advance": partial(progress.advance, task),
            }
            if args.format == "wacz":
                stores = open_stores(settings)
                options |= {
                    "blobs": stores.blobs,
                    "screenshots": stores.screenshots,
                    "title": selection.title(),
                    "key": key,
                    "stamp": stamper,
                }
            items = export.bundles(session=session, post_ids=post_ids)
            count = export.write_file(
                target,
                partial(write_wacz, items=items, **options)
                if args.format == "wacz"
                else partial(export.write_text, args.format, items=items, **options),
            )
    size = target.stat().st_size
    signed = f", signed with this archive's key {key.fingerprint}" if key else ""
    console.print(
        f"Exported {count} post(s) to {target} ({args.format}, {size:,} bytes){signed}.",
        markup=False,
    )
    if stamper is not None and stamper.stamp is not None:
        console.print(
            f"Its signature is timestamped by {_stamped_by(stamper.stamp)} at "
            f"{rfc3339(stamper.stamp.token.gen_time)}.",
            markup=False,
        )
    elif stamper is not None:
        errors.print(
            f"archiver: no TSA timestamped the signature ({stamper.failure}), so the WACZ is "
            "signed without a timestamp.",
            markup=False,
        )
    return 0


def _stamped_by(stamp: Stamp) -> str:
    from archiver.services.wacz_signature import tsa_name

    signer = stamp.verdict.signer
    return tsa_name(signer) if signer is not None else "the TSA"


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver verify [--timestamps]``: recompute every stored artifact's SHA-256, and
    check every trusted timestamp again; exit 1 on any fault."""
    from archiver.services import fixity, timestamp_audit
    from archiver.storage import open_stores

    opened = open_stores(settings)  # a bucket that cannot be used stops here, in one sentence
    with database(settings, write=False) as factory, factory() as session:
        refs = fixity.references(session=session)
    stores = {fixity.BLOBS: opened.blobs, fixity.SCREENSHOTS: opened.screenshots}
    with progress_bar() as progress:
        task = progress.add_task("Verifying stored artifacts", total=len(refs))
        report = fixity.audit(refs, stores, advance=lambda: progress.advance(task))
    console.print(
        f"Checked {report.checked} artifacts ({report.bytes:,} bytes): {report.intact} intact, "
        f"{len(report.missing)} missing, {len(report.mismatched)} mismatched."
    )
    for problem in report.problems:
        console.print(f"{problem.fault.value.upper()} {problem.store}/{problem.sha256}")
        for referrer in problem.referrers:
            console.print(f"  named by {referrer}")
    failed = [f"{len(report.problems)} stored artifact(s)"] if report.problems else []
    if args.timestamps:
        damaged = {(problem.store, problem.sha256) for problem in report.problems}
        with database(settings, write=False) as factory, factory() as session:
            stamps = timestamp_audit.audit(session=session, blobs=opened.blobs, damaged=damaged)
        _print_timestamps(stamps)
        failed += [f"{len(stamps.failed)} timestamp(s)"] if stamps.failed else []
    if not failed:
        return 0
    errors.print(f"archiver: {' and '.join(failed)} failed the audit.")
    return 1


def _print_timestamps(report: timestamp_audit.Report) -> None:
    """Each timestamp checked: OK with its root's fingerprint, or FAILED with every problem."""
    console.print(
        f"Checked {len(report.findings)} timestamps: "
        f"{len(report.findings) - len(report.failed)} verified, {len(report.failed)} failed.",
        markup=False,
    )
    for finding in report.findings:
        when = finding.gen_time.isoformat() if finding.gen_time else "no time"
        head = f"timestamp {finding.timestamp_id} of snapshot {finding.snapshot_id}"
        head += f" by {finding.tsa_url} at {when}"
        if not finding.problems:
            console.print(f"OK {head}; root sha256:{finding.root_fingerprint}", markup=False)
            continue
        console.print(f"FAILED {head}", markup=False)
        for problem in finding.problems:
            console.print(f"  {problem}", markup=False)


def cmd_verify_wacz(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver verify-wacz PATH [--key FILE | --this-archive]``: check a WACZ's hashes and
    signature (and whose key made it); exit 1 with the reason on any fault."""
    from archiver.services.tsa import trusted_roots
    from archiver.services.wacz_verify import WaczInvalid, verify_wacz
    from archiver.signing import PublicKey, load_key, load_public

    expected: PublicKey | None = None
    if args.key is not None:
        try:
            expected = load_public(Path(args.key).read_bytes())
        except OSError as exc:
            errors.print(f"archiver: cannot read {args.key}: {exc.strerror or exc}.", markup=False)
            return 1
        except ValueError as exc:
            errors.print(f"archiver: {args.key}: {exc}.", markup=False)
            return 1
    elif args.this_archive:
        own = load_key(settings.signing_key_file)
        if own is None:
            errors.print(
                f"archiver: this archive has no signing key yet ({settings.signing_key_file}): "
                "it has signed nothing.",
                markup=False,
            )
            return 1
        expected = own.public
    try:
        verdict = verify_wacz(
            Path(args.path), expected=expected, tsa_roots=partial(trusted_roots, settings)
        )
    except WaczInvalid as exc:
        errors.print(f"archiver: {args.path} failed verification: {exc}.", markup=False)
        return 1
    signer = verdict.signer
    console.print(
        f"{args.path}: verified. Its {verdict.files} files match datapackage.json, and its "
        f"signature by key {signer.fingerprint} checks out (made {signer.created} by "
        f"{signer.software}).",
        markup=False,
    )
    if verdict.timestamp is not None:
        console.print(
            f"Timestamped by {verdict.timestamp.authority} at "
            f"{rfc3339(verdict.timestamp.gen_time)} (verified).",
            markup=False,
        )
    if expected is None:
        console.print(
            "Nothing says whose key that is: compare it with the archive's "
            "/.well-known/archiver-signing-key, or pass --key FILE.",
            markup=False,
        )
    else:
        console.print("It is the key expected.")
    return 0
