#!/usr/bin/env bash
# The two commands of README's quick start:
#   bash quickstart.sh train [imgdl_train flags]  set up, then train the default recipe and save the results
#   bash quickstart.sh test  [pytest flags]       set up (also chromium, npm, make for the docs), then run every check and test
# Setting up = the Fashion-MNIST files (Debian's dataset-fashion-mnist, unless $IMGDL_DATA or Keras' cache has them)
# and a virtual environment .venv with the package and its pinned dependencies. Both steps are skipped when done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}   # hide TensorFlow's C++ start-up chatter

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

have_data() {
  local d f
  for d in "${IMGDL_DATA:-}" /usr/share/datasets/fashion-mnist "$HOME/.keras/datasets/fashion-mnist"; do
    [ -n "$d" ] || continue
    for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
      [ -f "$d/$f" ] || continue 2
    done
    return 0
  done
  return 1
}

setup_data() {
  have_data && return 0
  echo "quickstart: installing Debian's dataset-fashion-mnist ..."
  apt_install dataset-fashion-mnist && have_data && return 0
  cat >&2 <<'MSG'
quickstart: the Fashion-MNIST files were not found and could not be installed with apt.
Copy the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
t10k-labels-idx1-ubyte.gz into a folder and run again with IMGDL_DATA=/that/folder.
MSG
  exit 1
}

setup_python() {
  local py=${PYTHON:-python3}
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "quickstart: needs Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv && "$py" -m venv .venv; }
  fi
  local stamp=".venv/.installed-$(cat settings.ini setup.py pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "quickstart: installing imgdl_nb and its pinned dependencies into .venv ..."
    { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[dev]"; } > .venv/pip.log 2>&1 ||
      { tail -40 .venv/pip.log >&2; echo "quickstart: pip install failed; full log in .venv/pip.log" >&2; exit 1; }
    rm -f .venv/.installed-*; touch "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

setup_docs_tools() {   # the docs tests build the site (make, npm) and open it in headless Chromium
  local missing=() tool
  for tool in chromium npm make; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "quickstart: installing ${missing[*]} (Debian packages) for the docs tests ..."
  apt_install "${missing[@]}" || echo "quickstart: could not install ${missing[*]}; the docs browser tests will be skipped" >&2
}

job=${1:-}; shift || true
case "$job" in
  train) setup_data; setup_python; exec imgdl_train "$@" ;;
  test)  setup_data; setup_python; setup_docs_tools; exec bash tools/run_tests.sh "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
