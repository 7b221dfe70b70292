"Shared fixtures: the installed `imgdl_train` and `imgdl_attack` commands, `imgdl_train` run once on a small subset."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

def installed(name): return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
COMMAND, ATTACK = installed('imgdl_train'), installed('imgdl_attack')
SMALL = ['--epochs', '1', '--batch-size', '128', '--max-train-images', '3000', '--max-test-images', '1000', '--quiet']

def run_command(*args, env=None, timeout=600, cwd=None, command=None):
    "Run the installed console script (default `imgdl_train`); return the CompletedProcess."
    command = command or COMMAND
    assert command, 'the console scripts are not installed (pip install -e .)'
    environment = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2', **(env or {})}
    return subprocess.run([command, *map(str, args)], capture_output=True, text=True, env=environment, timeout=timeout, cwd=cwd)

@pytest.fixture(scope='session')
def small_run(tmp_path_factory):
    "One small run of the command: (output folder, CompletedProcess, metrics)."
    out = tmp_path_factory.mktemp('small') / 'run'
    done = run_command(*SMALL, '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done, json.loads((out / 'metrics.json').read_text())
