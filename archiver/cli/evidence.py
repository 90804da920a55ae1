"""``archiver export`` and ``archiver verify``: the evidence, packed or audited."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.cli.common import console, database, errors, now, progress_bar
from archiver.config import Settings

if TYPE_CHECKING:
    from archiver.services import timestamp_audit


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver export --format F (--post ID | --tag T | --all) -o PATH``."""
    from archiver.api.routes.exports import api_shapes
    from archiver.services import export
    from archiver.services.export_wacz import write_wacz
    from archiver.storage import open_stores

    if [bool(args.post), args.tag is not None, args.all].count(True) != 1:
        errors.print("archiver: choose what to export: --post ID (repeatable), --tag T or --all.")
        return 2
    selection = export.Selection(tuple(args.post or ()), args.tag, args.all)
    target = Path(args.output)
    with database(settings, write=False) as factory, factory() as session:
        post_ids = export.resolve(session=session, selection=selection)
        with progress_bar() as progress:
            task = progress.add_task(f"Exporting {len(post_ids)} post(s)", total=len(post_ids))
            options: dict[str, Any] = {
                "shapes": api_shapes(args.base_url.rstrip("/")),
                "selection": selection,
                "now": now(),
                "advance": partial(progress.advance, task),
            }
            if args.format == "wacz":
                stores = open_stores(settings)
                options |= {
                    "blobs": stores.blobs,
                    "screenshots": stores.screenshots,
                    "title": selection.title(),
                }
            items = export.bundles(session=session, post_ids=post_ids)
            count = export.write_file(
                target,
                partial(write_wacz, items=items, **options)
                if args.format == "wacz"
                else partial(export.write_text, args.format, items=items, **options),
            )
    size = target.stat().st_size
    console.print(f"Exported {count} post(s) to {target} ({args.format}, {size:,} bytes).")
    return 0


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
