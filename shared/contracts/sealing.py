"""PDFs: the contract rendered by WeasyPrint, the certificate of completion, the PAdES seal (pyHanko).

All of it is CPU-bound and synchronous: callers run it in a worker thread (`asyncio.to_thread`).
The seal uses the deployment's key and certificate (CONTRACT_SIGNING_KEY / CONTRACT_SIGNING_CERT, PEM);
unset, a self-signed pair is generated once and kept under ./var/contract-seal (refused in production
by the settings), and an RFC 3161 timestamp is added when CONTRACT_TSA_URL is set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.contracts.documents import document_html
from shared.contracts.evidence import Event

SEAL_DIR = Path("var/contract-seal")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def html_to_pdf(document: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=document).write_pdf()
    return pdf


@dataclass(frozen=True)
class SealKey:
    key_pem: bytes
    cert_pem: bytes


def generated_seal_key(folder: Path = SEAL_DIR) -> SealKey:
    """A self-signed key pair for development and demos, made once and kept in `folder`."""
    key_path, cert_path = folder / "seal-key.pem", folder / "seal-cert.pem"
    if key_path.exists() and cert_path.exists():
        return SealKey(key_path.read_bytes(), cert_path.read_bytes())
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Rapport contract seal (self-signed, development)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rapport"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_path.write_bytes(key_pem)
    key_path.chmod(0o600)
    cert_path.write_bytes(cert_pem)
    return SealKey(key_pem, cert_pem)


def seal_key_from(key_pem: str | None, cert_pem: str | None, folder: Path = SEAL_DIR) -> SealKey:
    if key_pem and cert_pem:
        return SealKey(key_pem.encode(), cert_pem.encode())
    return generated_seal_key(folder)


@dataclass(frozen=True)
class Certificate:
    """What the certificate-of-completion page says."""

    reference: str
    title: str
    brand_name: str
    creator_name: str
    document_sha256: str
    consent_version: str
    consent_sha256: str
    events: Sequence[Event]
    executed_at: dt.datetime


_EVENT_LABELS = {
    "created": "Contract generated",
    "sent": "Sent to the creator",
    "viewed": "Opened by the creator",
    "consented": "Consent to electronic records",
    "signed": "Signed by the creator",
    "countersigned": "Countersigned by the brand",
    "executed": "Executed",
    "downloaded": "Downloaded",
    "reminded": "Reminder sent",
}


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def certificate_html(cert: Certificate) -> str:
    e = html.escape
    rows = []
    for event in cert.events:
        details = []
        if event.data.get("legal_name"):
            details.append(f"Typed legal name: {e(str(event.data['legal_name']))}")
        if event.data.get("identity"):
            details.append(f"Signed in with: {e(str(event.data['identity']))}")
        if event.data.get("method"):
            details.append(f"Verified by: {e(str(event.data['method']))}")
        if event.data.get("consent_sha256"):
            details.append(f"Consent text SHA-256: <span class=mono>{e(str(event.data['consent_sha256']))}</span>")
        if event.data.get("document_sha256"):
            details.append(f"Document SHA-256: <span class=mono>{e(str(event.data['document_sha256']))}</span>")
        rows.append(
            "<tr>"
            f"<td>{event.seq}</td><td>{e(_EVENT_LABELS.get(event.kind, event.kind))}</td>"
            f"<td>{e(_utc(event.at))}</td><td>{e(event.actor_label)}</td><td>{e(event.ip) or '—'}</td>"
            f"<td>{e(event.user_agent) or '—'}</td><td>{'<br>'.join(details)}</td>"
            "</tr>"
        )
    return (
        '<section class="certificate">'
        "<h1>Certificate of completion</h1>"
        f"<p>{e(cert.title)} · reference {e(cert.reference)} · between {e(cert.brand_name)} and "
        f"{e(cert.creator_name)}. Executed {e(_utc(cert.executed_at))}.</p>"
        f"<p>SHA-256 of the contract PDF that both parties were shown and signed (the pages before this one): "
        f'<span class="mono">{e(cert.document_sha256)}</span></p>'
        f"<p>Electronic records consent version {e(cert.consent_version)}, text SHA-256 "
        f'<span class="mono">{e(cert.consent_sha256)}</span></p>'
        '<table><colgroup><col style="width:4%"><col style="width:13%"><col style="width:12%">'
        '<col style="width:17%"><col style="width:11%"><col style="width:17%"><col style="width:26%">'
        "</colgroup><thead><tr><th>#</th><th>Event</th><th>Time</th><th>By</th><th>IP</th><th>Device</th><th>Evidence</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p>Every event above is kept in an append-only, hash-chained record. This PDF is sealed with a digital "
        "signature (PAdES) by the Rapport deployment that recorded it; any change to the file breaks the seal. "
        "Anyone can check a copy on this deployment's /verify page.</p>"
        "</section>"
    )


def executed_pdf(body_html: str, title: str, cert: Certificate) -> bytes:
    """The signed document followed by the certificate of completion, as one (unsealed) PDF."""
    return html_to_pdf(document_html(body_html, title=title, extra=certificate_html(cert)))


def seal_pdf(pdf: bytes, key: SealKey, *, reason: str, tsa_url: str | None = None) -> bytes:
    """A PAdES signature over the whole file, with the deployment's certificate embedded."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certs = list(load_certs_from_pemder_data(key.cert_pem))
    signer = signers.SimpleSigner(
        signing_cert=certs[0],
        signing_key=load_private_key_from_pemder_data(key.key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(certs),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="RapportSeal",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name="Rapport",
    )
    timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
    out = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper)
    sealed: bytes = out.getvalue()
    return sealed
