"""Escalation to human agents (filled by the handoff issue)."""

from __future__ import annotations
