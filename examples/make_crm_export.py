"""Write the synthetic CRM export shipped under examples/crm/ (two years, 40
accounts, 15 account managers, with the usual data-quality problems).

    .venv/bin/python examples/make_crm_export.py [--out examples/crm] [--seed 11]
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "examples" / "crm"))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    from cathedral.crm import synthetic  # the package must be built: it reads the engine's defaults
    out = synthetic.write_export(args.out, seed=args.seed)
    print(f"wrote the synthetic CRM export to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
