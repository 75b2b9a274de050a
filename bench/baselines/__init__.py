"""Independent baseline implementations of the cathedral model (docs/model.md) for bench/compare_baselines.py."""
