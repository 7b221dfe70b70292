# make docs       the docs site in _docs/, built offline from the notebooks (tools/build_docs.py; docs/conf.py)
# make docs-test  build it and open every page in headless Chromium (tests/test_docs.py; needs apt's chromium)
# make student    the student version of the notebooks in student/: every solution replaced by nbgrader's stub
PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

docs: docs/node_modules/.package-lock.json
	$(PYTHON) tools/build_docs.py

# MathJax 3, require.js and the ipywidgets html-manager, at the versions pinned in docs/package-lock.json
docs/node_modules/.package-lock.json: docs/package.json docs/package-lock.json
	cd docs && npm ci --no-audit --no-fund --ignore-scripts

docs-test:
	$(PYTHON) -m pytest tests/test_docs.py -v

student:
	$(PYTHON) tools/exercises.py student --out student

.PHONY: docs docs-test student
