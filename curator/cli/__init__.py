"""The `curator` command (placeholder until the CLI lands)."""

import click


@click.group()
def cli() -> None:
    """curator: build facial-expression datasets from films."""


def main() -> None:
    cli()
