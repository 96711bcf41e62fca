"""Job functions: importable by RQ by name, taking a generation id and nothing else."""

from __future__ import annotations

from studio.context import Studio, current


def run_generation_in(studio: Studio, generation_id: int) -> None:
    from studio.jobs.worker import process_generation

    process_generation(studio, generation_id)


def run_generation(generation_id: int) -> None:
    """Entry point for RQ workers (``python -m studio worker`` configures the studio first)."""
    run_generation_in(current(), generation_id)
