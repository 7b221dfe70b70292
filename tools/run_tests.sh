#!/usr/bin/env bash
# Every check and test, in order; run through `bash quickstart.sh test`, which sets up .venv first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

snapshot() { find "$@" -type f \( -name '*.ipynb' -o -name '*.py' \) -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha256sum; }

echo "== 1/5 notebooks are clean (nbdev_clean changes nothing)"
before=$(snapshot nbs); nbdev_clean; after=$(snapshot nbs)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") || true
  echo "FAIL: these notebooks were not clean; nbdev_clean has now cleaned them: commit the result (and run nbdev_install_hooks)"; exit 1
fi

echo "== 2/5 imgdl_nb/ is in sync with the notebooks (nbdev_export changes nothing)"
before=$(snapshot imgdl_nb); nbdev_export; after=$(snapshot imgdl_nb)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") || true
  echo "FAIL: imgdl_nb/ was out of date with nbs/; nbdev_export has now rewritten it: commit the result"; exit 1
fi

echo "== 3/5 README.md is generated from nbs/index.ipynb"
python tools/make_readme.py --check

echo "== 4/5 every notebook runs (nbdev_test; cells flagged slow are skipped), and every exercise's check fails unsolved"
python tools/exercises.py test

echo "== 5/5 the installed package from outside (pytest)"
python -m pytest tests --durations=12 "$@"
