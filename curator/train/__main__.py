"""`python -m curator.train train …` / `predict …`, and `torchrun -m curator.train train …`."""

import click

from curator.train.cli import predict_command, train_command
from curator.train.worker import run_main


@click.group()
def main() -> None:
    """curator's trainer and predictor."""


main.add_command(train_command)
main.add_command(predict_command)

if __name__ == "__main__":
    run_main(main)
