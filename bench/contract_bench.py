"""Generate + seal one contract, N times: template render, WeasyPrint PDF, executed PDF with the certificate of
completion, pyHanko PAdES seal. Prints the median and spread. No database: this is the CPU-bound part the
actions run in a worker thread (shared.contracts.actions), so the event loop never waits on it.

    uv run python bench/contract_bench.py [runs]
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from shared.contracts.documents import DEFAULT_TEMPLATE, document_html, render_body, sample_fields
from shared.contracts.evidence import Event
from shared.contracts.rules import ESIGN_CONSENT_VERSION, consent_hash
from shared.contracts.sealing import Certificate, executed_pdf, generated_seal_key, html_to_pdf, seal_pdf, sha256_hex


def one(key_dir: Path) -> tuple[float, float]:
    key = generated_seal_key(key_dir)
    started = time.perf_counter()
    body = render_body(DEFAULT_TEMPLATE, sample_fields())
    document = html_to_pdf(document_html(body, title="Agreement RC-0-1"))
    generated = time.perf_counter() - started
    now = dt.datetime.now(dt.UTC)
    events = [
        Event(i, kind, "creator", "Sample Creator", "203.0.113.7", "Mozilla/5.0 (iPhone)", now, {}, "0" * 64)
        for i, kind in enumerate(["created", "sent", "viewed", "consented", "signed", "countersigned"], start=1)
    ]
    cert = Certificate(
        "RC-0-1",
        "Agreement",
        "Sample Brand",
        "Sample Creator",
        sha256_hex(document),
        ESIGN_CONSENT_VERSION,
        consent_hash(),
        events,
        now,
    )
    sealed = seal_pdf(executed_pdf(body, "Agreement", cert), key, reason="Executed contract RC-0-1")
    assert sealed.startswith(b"%PDF")
    return generated, time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as folder:
        one(Path(folder))  # warm-up: fonts, imports, the key pair
        results = [one(Path(folder)) for _ in range(runs)]
    generate = sorted(r[0] for r in results)
    total = sorted(r[1] for r in results)
    print(f"runs: {runs}")
    print(
        f"generate (render + PDF): median {statistics.median(generate) * 1000:.0f} ms, "
        f"min {generate[0] * 1000:.0f}, max {generate[-1] * 1000:.0f}"
    )
    print(
        f"generate + seal (render + PDF + certificate PDF + PAdES): median {statistics.median(total) * 1000:.0f} ms, "
        f"min {total[0] * 1000:.0f}, max {total[-1] * 1000:.0f}"
    )


if __name__ == "__main__":
    main()
