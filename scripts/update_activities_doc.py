"""Rewrites the generated tables of docs/activities.md from the engine's activity table.

    .venv/bin/python scripts/update_activities_doc.py [docs/activities.md]

tests/python/test_activities.py fails while the file differs from what this writes.
"""
import pathlib
import sys

from cathedral import activities

path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[1] / "docs" / "activities.md")
path.write_text(activities.rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
