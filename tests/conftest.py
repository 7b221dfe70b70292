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

ERRORS_DRIVER = r"""
import contextlib, io, json, sys
from importlib.metadata import entry_points
name, cases = json.loads(sys.stdin.read())
main = next(e for e in entry_points(group='console_scripts') if e.name == name).load()   # what the installed script runs
results = []
for argv in cases:
    err, code = io.StringIO(), 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: main(argv)
        except SystemExit as e: code = e.code
        except BaseException as e: code, _ = 'crashed', err.write(f'Traceback: {type(e).__name__}: {e}')
    results.append([code, err.getvalue()])
print(json.dumps(results))
"""

def run_error_cases(name:str, cases:list, cwd=None, timeout=600)->list:
    "Each argument list in `cases` given to the installed console script `name`'s entry point, all in one fresh process (TensorFlow starts once): [(exit status, stderr)]."
    stdin = json.dumps([name, [[str(a) for a in args] for args in cases]])
    done = subprocess.run([sys.executable, '-c', ERRORS_DRIVER], input=stdin, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'})
    assert done.returncode == 0, done.stderr[-3000:]
    return [tuple(r) for r in json.loads(done.stdout.strip().splitlines()[-1])]

@pytest.fixture(scope='session')
def small_run(tmp_path_factory):
    "One small run of the command: (output folder, CompletedProcess, metrics)."
    out = tmp_path_factory.mktemp('small') / 'run'
    done = run_command(*SMALL, '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done, json.loads((out / 'metrics.json').read_text())
