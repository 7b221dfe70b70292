"""How long each notebook takes top to bottom in its default mode (the course's limit: 3 minutes on a 2-core laptop).

    python bench/notebook_times.py [nbs/03_train.ipynb ...] [--out bench/results/notebook_times.json]

Each notebook runs alone, one after the other, in a fresh process — as "Restart kernel and run all" does in
JupyterLab, imports and TensorFlow's start-up included — through nbdev's own test runner (`#| slow` cells skipped,
IMGDL_FULL unset). Prints a markdown table (the one in the README's course section) and writes the JSON."""
import argparse, json, os, platform, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 180   # seconds

def run_time(notebook:Path)->float:
    "Wall-clock seconds of one notebook run by `nbdev_test` in a fresh process; stops the benchmark if the notebook fails."
    env = {k: v for k, v in os.environ.items() if k != 'IMGDL_FULL'} | {'TF_CPP_MIN_LOG_LEVEL': '2'}
    start = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).with_name('nbdev_test')), '--path', str(notebook)], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode: sys.exit(f'{notebook.name} failed:\n{done.stderr[-3000:]}')
    return seconds

def table(times:dict)->str:
    "The markdown table of run times."
    rows = [f'| `{name}` | {s:.0f} s | {"yes" if s <= LIMIT else "**no**"} |' for name, s in times.items()]
    return '\n'.join(['| notebook | default mode, top to bottom | ≤ 3 min |', '|---|---|---|', *rows])

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('notebooks', nargs='*')
    parser.add_argument('--out', default=str(ROOT/'bench'/'results'/'notebook_times.json'))
    args = parser.parse_args()
    paths = [Path(p).resolve() for p in args.notebooks] or sorted((ROOT/'nbs').glob('[0-9]*.ipynb'))
    load, times = os.getloadavg(), {}
    for p in paths:
        times[p.name] = run_time(p); print(f'{p.name}: {times[p.name]:.0f} s', flush=True)
    result = dict(machine=f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores', load_before=load,
                  load_after=os.getloadavg(), limit_seconds=LIMIT, seconds=times)
    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f'.{out.name}.partial'); tmp.write_text(json.dumps(result, indent=2)); tmp.replace(out)
    print(table(times))

if __name__ == '__main__': main()
