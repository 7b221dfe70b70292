"Shared fixtures: the installed `imgdl_train` command, run once on a small subset."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

COMMAND = shutil.which('imgdl_train', path=str(Path(sys.executable).parent)) or shutil.which('imgdl_train')
SMALL = ['--epochs', '1', '--batch-size', '128', '--max-train-images', '3000', '--max-test-images', '1000', '--quiet']

def run_command(*args, env=None, timeout=600, cwd=None):
    "Run the installed console script; return the CompletedProcess."
    assert COMMAND, 'the imgdl_train console script is not installed (pip install -e .)'
    environment = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2', **(env or {})}
    return subprocess.run([COMMAND, *map(str, args)], capture_output=True, text=True, env=environment, timeout=timeout, cwd=cwd)

@pytest.fixture(scope='session')
def small_run(tmp_path_factory):
    "One small run of the command: (output folder, CompletedProcess, metrics)."
    out = tmp_path_factory.mktemp('small') / 'run'
    done = run_command(*SMALL, '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done, json.loads((out / 'metrics.json').read_text())
