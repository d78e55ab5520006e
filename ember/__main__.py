"""``python -m ember`` / ``ember``: demo, info and bench subcommands."""

from __future__ import annotations

import sys

COMMANDS = {
    "info": ("ember.cli.info", "versions, BLAS, threads, devices and optional extras"),
    "demo": ("ember.cli.demo", "train a small CNN on the bundled digits"),
    "bench": ("ember.cli.bench", "run the benchmarks side by side with PyTorch"),
}


def _usage() -> str:
    rows = "\n".join(f"  {name:<7} {help_}" for name, (_, help_) in COMMANDS.items())
    return f"usage: ember COMMAND [options]\n\ncommands:\n{rows}\n\nRun `ember COMMAND --help` for a command's options."


def main(argv=None) -> int:
    import importlib

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"ember: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
