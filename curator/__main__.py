"""`python -m curator …` (also what `torchrun -m curator train …` runs)."""

from curator.cli import main

if __name__ == "__main__":
    main()
