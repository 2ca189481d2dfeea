PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Thin wrappers over the invoke tasks in tasks.py. The venv is (re)made when requirements change.
.PHONY: serve build publish deploy test clean check import bench lint
serve: $(VENV)/.installed
	$(BIN)/invoke serve
build: $(VENV)/.installed
	$(BIN)/invoke build
publish: $(VENV)/.installed
	$(BIN)/invoke publish
# make deploy [TO=target] [ARGS="--dry-run --force"]; without TO, DEPLOY_TO in publishconf.py.
deploy: $(VENV)/.installed
	$(BIN)/invoke deploy $(if $(TO),--to "$(TO)") $(ARGS)
test: $(VENV)/.installed node_modules/.installed
	$(BIN)/invoke test
check: $(VENV)/.installed node_modules/.installed
	$(BIN)/invoke check
clean: $(VENV)/.installed
	$(BIN)/invoke clean
import: $(VENV)/.installed
	$(BIN)/invoke import-posts --source "$(SOURCE)" --dest "$(DEST)" $(ARGS)
bench: $(VENV)/.installed
	$(BIN)/invoke bench
lint: $(VENV)/.installed
	$(BIN)/invoke lint

# The project itself, editable, with its runtime and dev requirements, every version pinned.
$(VENV)/.installed: pyproject.toml requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# axe-core for the accessibility checks (make test, make check only). Without npm the axe
# tests skip, loudly (CI installs npm and makes a skip a failure).
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the axe-core accessibility tests will be skipped (install Node.js)"; fi
