"""``python -m aioglacier.emulator --data-dir D [--host H] [--port P] ...``."""

from __future__ import annotations

import argparse
import asyncio
import sys

from aioglacier.emulator.faults import parse_fault_spec
from aioglacier.emulator.server import run_emulator_forever


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the emulator until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m aioglacier.emulator", description="Run the local Glacier emulator."
    )
    parser.add_argument("--data-dir", required=True, help="where archives and metadata live")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--job-delay-scale", type=float, default=0.0)
    parser.add_argument("--faults", default=None, help='e.g. "seed=1,upload_part:500=0.1"')
    parser.add_argument(
        "--no-verify-hashes", action="store_true", help="trust the clients' hash headers"
    )
    parser.add_argument(
        "--io-threads", type=int, default=16, help="threads for file I/O and hashing"
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0002,
        help="GIL switch interval in seconds for this process (short: the I/O threads get the "
        "GIL back quickly after each system call, which keeps small-upload latency low)",
    )
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="event loop (uvloop when installed)",
    )
    args = parser.parse_args(argv)
    try:
        faults = parse_fault_spec(args.faults) if args.faults else None
    except ValueError as exc:
        parser.error(f"--faults: {exc}")

    def emit(line: str) -> None:
        print(line, flush=True)

    sys.setswitchinterval(args.switch_interval)
    loop_factory = None
    if args.loop == "uvloop":
        try:
            import uvloop

            loop_factory = uvloop.new_event_loop
        except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
            pass
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(
            run_emulator_forever(
                args.data_dir,
                args.host,
                args.port,
                args.job_delay_scale,
                faults,
                emit,
                verify_hashes=not args.no_verify_hashes,
                io_threads=args.io_threads,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
