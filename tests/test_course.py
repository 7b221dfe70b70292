"The course as a teacher uses it: every chapter's recap, exercises and reading list, the student build, and clean text."
import json, re, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import exercises as ex   # tools/exercises.py

CHAPTERS = sorted(p for p in (ROOT/'nbs').glob('[0-9]*.ipynb'))
TEXT_FILES = sorted((ROOT/'nbs').glob('*.ipynb')) + sorted((ROOT/'imgdl_nb').glob('*.py')) + sorted((ROOT/'tools').glob('*.py')) + [ROOT/'README.md']
CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')   # what '\a', '\b', '\f', '\v', '\r'... in a Python string become
# what is left of a LaTeX macro whose backslash a Python string escape ate ('\frac' -> form feed + 'rac', '\nabla' -> newline + 'abla')
LOST_MACRO = re.compile(r'(?<![\\A-Za-z])(rac|lpha|pprox|heta|imes|abla|ilde|arepsilon|oldsymbol|orall|ightarrow|eq(?=\s))(?![A-Za-z])')
MATH = re.compile(r'\$\$.+?\$\$|\$[^$]+\$', re.S)

def cells(path:Path)->list: return json.loads(path.read_text())['cells']
def source(cell)->str: return ''.join(cell['source'])
def notebook_number(path:Path)->str: return str(int(path.name.split('_')[0]))

@pytest.mark.parametrize('path', TEXT_FILES, ids=lambda p: p.name)
def test_no_control_characters(path):
    "No control character hides in a notebook cell, a module or the README (a lost LaTeX backslash leaves one)"
    texts = [source(c) for c in cells(path)] if path.suffix == '.ipynb' else [path.read_text()]
    bad = [(i, repr(t[max(m.start()-20, 0):m.end()+20])) for i, t in enumerate(texts) for m in CONTROL.finditer(t)]
    assert not bad, f'control characters (cell, context): {bad[:5]}'

@pytest.mark.parametrize('path', sorted((ROOT/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_formulas_kept_their_backslashes(path):
    "In markdown, inside $...$: no tab and no macro name missing its backslash (`rac{` for `\\frac{`, `abla` for `\\nabla`)"
    bad = []
    for i, c in enumerate(c for c in cells(path) if c['cell_type'] == 'markdown'):
        text = source(c)
        for m in MATH.finditer(text):
            if '\t' in m[0] or LOST_MACRO.search(m[0]): bad.append((i, m[0][:80]))
    assert not bad, f'formulas that lost a backslash (markdown cell, formula): {bad[:5]}'

def test_lost_macro_pattern():
    "The check above catches the damage the learner found, and not good LaTeX"
    assert LOST_MACRO.search('$\n rac{c_{model}}{c}$') and LOST_MACRO.search('$x \x07pprox y$') and LOST_MACRO.search('$$\nabla_x L$$'.replace('\\', '\n'))
    assert not LOST_MACRO.search(r'$\frac{a}{b} \approx \nabla_x \theta \times \tilde x \neq y$')

def sections(path:Path)->list:
    "(heading, [its cell and the cells up to the next ## heading]) for each `## ` section of a notebook"
    found = []
    for c in cells(path):
        if c['cell_type'] == 'markdown' and source(c).startswith('## '): found.append((source(c).splitlines()[0][3:].strip(), [c]))
        elif found: found[-1][1].append(c)
    return found

@pytest.mark.parametrize('path', CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_recap_exercises_reading(path):
    "Each chapter ends with a Recap (5-8 bullets), 4-8 exercises numbered after it, and Further reading with links"
    last = sections(path)[-3:]
    assert [h for h, _ in last] == ['Recap', 'Exercises', 'Further reading'], [h for h, _ in last]
    recap = ''.join(source(c) for c in cells(path) if c['cell_type'] == 'markdown' and source(c).startswith('## Recap'))
    assert 5 <= len(re.findall(r'^- ', recap, re.M)) <= 8, 'the recap has 5-8 bullets'
    exercise_cells = last[1][1]
    titles = [m[1] for c in exercise_cells if c['cell_type'] == 'markdown' for m in [re.match(r'### Exercise (\d+)\.(\d+):', source(c))] if m]
    assert 4 <= len(titles) <= 8 and set(titles) == {notebook_number(path)}, titles
    assert not any(re.search(r'^#\|\s*(export|exporti|hide|slow)\b', source(c), re.M) for c in exercise_cells if c['cell_type'] == 'code')
    code = [e for e in ex.exercises(ex.nbformat.read(path, as_version=4)) if e['kind'] == 'code']
    assert len(code) >= 2, 'at least two exercises with code and a check'
    assert len(re.findall(r'\]\(https?://', ''.join(source(c) for c in last[2][1]))) >= 3, 'further reading links to its sources'

def test_student_build(tmp_path):
    "`make student` writes every notebook with nbgrader's stubs in place of the solutions, and no exercise output"
    ex.write_student(tmp_path/'student')
    written = sorted((tmp_path/'student').glob('*.ipynb'))
    assert [p.name for p in written] == sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))
    for teacher, student in zip(sorted((ROOT/'nbs').glob('*.ipynb')), written):
        nb, solutions = ex.nbformat.read(student, as_version=4), ex.exercises(ex.nbformat.read(teacher, as_version=4))
        assert not any(ex.BEGIN in c.source or ex.END in c.source for c in nb.cells), student.name
        for e in solutions:
            assert ('raise NotImplementedError()' if e['kind'] == 'code' else 'YOUR ANSWER HERE') in nb.cells[e['cell']].source
            if e['kind'] == 'code': assert not nb.cells[e['cell']].outputs and not nb.cells[e['check']].outputs

def test_student_section_is_the_student_notebooks_exercise_section():
    "What `exercises.py test` runs as the student notebook: from the first exercise's heading through the last check, with stubs"
    nb = ex.nbformat.read(ROOT/'nbs'/'02_models.ipynb', as_version=4)
    start, cells = ex.student_section(nb)
    code = [e for e in ex.exercises(nb) if e['kind'] == 'code']
    assert ex._re_title.search(nb.cells[start].source)[1] == '2.1' and cells[-1][0] == code[-1]['check']
    assert [title for _, _, title in cells if title] == [e['title'] for e in code]
    stubs = {i: source for i, source, _ in cells}
    assert all('raise NotImplementedError()' in stubs[e['cell']] and ex.BEGIN not in stubs[e['cell']] for e in code)

def test_readme_run_times_are_the_measured_ones():
    "README's table of notebook run times is bench/notebook_times.py's stored measurement, for every chapter"
    measured = json.loads((ROOT/'bench'/'results'/'notebook_times.json').read_text())['seconds']
    assert sorted(measured) == [p.name for p in CHAPTERS]
    readme = (ROOT/'README.md').read_text()
    for name, seconds in measured.items(): assert f"| `{name.removesuffix('.ipynb')}` | {seconds:.0f} s |" in readme, name

@pytest.mark.parametrize('path', sorted((ROOT/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_stored_outputs_are_free_of_warnings_and_tracebacks(path):
    "A learner reading the stored outputs sees no TensorFlow warning, no traceback and no error stream"
    bad = [(i, o.get('name') or o['output_type']) for i, c in enumerate(cells(path)) if c['cell_type'] == 'code' for o in c.get('outputs', [])
           if o['output_type'] == 'error' or o.get('name') == 'stderr'
           or re.search(r'WARNING:tensorflow|Traceback \(most recent call last\)', ''.join(o.get('text', '')))]
    assert not bad, f'outputs with warnings or errors (cell, stream): {bad[:5]}'
