"""`scrutiny evidence export`, and the bundle side of `scrutiny verify BUNDLE`."""

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from services.cli.common import database, settings_for
from services.cli.witness import jetstream
from services.reporting.adapters.evidence import Exported, Period, export_evidence
from shared.documents.checks import DocumentsReport
from shared.eventstore import bundle_heads
from shared.eventstore.bundle_check import BundleReport, verify_bundle
from shared.eventstore.heads import SignedHeads
from shared.eventstore.signing import PublicKey
from shared.messaging.subjects import Subjects
from shared.runtime.host import load_partnerships

app = typer.Typer(
    help="Evidence for inspection: a period's events and reports, with proof they were not altered",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=option) from None


@app.command("export")
def export(
    first: Annotated[str, typer.Option("--from", help="First day of the period, YYYY-MM-DD (London time)")],
    last: Annotated[str, typer.Option("--to", help="Last day of the period, YYYY-MM-DD (London time, to the end of the day)")],
    out: Annotated[Path | None, typer.Option(help="Folder to write the bundle into (default DATA_DIR/evidence)")] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="Only this partnership (a built-in profile id or a profile file); default every partnership, with reports for "
                 "the installation's profiles"
        ),
    ] = None,
    zip_bundle: Annotated[bool, typer.Option("--zip/--no-zip", help="Also write a .zip of the bundle beside it")] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Where embedded servers keep their data (default .scrutiny)")] = None,
) -> None:
    """Write an evidence bundle: the period's events of every store with their chain
    anchors, the reports as of the end of the period, and a manifest of SHA-256s."""

    try:
        period = Period(_day(first, "--from"), _day(last, "--to"))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from None
    settings = settings_for(data_dir)
    profiles = list(load_partnerships([profile] if profile else settings.profiles).values())
    partnership = profiles[0].id if profile else None

    async def run() -> Exported:
        # Reporting's role where there is one: it reads the stores' events and builds the
        # dashboard as of the period's end in a schema of reporting's.
        async with database(settings, acting_as="reporting") as pool, jetstream(settings) as (js, why_not):
            if js is None:
                console.print(f"[yellow]No signed chain heads in the bundle[/]: {escape(why_not)}")
            signed = SignedHeads(js, Subjects(settings.namespace), PublicKey.of_platform(settings.data_dir)) if js else None
            return await export_evidence(
                pool, period, out or settings.data_dir / "evidence", profiles,
                partnership=partnership, zip_bundle=zip_bundle, signed_heads=signed,
            )

    try:
        exported = asyncio.run(run())
    except FileExistsError as exc:
        console.print(f"[red]✗[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    console.print(f"[bold]Evidence bundle:[/] {escape(str(exported.directory))}")
    if exported.zip:
        console.print(f"[bold]Zip:[/] {escape(str(exported.zip))}")
    for s in exported.slices:
        console.print(f"  {s.store}: {_events(s.events)}, positions {s.after_position + 1}..{s.last_position}")
    console.print(f"  reports as of {period.end:%Y-%m-%d %H:%M} London for {', '.join(exported.reports) or 'no partnership'}")
    console.print(f"Fingerprint (SHA-256 of manifest.json): {exported.fingerprint}")
    console.print("Keep the fingerprint apart from the bundle; check it with: scrutiny verify BUNDLE")


def _events(count: int) -> str:
    return f"{count} event{'' if count == 1 else 's'}"


def check_bundle(path: Path) -> bool:
    """Print what was checked in the bundle and every problem; True when intact."""
    report = verify_bundle(path)
    _print(report)
    return report.intact


def _print(report: BundleReport) -> None:
    m = report.manifest
    console.print(f"Evidence bundle {escape(report.location)}")
    period, platform = m.get("period") or {}, m.get("platform") or {}
    facts = [
        f"period {period.get('from')} to {period.get('to')} ({period.get('time_zone', 'Europe/London')})" if period else "",
        f"partnerships {', '.join(map(str, m['partnerships']))}" if m.get("partnerships") else "",
        f"exported {m['exported_at']}" if m.get("exported_at") else "",
        f"by scrutiny {platform['version']}" if platform.get("version") else "",
    ]
    if line := ", ".join(f for f in facts if f):
        console.print(f"  {escape(line)}")
    if report.fingerprint:
        console.print(f"  fingerprint (SHA-256 of manifest.json) {report.fingerprint}")
    stores = {s.store for s in report.stores}
    file_problems = [p for p in report.problems if p.store not in stores]
    if not file_problems:
        console.print(
            f"[green]✓[/] files: {report.files_checked} listed in the manifest, none missing or extra,"
            " every SHA-256 and size matches"
        )
    for check in report.stores:
        span = (
            f"positions {check.after_position + 1}..{check.last_position}"
            if check.last_position > check.after_position
            else "no events in the period"
        )
        if check.chain.intact and not any(p.store == check.store for p in report.problems):
            console.print(
                f"[green]✓[/] {check.store}: {_events(check.chain.events_checked)} ({span}),"
                f" chain intact from its anchor after position {check.after_position} to its recorded heads"
            )
        else:
            console.print(
                f"[red]✗[/] {check.store}: {'chain broken' if not check.chain.intact else 'differs from its signed heads'} ({span})"
            )
    signed = report.signed
    if not signed.present:
        console.print("  no signed chain heads in the bundle (exported without JetStream, or before heads were signed)")
    elif not any(p.file == bundle_heads.FILE for p in report.problems):
        console.print(
            f"[green]✓[/] signed heads: {signed.checked}, each verifying with public key {signed.key_id}"
            " and matching the event at its position (compare the key id with the platform's)"
        )
    documents = report.documents
    if (documents.included or documents.erased) and not any(p.file.startswith("documents") for p in report.problems):
        console.print(
            f"[green]✓[/] documents: {documents.included} in the bundle, each hashing to the SHA-256 its events recorded"
            + (f"; {documents.erased} erased before the export" if documents.erased else "")
        )
    for problem in report.problems:
        console.print(f"[red]✗[/] {escape(str(problem))}")
    if report.intact:
        console.print("[bold green]bundle intact[/]")
    else:
        console.print(f"[bold red]bundle NOT intact[/]: {len(report.problems)} problem(s)")


def print_documents(report: DocumentsReport) -> bool:
    """`scrutiny verify`'s lines for the live documents; True when every one matches its hash."""
    numbers = ", ".join(str(n) for n in sorted(set(report.erased.values())))
    erased = f"; {len(report.erased)} erased (erasure {numbers})" if report.erased else ""
    if report.intact:
        console.print(
            f"[green]✓[/] documents: {report.blobs_checked} stored, each matching its SHA-256;"
            f" {report.references} attachments in events, each to a stored document{' or an erased one' if erased else ''}{erased}"
        )
    else:
        console.print(f"[red]✗[/] documents: {len(report.problems)} problem(s) in {report.blobs_checked} stored{erased}")
        for problem in report.problems:
            console.print(f"    {escape(problem)}")
    return report.intact
