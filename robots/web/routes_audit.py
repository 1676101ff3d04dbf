"""Placeholder: filled in by the audit pages work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
