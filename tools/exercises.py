"""The course's exercises: the student version of the notebooks, and the proof that every check can fail.

    python tools/exercises.py student [--out student]   (`make student`) the notebooks with every solution replaced
                                                         by a stub, by nbgrader's own ClearSolutions preprocessor
    python tools/exercises.py test [nbs/03_train.ipynb ...]   (the test command's notebook step) nbdev_test, except
                                                         that each code exercise's student version runs first

An exercise is nbgrader's format (../shared/NOTES.md): a markdown cell `### Exercise N.k: title`, then either a code
cell whose solution sits between `### BEGIN SOLUTION` and `### END SOLUTION` lines followed by a visible check cell,
or a markdown question followed by a markdown cell with the answer between those lines.

`test` runs every notebook the way `nbdev_test` does (same flags, same workers, slow cells skipped) and executes its
student version too. A notebook's exercises are its last section, and the student version differs from the teacher's
only there (checked), so the two share everything before the first exercise: that part runs once. Then one added cell
executes the student version of the section through its last check, cell by cell as a student runs it (a cell that
raises does not stop the next), recording whether each check fails; then the teacher's cells of the section run as
usual, and every check must pass. It fails unless every code exercise's check fails in the student notebook and passes
in the teacher's, and prints "N exercises (C with code checks, W written answers); C checks fail unsolved, C pass solved"."""
import argparse, json, re, shutil, sys, tempfile
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = '### BEGIN SOLUTION', '### END SOLUTION'
_re_title = re.compile(r'^###\s+Exercise\s+(\d+\.\d+)\s*:\s*(.+)$', re.M)

def clear_solutions(nb):
    "The student version of notebook `nb` (a copy): nbgrader's ClearSolutions stubs, and no stored output of an exercise."
    from nbgrader.preprocessors import ClearSolutions
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    exercise_cells = {id(nb.cells[i]) for e in exercises(nb) for i in (e['cell'], e.get('check')) if i is not None}
    nb, _ = ClearSolutions(enforce_metadata=False).preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == 'code' and id(cell) in exercise_cells: cell.outputs, cell.execution_count = [], None
    return nb

def exercises(nb)->list:
    "Each solution of `nb`: its exercise's number and title, its cell's index, its kind, and (code) its check cell."
    found, title = [], None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == 'markdown' and (m := _re_title.search(cell.source)): title = f'{m[1]}: {m[2].strip()}'
        if not any(l.strip() == BEGIN for l in cell.source.splitlines()): continue
        if title is None: raise ValueError(f'cell {i} has a solution but no "### Exercise N.k: title" heading before it')
        e = dict(title=title, cell=i, kind='code' if cell.cell_type == 'code' else 'question')
        if e['kind'] == 'code':
            checks = [j for j in range(i+1, len(nb.cells)) if nb.cells[j].cell_type == 'code'][:1]
            if not checks or any(c.cell_type == 'markdown' and _re_title.search(c.source) for c in nb.cells[i+1:checks[0]]):
                raise ValueError(f'exercise {title}: its solution cell {i} has no check cell after it')
            e['check'] = checks[0]
        found.append(e)   # an exercise may have several parts: code, then a written answer
    return found

def write_student(out:Path):
    "Write the student version of every notebook in nbs/ to `out` (replaced whole, through a temporary folder)."
    tmp = out.with_name(f'.{out.name}.partial'); shutil.rmtree(tmp, ignore_errors=True); tmp.mkdir(parents=True)
    counts = []   # solutions per notebook
    for path in sorted((ROOT/'nbs').glob('*.ipynb')):
        nb = nbformat.read(path, as_version=4)
        counts.append(len(exercises(nb))); nbformat.write(clear_solutions(nb), tmp/path.name)
    shutil.rmtree(out, ignore_errors=True); tmp.rename(out)
    print(f'wrote {len(counts)} student notebooks to {out}; {sum(counts)} solutions replaced by stubs')

STUDENT_RUN = '''# the student notebook from here on, as nbgrader's ClearSolutions leaves it (added by tools/exercises.py; not in the notebook)
for _cell, _source, _exercise in {cells!r}:   # each cell runs, whether or not the one before it raised, as a student runs them
    try:
        exec(compile(_source, f'student notebook, cell {{_cell}}', 'exec'), globals())
        _outcome = 'passes'
    except BaseException as _error: _outcome = f'fails ({{type(_error).__name__}})'
    if _exercise:   # a check cell: record its outcome
        with open({log!r}, 'a') as _log: _log.write(__import__('json').dumps(dict(notebook={notebook!r}, exercise=_exercise, student=_outcome)) + '\\n')'''

def student_section(nb)->tuple:
    "Where `nb`'s exercise section starts, and its code cells through the last check in the student version: (index, source, exercise title of a check cell, else None)."
    found = exercises(nb)
    if not found: return len(nb.cells), []
    start = max(i for i in range(found[0]['cell'] + 1) if nb.cells[i].cell_type == 'markdown' and _re_title.search(nb.cells[i].source))
    student = clear_solutions(nb)
    changed = [i for i, (a, b) in enumerate(zip(nb.cells, student.cells)) if a.source != b.source]
    if changed and changed[0] < start: raise ValueError(f'cell {changed[0]} changes in the student version but comes before the exercises (cell {start})')
    checks = {e['check']: e['title'] for e in found if e['kind'] == 'code'}
    end = max(checks, default=start - 1) + 1   # through the last check: cells after it (a clean-up) run once, with the teacher's
    return start, [(i, student.cells[i].source, checks.get(i)) for i in range(start, end) if nb.cells[i].cell_type == 'code']

def with_student_runs(nb, notebook:str, log:str):
    "Insert, where the exercises of the (nbdev-processed) notebook `nb` start, a cell that executes the student version of the rest."
    from execnb.nbio import mk_cell
    raw = nbformat.from_dict(json.loads(json.dumps(nb)))
    raw.metadata.setdefault('kernelspec', {'language': 'python', 'name': 'python3', 'display_name': 'Python 3'})   # ClearSolutions' stub language
    start, cells = student_section(raw)
    if cells: nb.cells.insert(start, mk_cell(STUDENT_RUN.format(cells=cells, log=log, notebook=notebook), 'code'))
    return nb

def run_tests(paths:list)->int:
    "nbdev_test on `paths` (all notebooks if empty) with the student runs added; a summary; 0 when all is well."
    import nbdev.test
    log = Path(tempfile.mkstemp(prefix='exercises-', suffix='.jsonl')[1])
    class StudentShell(nbdev.test.CaptureShell):
        def __init__(self, path=None, *args, **kwargs): self.notebook = Path(path).name; super().__init__(path, *args, **kwargs)
        def run_all(self, nb, *args, **kwargs): return super().run_all(with_student_runs(nb, self.notebook, str(log)), *args, **kwargs)
    nbdev.test.CaptureShell = StudentShell
    failed = None
    try:
        for path in paths or [None]: nbdev.test.nbdev_test(path=path, timing=True, do_print=True)
    except SystemExit as e: failed = e.code
    return summary(paths, log, failed)

def summary(paths:list, log:Path, failed)->int:
    "Count the exercises and the student runs' outcomes; print the verdict."
    files = [Path(p) for p in paths] or sorted((ROOT/'nbs').glob('[!_]*.ipynb'))
    all_exercises = {f.name: exercises(nbformat.read(f, as_version=4)) for f in files}
    runs = [json.loads(l) for l in log.read_text().splitlines()]; log.unlink()
    code = sum(e['kind'] == 'code' for es in all_exercises.values() for e in es)
    written = sum(e['kind'] == 'question' for es in all_exercises.values() for e in es)
    titled = sum(len({e['title'] for e in es}) for es in all_exercises.values())
    fails = sum(r['student'].startswith('fails') for r in runs)
    for r in runs:
        if not r['student'].startswith('fails'): print(f"FAIL: {r['notebook']}, exercise {r['exercise']}: its check passes without a solution")
    solved = code if failed is None else 'not all'
    print(f'{titled} exercises ({code} with code checks, {written} written answers); {fails} checks fail unsolved, {solved} pass solved')
    if len(runs) != code and failed is None: print(f'FAIL: {len(runs)} student runs for {code} code exercises'); return 1
    return 1 if failed is not None or fails != code else 0

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='job', required=True)
    sub.add_parser('student').add_argument('--out', default=str(ROOT/'student'))
    sub.add_parser('test').add_argument('paths', nargs='*')
    args = parser.parse_args()
    if args.job == 'student': write_student(Path(args.out).resolve())
    else: sys.exit(run_tests(args.paths))
