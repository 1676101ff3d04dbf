"""Placeholder: filled in by the dashboard pages work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
