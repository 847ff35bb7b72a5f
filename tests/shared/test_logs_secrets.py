"""Log lines never carry secrets: redacted keys, and tracebacks without local variables (a failing action's locals
may hold a password or a TIN), in the readable (dev) format and in JSON."""

from __future__ import annotations

import logging

import pytest
import structlog

from shared.logs import configure_logging

TIN = "524713986"


def _fail(tin: str) -> None:
    secret_tin = tin  # a local a traceback with locals would print
    raise RuntimeError(f"failed for {len(secret_tin)} digits")


@pytest.mark.parametrize("json", [False, True])
def test_tracebacks_and_fields_carry_no_tin(json: bool, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=json)
    try:
        try:
            _fail(TIN)
        except RuntimeError:
            structlog.get_logger("test").exception("unhandled error", tin=TIN, foreign_tin=TIN)
            logging.getLogger("test.stdlib").exception("unhandled error")
        err = capfd.readouterr().err
        assert "unhandled error" in err and "RuntimeError" in err
        assert TIN not in err
    finally:
        configure_logging("INFO")
