# curator: two commands for a fresh machine —
#   make demo   set up .venv and run the pipeline on sample_media/
#   make test   set up .venv (with dev tools) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# torch is pinned so a machine with the local CPU wheel uses it; on a GPU machine,
# `make demo TORCH_SPEC=torch` takes the CUDA build PyPI offers instead.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
DEMO := demo_out

.PHONY: demo test lint install clean sample-media

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip "setuptools<81" wheel
	$(PIP) install -q "$(TORCH_SPEC)"
	# face-recognition asks for dlib's source build; dlib-bin is the same library as a wheel.
	$(PIP) install -q dlib-bin face-recognition-models Click numpy Pillow
	$(PIP) install -q --no-deps face-recognition
	$(PIP) install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/curator --db $(DEMO)/demo.db ingest sample_media/demo_film.mp4 --subs sample_media/demo_film.en.srt
	$(BIN)/curator --db $(DEMO)/demo.db propose
	$(BIN)/curator --db $(DEMO)/demo.db clips
	$(BIN)/curator --db $(DEMO)/demo.db label --accept-proposed --annotator demo
	$(BIN)/curator --db $(DEMO)/demo.db stats --plot $(DEMO)/class_distribution.png
	$(BIN)/curator --db $(DEMO)/demo.db export --xml $(DEMO)/xml --sfew $(DEMO)/sfew \
		--fer2013 $(DEMO)/fer2013.csv --afew $(DEMO)/afew
	@echo
	@echo "Demo done. In $(DEMO)/: demo.db (the database), xml/ (AFEW-style records),"
	@echo "sfew/ (aligned face crops, manifest, per-split plots), fer2013.csv, afew/ (clip videos)."
	@echo "Next:"
	@echo "  $(BIN)/curator --db $(DEMO)/demo.db review          # label in the terminal UI"
	@echo "  $(BIN)/curator cues sample_media/demo_film.en.srt   # the SDH evidence, cue by cue"
	@echo "  $(BIN)/curator train $(DEMO)/sfew --out $(DEMO)/run --init imagenet --epochs 3"

# The PostgreSQL tests run against a throwaway server where PostgreSQL is installed
# (.ci/with_postgres starts and removes it), and skip elsewhere.
test: $(STAMP)
	.ci/with_postgres $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check curator tests benchmarks sample_media migrations
	$(BIN)/lint-imports

sample-media: $(STAMP)
	$(BIN)/python sample_media/make_sample_media.py

clean:
	rm -rf $(DEMO) .pytest_cache .ruff_cache
