"""`python -m curator …` (also what `torchrun -m curator train …` runs)."""

from curator.cli import main
from curator.train.worker import run_main

if __name__ == "__main__":
    run_main(main)
