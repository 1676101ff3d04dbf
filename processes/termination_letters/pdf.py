"""Word -> PDF with LibreOffice headless (Debian's ``libreoffice-writer-nogui``).

Each worker process gets a LibreOffice profile of its own (``-env:UserInstallation``): two
soffice instances sharing one profile block each other or fail, and parallel workers are the
normal case. The first conversion with a fresh profile takes a few seconds longer.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from robots.runtime import ApplicationError

INSTALL_HINT = ("install Debian's libreoffice-writer-nogui (DEBIAN_FRONTEND=noninteractive apt-get install -y "
                "--no-install-recommends libreoffice-writer-nogui, or run scripts/setup.sh)")


def soffice_command(configured: str = "") -> str:
    """The soffice executable: the configured path, or ``soffice`` on PATH; ApplicationError when missing."""
    found = shutil.which(configured or "soffice")
    if not found:
        where = f"{configured!r} (soffice_path)" if configured else "soffice on PATH"
        raise ApplicationError("soffice_missing", f"cannot convert letters to PDF: LibreOffice not found as {where}; "
                               f"{INSTALL_HINT}")
    return found


def profile_dir() -> Path:
    """This worker process's private LibreOffice profile: made on first use, removed when the process ends."""
    return _profile_for(os.getpid())


@functools.cache
def _profile_for(pid: int) -> Path:  # keyed by pid: a forked worker makes its own
    path = Path(tempfile.mkdtemp(prefix=f"robots-soffice-{pid}-"))
    atexit.register(_remove_profile, path, pid)
    return path


def _remove_profile(path: Path, pid: int) -> None:
    if os.getpid() == pid:  # not from a forked child that inherited the handler
        shutil.rmtree(path, ignore_errors=True)


def docx_to_pdf(docx: bytes, *, soffice: str = "", timeout_seconds: float = 120.0, name: str = "brev") -> bytes:
    """The PDF LibreOffice makes of ``docx`` (an ApplicationError, retried, when it fails)."""
    command = soffice_command(soffice)
    with tempfile.TemporaryDirectory(prefix="robots-letter-") as work:
        source = Path(work) / f"{name}.docx"
        source.write_bytes(docx)
        args = [command, f"-env:UserInstallation={profile_dir().as_uri()}", "--headless", "--norestore",
                "--nolockcheck", "--convert-to", "pdf", "--outdir", work, str(source)]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout_seconds, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ApplicationError("pdf_conversion_failed",
                                   f"LibreOffice did not convert the letter within {timeout_seconds:.0f} s") from None
        target = source.with_suffix(".pdf")
        if done.returncode != 0 or not target.exists():
            output = (done.stderr or done.stdout).decode(errors="replace").strip()[-300:]
            raise ApplicationError("pdf_conversion_failed",
                                   f"LibreOffice could not convert the letter (exit {done.returncode}): {output}")
        pdf = target.read_bytes()
    if not pdf.startswith(b"%PDF-"):
        raise ApplicationError("pdf_conversion_failed", "LibreOffice wrote something that is not a PDF")
    return pdf


__all__ = ["INSTALL_HINT", "docx_to_pdf", "profile_dir", "soffice_command"]
