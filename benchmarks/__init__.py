"""aioglacier's benchmarks: ``python -m benchmarks`` (see ``benchmarks/cli.py``)."""
