"""Independent baseline implementations of the cathedral model (MODEL.md) for bench/compare_baselines.py."""
