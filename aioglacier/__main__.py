"""``python -m aioglacier``: the same as the ``aioglacier`` console script."""

from aioglacier.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
