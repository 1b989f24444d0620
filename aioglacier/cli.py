"""Command-line interface (placeholder, replaced by the CLI frame)."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI."""
    return 0
