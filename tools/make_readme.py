"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto, which cannot be installed here).

Usage: python tools/make_readme.py [--check]
--check exits 1 when README.md differs from what index.ipynb gives (CI runs it)."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HIDING = re.compile(r'^#\|\s*(hide|include:\s*false|eval:\s*false)\s*$', re.M)

def cell_markdown(cell:dict)->str:
    "Markdown for one cell: markdown as is; code without directives, followed by its text output."
    source = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return source
    if cell['cell_type'] != 'code' or re.search(r'^#\|\s*(hide|include:\s*false)\s*$', source, re.M): return ''
    code = '\n'.join(l for l in source.splitlines() if not l.startswith('#|')).strip()
    parts = [f'```python\n{code}\n```'] if code and not re.search(r'^#\|\s*echo:\s*false', source, re.M) else []
    for out in cell.get('outputs', []):
        text = out.get('text') or out.get('data', {}).get('text/plain')
        if text: parts.append('```\n' + ''.join(text).rstrip() + '\n```')
    return '\n\n'.join(parts)

def readme_text(notebook:Path=ROOT/'nbs'/'index.ipynb')->str:
    "The README that `notebook` gives."
    cells = json.loads(notebook.read_text())['cells']
    body = '\n\n'.join(t for t in map(cell_markdown, cells) if t.strip())
    note = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'
    return note + body.strip() + '\n'

if __name__ == '__main__':
    readme, text = ROOT/'README.md', readme_text()
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit('README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`')
        print('README.md matches nbs/index.ipynb')
    else:
        tmp = readme.with_name('.README.md.partial'); tmp.write_text(text); tmp.replace(readme)
        print('wrote README.md')
