# The README's two commands, for those who type `make`: both call book.py, which sets up .venv
# and the Node.js tools on first use.
PYTHON ?= python3

.PHONY: serve test setup
serve:
	$(PYTHON) book.py serve
test:
	$(PYTHON) book.py test
setup:
	$(PYTHON) book.py setup
