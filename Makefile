# Two commands do all the set-up on a fresh Linux machine with Python 3.11+:
#   make demo   -> .venv, runtime packages, the main job on the built-in demo data
#   make test   -> .venv, runtime + test packages, the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench bench-instructions docs-image docs-decision-image docs-workbook-image docs-screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Cần Python 3.11 trở lên")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

demo: $(VENV)/.runtime
	$(BIN)/python run.py demo

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# Speed and scale (not part of the tests): generates 10,000 workbooks once into bench/cache/.
bench: $(VENV)/.runtime
	$(BIN)/python -m bench

# Instructions a file, counted by valgrind (apt-get install valgrind), on the corpus `make bench` made:
# ours/floor without the machine's noise.
bench-instructions: $(VENV)/.runtime
	$(BIN)/python -m bench.instructions

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The README's picture of the scoring sheet (needs LibreOffice and poppler-utils).
docs-image: $(VENV)/.runtime
	$(BIN)/python tools/render_template_image.py docs/mau_cham_diem.png

# The README's picture of the draft decision's first page (needs LibreOffice Writer and poppler-utils).
docs-decision-image: $(VENV)/.runtime
	$(BIN)/python tools/render_decision_image.py docs/du_thao_quyet_dinh.png

# The README's picture of the consolidated workbook's first printed page (needs LibreOffice and poppler-utils).
docs-workbook-image: $(VENV)/.runtime
	$(BIN)/python tools/render_workbook_image.py docs/tong_hop_in.png

# The README's screenshots of the HTML pages (after make demo; needs Debian's chromium).
docs-screenshots: $(VENV)/.dev
	$(BIN)/python tools/screenshots.py output docs

clean:
	rm -rf $(VENV) output/* input_templates/*.xlsx input_templates/20* bench/cache
