"""Run the notebooks top to bottom and store their outputs, which are the docs (full-size: IMGDL_FULL=1, slow cells too).

Usage: python tools/execute_notebooks.py [nbs/00_data.ipynb ...] [--store CELL_ID ... | --store CELL_ID..]
(default: every notebook in nbs/). With IMGDL_FULL=0 the notebooks run in their quick mode and `#| slow` cells are
skipped, keeping their stored outputs. `--store` runs the whole notebook but writes back only the outputs of the named
cells (`ID..`: that cell and every cell after it), so new cells get outputs without re-storing a long full-size run.
TensorFlow's C++ start-up log lines, which the kernel captures as stderr output, are dropped; then run nbdev_clean."""
import json, os, re, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TF_LOG = re.compile(r'^(WARNING: All log messages before absl|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\]|To enable the following instructions|  self\.data_adapter)')

TF_PY_LOG = re.compile(r'^WARNING:tensorflow:')   # TensorFlow's Python logger (retracing notes), printed to stdout

def is_tf_log(output)->bool:
    "True for a stderr stream output made only of TensorFlow's C++ log lines."
    lines = [l for l in output.get('text', '').splitlines() if l.strip()]
    return output.get('name') == 'stderr' and bool(lines) and all(TF_LOG.match(l) for l in lines)

def without_tf_logs(outputs:list)->list:
    "`outputs` without TensorFlow's log lines: C++ stderr outputs dropped, Python-logger lines cut from streams."
    kept = []
    for o in outputs:
        if is_tf_log(o): continue
        if o.get('output_type') == 'stream':
            o['text'] = ''.join(l for l in o['text'].splitlines(keepends=True) if not TF_PY_LOG.match(l))
            if not o['text'].strip(): continue
        kept.append(o)
    return kept

SKIP = 'skip-execution'   # nbclient leaves cells with this tag (and their stored outputs) alone

def is_slow(cell)->bool:
    "True for a code cell flagged `#| slow` on its first line."
    return cell.cell_type == 'code' and cell.source.startswith('#| slow')

def stored_cells(nb, store:list)->set:
    "The ids of the cells whose new outputs are written back: every cell, or the ones `store` names (`ID..`: and all after)."
    ids = [c.get('id') for c in nb.cells]
    if not store: return set(ids)
    chosen = set()
    for s in store:
        name = s.removesuffix('..')
        if name not in ids: sys.exit(f'--store {s}: no cell with id {name!r} in this notebook')
        chosen |= set(ids[ids.index(name):]) if s.endswith('..') else {name}
    return chosen

WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'

def referenced_models(outputs:list, state:dict)->set:
    "The widget model ids that `outputs` display, with every model they refer to (children, layouts, links)."
    todo = [o['data'][WIDGET_VIEW]['model_id'] for o in outputs if WIDGET_VIEW in o.get('data', {})]
    seen = set()
    while todo:
        m = todo.pop()
        if m in seen or m not in state: continue
        seen.add(m); todo += re.findall(r'IPY_MODEL_([0-9a-f]+)', json.dumps(state[m]))
    return seen

def keep_widget_state(nb, old_state:dict):
    "Keep exactly the widget models that the notebook's outputs show: new ones from this run, old ones from kept outputs."
    new = nb.metadata.get('widgets', {}).get(WIDGET_STATE, {})
    pool = old_state.get('state', {}) | new.get('state', {})
    shown = referenced_models([o for c in nb.cells if c.cell_type == 'code' for o in c.outputs], pool)
    refs = {m: set(re.findall(r'IPY_MODEL_([0-9a-f]+)', json.dumps(v))) for m, v in pool.items()}
    shown |= {m for m, r in refs.items() if r and r <= shown}   # links (jslink) refer to shown models; nothing refers to them
    if not shown: nb.metadata.pop('widgets', None); return
    nb.metadata['widgets'] = {WIDGET_STATE: {'version_major': 2, 'version_minor': 0} | {k: v for k, v in new.items() if k != 'state'} | {'state': {m: pool[m] for m in sorted(shown)}}}

WIDGET_STATE = 'application/vnd.jupyter.widget-state+json'

def execute(path:Path, full:bool=True, store:list=None):
    "Execute one notebook in its folder (slow cells only when `full`) and write it back through a temporary file."
    nb = nbformat.read(path, as_version=4)
    before, keep = {c.get('id'): c.get('outputs') for c in nb.cells}, stored_cells(nb, store)
    old_state = nb.metadata.get('widgets', {}).get(WIDGET_STATE, {})
    skipped = [c for c in nb.cells if not full and is_slow(c)]
    for cell in skipped: cell.metadata.setdefault('tags', []).append(SKIP)
    NotebookClient(nb, timeout=1800, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    for cell in skipped:
        cell.metadata['tags'].remove(SKIP)
        if not cell.metadata['tags']: del cell.metadata['tags']
    for cell in nb.cells:
        if cell.cell_type == 'code': cell.outputs = without_tf_logs(cell.outputs) if cell.get('id') in keep else before[cell.get('id')]
    keep_widget_state(nb, old_state)
    tmp = path.with_name(f'.{path.name}.partial'); nbformat.write(nb, tmp); tmp.replace(path)
    print(f'executed {path.relative_to(ROOT)}')

if __name__ == '__main__':
    os.environ.setdefault('IMGDL_FULL', '1'); os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    args = sys.argv[1:]
    paths, store = (args[:args.index('--store')], args[args.index('--store')+1:]) if '--store' in args else (args, None)
    if store is not None and (len(paths) != 1 or not store): sys.exit('--store needs exactly one notebook and at least one cell id')
    for p in [Path(a).resolve() for a in paths] or sorted((ROOT/'nbs').glob('[!_]*.ipynb')): execute(p, os.environ['IMGDL_FULL'] == '1', store)
