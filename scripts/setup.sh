#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine, idempotently:
# system packages (Chromium for Playwright, Tesseract for OCR), a virtualenv in .venv with the
# project and its dependencies, and the embedded database. Safe to run again; fast when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/dan.traineddata ] || [ -e /usr/share/tesseract-ocr/4.00/tessdata/dan.traineddata ] || need_apt+=(tesseract-ocr-dan)
command -v libreoffice >/dev/null 2>&1 || true  # optional; letters are converted to PDF in Python
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)  # termination letters: Word -> PDF
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.robots-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,bench]"
  touch "$stamp"
fi
.venv/bin/robots db upgrade >/dev/null
# The credential store's encryption key, outside the repository (ROBOTS_SECRET_KEY_FILE overrides).
key_file=${ROBOTS_SECRET_KEY_FILE:-$HOME/.config/robots/secret.key}
[ -n "${ROBOTS_SECRET_KEY:-}" ] || [ -f "$key_file" ] || .venv/bin/robots credentials new-key --file "$key_file"
echo "setup: ready (.venv, $(command -v chromium), $(tesseract --version 2>&1 | head -1))"
