"""Run the notebooks top to bottom and store their outputs, which are the docs (full-size: IMGDL_FULL=1, slow cells too).

Usage: python tools/execute_notebooks.py [nbs/00_data.ipynb ...]   (default: every notebook in nbs/)
With IMGDL_FULL=0 the notebooks run in their quick mode and `#| slow` cells are skipped, keeping their stored outputs.
TensorFlow's C++ start-up log lines, which the kernel captures as stderr output, are dropped; then run nbdev_clean."""
import os, re, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TF_LOG = re.compile(r'^(WARNING: All log messages before absl|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\]|To enable the following instructions|  self\.data_adapter)')

def is_tf_log(output)->bool:
    "True for a stderr stream output made only of TensorFlow's C++ log lines."
    lines = [l for l in output.get('text', '').splitlines() if l.strip()]
    return output.get('name') == 'stderr' and bool(lines) and all(TF_LOG.match(l) for l in lines)

SKIP = 'skip-execution'   # nbclient leaves cells with this tag (and their stored outputs) alone

def is_slow(cell)->bool:
    "True for a code cell flagged `#| slow` on its first line."
    return cell.cell_type == 'code' and cell.source.startswith('#| slow')

def execute(path:Path, full:bool=True):
    "Execute one notebook in its folder (slow cells only when `full`) and write it back through a temporary file."
    nb = nbformat.read(path, as_version=4)
    skipped = [c for c in nb.cells if not full and is_slow(c)]
    for cell in skipped: cell.metadata.setdefault('tags', []).append(SKIP)
    NotebookClient(nb, timeout=1800, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    for cell in skipped:
        cell.metadata['tags'].remove(SKIP)
        if not cell.metadata['tags']: del cell.metadata['tags']
    for cell in nb.cells:
        if cell.cell_type == 'code': cell.outputs = [o for o in cell.outputs if not is_tf_log(o)]
    tmp = path.with_name(f'.{path.name}.partial'); nbformat.write(nb, tmp); tmp.replace(path)
    print(f'executed {path.relative_to(ROOT)}')

if __name__ == '__main__':
    os.environ.setdefault('IMGDL_FULL', '1'); os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    for p in [Path(a).resolve() for a in sys.argv[1:]] or sorted((ROOT/'nbs').glob('[!_]*.ipynb')): execute(p, os.environ['IMGDL_FULL'] == '1')
