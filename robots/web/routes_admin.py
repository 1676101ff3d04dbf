"""Placeholder: filled in by the admin pages work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
