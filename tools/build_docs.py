"""Build the docs site into _docs/ offline, without Quarto: nbdev processes the notebooks, Sphinx + myst-nb renders them.

Usage: python tools/build_docs.py [--skip-proc]   (`make docs` runs it; the JavaScript comes from docs/node_modules)
1. `nbdev.serve.proc_nbs` writes the processed notebooks to _proc/ (what `nbdev_proc_nbs` does, minus its Quarto
   install and pip run): `#| hide` and `#| export` cells removed, `show_doc` entries rendered, title cell -> front matter.
2. `sphinx_sources` turns the Quarto-flavoured results into notebooks myst-nb understands, in _proc/_sphinx/.
   Exercise solutions (nbgrader's markers) are folded: closed <details> blocks and code behind a "Show the solution" toggle.
3. sphinx-build renders those into _docs/ with docs/conf.py; nothing is executed and no page loads anything remote."""
import os, re, shutil, subprocess, sys, time
from pathlib import Path
import yaml
import execnb.nbio
from execnb.nbio import read_nb, write_nb, mk_cell

_nb2dict = execnb.nbio.nb2dict
def nb2dict(d, k=None):
    "execnb's `nb2dict`, except that a `source` that is a list (a widget link's [model, attribute]) is not cell text"
    return d if k == 'source' and isinstance(d, list) else _nb2dict(d, k)
execnb.nbio.nb2dict = nb2dict   # so that writing a notebook whose stored widgets use jslink does not fail

ROOT = Path(__file__).resolve().parent.parent
PROC, SRC, OUT = ROOT/'_proc', ROOT/'_proc'/'_sphinx', ROOT/'_docs'
# Quarto cell options -> the myst-nb cell tags that do the same
TAGS = {('echo','false'): 'remove-input', ('output','false'): 'remove-output', ('include','false'): 'remove-cell'}
_re_dir = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_src_link = re.compile(r'\[source\]\((\S+?)\)\{[^}]*\}')   # show_doc's Pandoc-style link attributes

def proc_notebooks():
    "nbdev's own processing of nbs/*.ipynb into _proc/ (the `nbdev_proc_nbs` core, called directly)"
    from nbdev.serve import proc_nbs
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    cwd = os.getcwd(); os.chdir(ROOT)   # nbdev finds settings.ini from the working folder
    try: return proc_nbs(n_workers=0, force=True)   # serial, in this process: TensorFlow is imported once
    finally: os.chdir(cwd)

def cell_options(cell)->dict:
    "Pop the leading `#| key: value` lines of a code cell; return them as a dict"
    lines, opts = cell.source.splitlines(), {}
    while lines and (m := _re_dir.match(lines[0])): opts[m[1]] = m[2].strip('"\'').lower(); lines.pop(0)
    cell.source = '\n'.join(lines)
    return opts

def local_links(text:str, doc_host:str)->str:
    "Make nbdev's doc links relative (`https://host/data.html#load_idx` -> `data.html#load_idx`)"
    text = _re_src_link.sub(r'<a class="sd-source-link" href="\1">source</a>', text)   # Pandoc link attributes
    if not doc_host: return text
    return text.replace(doc_host.rstrip('/')+'/', '')

def show_doc_md(md:str)->str:
    "show_doc's markdown without its leading `---` (no transitions inside an output), its heading given nbdev's anchor"
    md = re.sub(r'^\s*---\s*\n', '', md)
    # Quarto's id for `### load_idx` is `load_idx`, which nbdev's links and _modidx.py use; docutils would make `load-idx`
    m = re.search(r'^#{2,4} (\S+)\s*$', md, re.M)
    return f'<span class="sd-anchor" id="{m[1].lower()}"></span>\n\n' + md if m else md

def title_cell(fm:dict):
    "The page heading and summary that Quarto makes from the front matter"
    md = f"# {fm['title']}"
    if fm.get('description'): md += f"\n\n```{{container}} nb-summary\n{fm['description']}\n```"
    return mk_cell(md, 'markdown')

SOLUTION = re.compile(r'^[ \t]*### (BEGIN|END) SOLUTION[ \t]*$', re.M)   # nbgrader's markers (tools/exercises.py)

def fold_solution(cell):
    "Fold an exercise's solution: a markdown answer into a closed <details> block, a code cell's source behind a toggle."
    if not SOLUTION.search(cell.source): return
    if cell.cell_type == 'markdown':
        body = SOLUTION.sub('', cell.source).strip()
        cell.source = f'<details class="solution"><summary>Solution</summary>\n\n{body}\n\n</details>'
    else:
        cell.metadata['tags'] = cell.metadata.get('tags', []) + ['hide-input']
        cell.metadata['mystnb'] = {'code_prompt_show': 'Show the solution', 'code_prompt_hide': 'Hide the solution'}

def convert(src:Path, doc_host:str)->tuple:
    "Rewrite one processed notebook for myst-nb; returns (page name, notebook)"
    nb = read_nb(src)
    fm, cells = {}, []
    for cell in nb.cells:
        if cell.cell_type == 'raw' and cell.source.startswith('---'):   # front matter -> title + summary
            fm = yaml.safe_load(cell.source.strip().strip('-')) or {}
            cells.append(title_cell(fm)); continue
        if cell.cell_type == 'markdown':
            if re.fullmatch(r':::.*', cell.source.strip()): continue       # Quarto fenced-div markers (boxify)
            cell.source = local_links(cell.source, doc_host)
        fold_solution(cell)
        if cell.cell_type == 'code':
            opts = cell_options(cell)
            tags = [t for (k,v),t in TAGS.items() if opts.get(k) == v]
            if tags: cell.metadata['tags'] = cell.metadata.get('tags', []) + tags
            for o in cell.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = local_links(show_doc_md(''.join(md)), doc_host)
        cells.append(cell)
    nb.cells = cells
    name = Path(fm.get('output-file', src.name)).stem   # the same page names as nbdev's Quarto site (00_data -> data)
    return name, nb

def toctree(names:list)->str:
    "Sidebar: every page but index, in the notebooks' file-name order"
    return '```{toctree}\n:hidden:\n:caption: The course\n\n' + '\n'.join(names) + '\n```'

def sphinx_sources(proc:Path=PROC, dest:Path=SRC)->list:
    "Write myst-nb-ready notebooks for every processed notebook into `dest`; returns the page names in order"
    from nbdev.config import get_config
    doc_host = get_config().get('doc_host', '')
    shutil.rmtree(dest, ignore_errors=True); dest.mkdir(parents=True)
    pages = dict(convert(p, doc_host) for p in sorted(proc.glob('[!_.]*.ipynb')))   # 00_data, 01_..., 90_cli, index
    names = [n for n in pages if n != 'index']
    pages['index'].cells.append(mk_cell(toctree(names), 'markdown'))
    for n,nb in pages.items():
        nb.metadata.pop('path_', None)
        write_nb(nb, dest/f'{n}.ipynb')
    return ['index'] + names

def sphinx_build(src:Path=SRC, out:Path=OUT):
    "Render `src` into `out` with docs/conf.py; -W turns Sphinx warnings into errors"
    # myst-nb writes output images to <output folder>/../jupyter_execute: build inside _proc/, then move the site
    site = PROC/'_site'
    for d in (site, out): shutil.rmtree(d, ignore_errors=True)
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', str(ROOT/'docs'), '-d', str(PROC/'_doctrees'),
           '-W', '--keep-going', '-q', str(src), str(site)]
    subprocess.run(cmd, check=True)
    (site/'.nojekyll').touch()
    shutil.move(site, out)

if __name__ == '__main__':
    start = time.time()
    if '--skip-proc' not in sys.argv: proc_notebooks()
    pages = sphinx_sources()
    sphinx_build()
    size = sum(f.stat().st_size for f in OUT.rglob('*') if f.is_file())
    print(f'built {len(pages)} pages into {OUT.relative_to(ROOT)}/ ({size/2**20:.1f} MiB) in {time.time()-start:.0f} s')
