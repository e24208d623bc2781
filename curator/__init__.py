"""curator: build facial-expression datasets from films, AFEW-style, and train on them."""

__version__ = "0.1.0"
