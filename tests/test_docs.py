"""The docs site: `make docs` builds it offline, and every notebook page works in headless Chromium, from disk and over http.

Needs Debian's `chromium`, npm and make (skipped, saying so, without them, except under CI). Chromium is driven through the DevTools protocol
over a pipe (--remote-debugging-pipe: no port, no extra package), which reports every request, failed load, console
error and uncaught exception; all host names but localhost resolve to nothing, so a remote load fails loudly."""
import ast, fcntl, http.server, json, os, re, shutil, subprocess, sys, tempfile, threading, time
from functools import partial
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS, SITE = ROOT/'nbs', ROOT/'_docs'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost']
MISSING = [t for t in ('chromium', 'npm', 'make') if not (CHROMIUM if t == 'chromium' else shutil.which(t))]
# Skipped (saying why) on a laptop without them; never in CI, where `bash quickstart.sh test` installs them.
needs_browser = pytest.mark.skipif(bool(MISSING) and not os.environ.get('CI'), reason=f'needs {", ".join(MISSING)} (apt)')

def page_name(nb:Path)->str: return re.sub(r'^\d+_', '', nb.stem)   # nbdev's page names: 00_data.ipynb -> data.html

def notebook_facts(nb:Path)->dict:
    "What a notebook's page must (not) show, from the notebook itself"
    cells = json.loads(nb.read_text())['cells']
    src = lambda c: ''.join(c['source'])
    is_exp = lambda c: c['cell_type']=='code' and re.search(r'^#\|\s*(export|exporti|hide|default_exp)\b', src(c), re.M)
    shown = '\n'.join(src(c) for c in cells if not is_exp(c))
    hidden = []   # statements inside exported functions: show_doc shows signatures and docstrings, never bodies
    for c in filter(is_exp, cells):
        lines = src(c).splitlines()
        try: tree = ast.parse('\n'.join('' if l.startswith(('%', '!')) else l for l in lines))
        except SyntaxError: continue
        for f in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            body = f.body[1:] if ast.get_docstring(f) else f.body
            hidden += [l.strip() for s in body for l in lines[s.lineno-1:s.end_lineno]
                       if len(l.strip()) > 20 and not l.strip().startswith('#') and l.strip() not in shown]
    prose = re.sub(r'`[^`]*`', '', '\n'.join(src(c) for c in cells if c['cell_type']=='markdown'))   # minus code spans
    solution = lambda c: re.search(r'^\s*### BEGIN SOLUTION\s*$', src(c), re.M)
    return dict(math=bool(re.search(r'\$[^$\n]+\$', prose)), figure='"image/png"' in nb.read_text(), hidden=hidden,
                answers=sum(bool(solution(c)) for c in cells if c['cell_type'] == 'markdown'),
                code_solutions=sum(bool(solution(c)) for c in cells if c['cell_type'] == 'code'),
                widgets='application/vnd.jupyter.widget-view+json' in nb.read_text())

def exported(page:str)->list:
    "(name, anchor) of the public top-level functions and classes that nbdev's index puts on `page`"
    d = ast.literal_eval((ROOT/'imgdl_nb'/'_modidx.py').read_text().split('d = ', 1)[1])
    return [(k.rsplit('.', 1)[1], a.split('#')[1]) for m in d['syms'].values() for k,(a,_) in m.items()
            if a.startswith(f'{page}.html#') and '.' not in a.split('#')[1] and not k.rsplit('.', 1)[1].startswith('_')]   # nbdev documents public names

class Chrome:
    "Headless Chromium driven through the DevTools protocol on fds 3 (to it) and 4 (from it)"
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix='chromium-')   # a fresh --user-data-dir
        to_r, self.to_w = os.pipe(); self.from_r, from_w = os.pipe()
        def fds():   # in the child: move both ends above 4 first (either may be fd 3 or 4), then onto 3 and 4
            r, w = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3); os.dup2(w, 4)
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f'--user-data-dir={self.profile}', '--remote-debugging-pipe'],
                                     preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r); os.close(from_w)
        self.buf, self.n, self.events = b'', 0, []
        tid = self.call('Target.createTarget', url='about:blank')['targetId']
        self.sid = self.call('Target.attachToTarget', targetId=tid, flatten=True)['sessionId']
        for d in ('Page', 'Network', 'Runtime', 'Log'): self.call(f'{d}.enable', session=True)

    def _read(self)->dict:
        while b'\0' not in self.buf:
            chunk = os.read(self.from_r, 1<<16)
            if not chunk: raise RuntimeError('chromium closed the DevTools pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, session=False, **params):
        "Send one command and return its result; events that arrive meanwhile are kept in `self.events`"
        self.n += 1
        msg = dict(id=self.n, method=method, params=params, **({'sessionId': self.sid} if session else {}))
        os.write(self.to_w, json.dumps(msg).encode() + b'\0')
        while True:
            m = self._read()
            if m.get('id') == self.n:
                if 'error' in m: raise RuntimeError(f'{method}: {m["error"]}')
                return m['result']
            self.events.append(m)

    def js(self, expr): return self.call('Runtime.evaluate', session=True, expression=expr, awaitPromise=True,
                                         returnByValue=True)['result'].get('value')

    def open(self, url, ready='true', timeout=30)->list:
        "Load `url`, wait for the load event and then for the JS condition `ready`; returns the page's events"
        self.events = []
        self.call('Page.navigate', session=True, url=url)
        end = time.time() + timeout
        while not any(e.get('method') == 'Page.loadEventFired' for e in self.events):
            assert time.time() < end, f'{url} did not load'
            self.js('1')   # lets events arrive
        while not self.js(ready):
            assert time.time() < end, f'{url}: timed out waiting for {ready}'
            time.sleep(0.2)
        time.sleep(0.5); self.js('1')   # late requests (fonts, widget views)
        return self.events

    def close(self):
        try: self.call('Browser.close')
        except Exception: pass
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill()
        os.close(self.to_w); os.close(self.from_r)
        shutil.rmtree(self.profile, ignore_errors=True)

def problems(events:list, base:str)->list:
    "Failed or remote loads, console errors and uncaught exceptions among a page's DevTools events"
    res = []
    for e in events:
        m, p = e.get('method'), e.get('params', {})
        if m == 'Network.requestWillBeSent' and not p['request']['url'].startswith((base, 'data:', 'blob:', 'about:')):
            res.append(f"remote request: {p['request']['url']}")
        elif m == 'Network.loadingFailed': res.append(f"failed load: {p.get('errorText')} ({p.get('type')})")
        elif m == 'Network.responseReceived' and p['response']['status'] >= 400 and not base.startswith('file:'):
            res.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        elif m == 'Runtime.exceptionThrown': res.append(f"exception: {p['exceptionDetails'].get('exception', {}).get('description') or p['exceptionDetails']['text']}")
        elif m == 'Runtime.consoleAPICalled' and p['type'] in ('error', 'assert'):
            res.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p['args']]}")
        elif m == 'Log.entryAdded' and p['entry']['level'] == 'error': res.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}")
    return res

@pytest.fixture(scope='module')
def site():
    "Build the site with `make docs` (timed) and serve it on localhost too; yields {'file': url, 'http': url}"
    start = time.time()
    done = subprocess.run(['make', '-C', str(ROOT), 'docs', f'PYTHON={sys.executable}'], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    size = sum(f.stat().st_size for f in SITE.rglob('*') if f.is_file())
    print(f'\nmake docs: {time.time()-start:.0f} s, {size/2**20:.1f} MiB, {len(list(SITE.glob("*.html")))} html files')
    server = http.server.ThreadingHTTPServer(('localhost', 0), partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE)))
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {'file': SITE.as_uri() + '/', 'http': f'http://localhost:{server.server_port}/'}
    server.shutdown()

@pytest.fixture(scope='module')
def chrome():
    c = Chrome(); yield c; c.close()

NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('_'))
WAIT = "document.readyState=='complete' && (!window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true : MathJax.startup.promise.then(()=>true))"

# the heading (a rubric, in a cell output) that follows the show_doc anchor `%s`
SHOW_DOC = """(() => { let e = document.querySelector(`span.sd-anchor[id=${%s}]`); e = e && (e.closest('p') || e);
  while (e && !e.classList.contains('rubric')) e = e.nextElementSibling; return e && e.textContent; })()"""

@needs_browser
def test_sidebar_order(site):
    "The sidebar lists the pages in the notebooks' file-name order, after the home page"
    html = (SITE/'index.html').read_text()
    nav = re.findall(r'class="reference internal" href="(\w+)\.html"', html.split('bd-sidebar-primary', 1)[1].split('</nav>', 1)[0])
    want = [page_name(p) for p in NOTEBOOKS if p.stem != 'index']
    assert [n for n in nav if n != 'index'][:len(want)] == want, nav

@needs_browser
@pytest.mark.parametrize('scheme', ['file', 'http'])
@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_page(site, chrome, nb, scheme):
    base = site[scheme]
    page, facts = page_name(nb), notebook_facts(nb)
    # a page with stored widgets (an explorer) waits until they render from their stored state, with no kernel
    ready = f"(async () => (await ({WAIT})) && document.querySelectorAll('article .jupyter-widgets').length > 0)()" if facts['widgets'] else WAIT
    events = chrome.open(base + f'{page}.html', ready)
    assert not problems(events, base)
    text = chrome.js("document.querySelector('article').textContent")
    code = chrome.js("[...document.querySelectorAll('article pre')].map(p => p.textContent).join('\\n')")
    assert not re.search(r'^\s*#\|', code, re.M) and 'default_exp' not in text, 'cell directives or a default_exp cell are shown'
    flat = re.sub(r'\s+', ' ', text)
    shown = [l for l in facts['hidden'] if re.sub(r'\s+', ' ', l) in flat]
    assert not shown, f'lines of exported/hidden cells are shown: {shown[:3]}'
    if facts['math']: assert chrome.js("document.querySelectorAll('article mjx-container').length") > 0, 'formulas not typeset'
    if facts['figure']:
        assert chrome.js("[...document.querySelectorAll('article img')].filter(i => i.complete && i.naturalWidth > 0).length") > 0
    # exercise solutions are folded: written answers in closed <details class="solution">, code behind a closed toggle
    assert chrome.js("document.querySelectorAll('article details.solution:not([open])').length") == facts['answers']
    assert chrome.js("document.querySelectorAll('article details[open]').length") == 0
    assert chrome.js("[...document.querySelectorAll('article details.hide.above-input')].filter(d => d.textContent.includes('Show the solution')).length") == facts['code_solutions']
    for name, anchor in exported(page):   # show_doc's reference entry: nbdev's anchor, then a heading with the name
        assert (chrome.js(SHOW_DOC % json.dumps(anchor)) or '').startswith(name), f'no show_doc entry for {name}'

@needs_browser
def test_widget_and_search(site, chrome):
    "The stored ipywidgets state renders from local scripts, and the search page finds a word from a notebook"
    base = site['file']
    events = chrome.open(base + 'data.html', "document.querySelectorAll('.widget-slider').length > 0")
    assert not problems(events, base)
    # the adversarial explorer: an image menu, an ε slider and the precomputed views, linked in the browser (no kernel)
    events = chrome.open(base + 'adversarial.html', "document.querySelectorAll('.widget-dropdown select').length > 0")
    assert not problems(events, base)
    assert chrome.js("document.querySelectorAll('.widget-slider').length") > 0
    assert chrome.js("[...document.querySelectorAll('.widget-image')].filter(i => i.complete && i.naturalWidth > 0).length") > 0
    events = chrome.open(base + 'search.html?q=gzipped', "document.querySelectorAll('#search-results li').length > 0")
    assert not problems(events, base)
    assert 'data.html' in chrome.js("document.querySelector('#search-results').innerHTML")

def test_glue():
    "Quarto cell options become myst-nb tags; the front matter becomes title + summary; nbdev links become relative"
    sys.path.insert(0, str(ROOT/'tools'))
    from build_docs import convert
    from execnb.nbio import mk_cell, write_nb, read_nb, new_nb
    fm = "---\ntitle: Data\ndescription: The files\noutput-file: data.html\n---\n"
    cells = [mk_cell(fm, 'raw'), mk_cell('#| echo: false\nx = 1'), mk_cell("#| output: false\ny = 2"),
             mk_cell('#| include: false\nz = 3'), mk_cell('See [`f`](https://h.org/data.html#f).', 'markdown')]
    with tempfile.TemporaryDirectory() as d:
        write_nb(new_nb(cells), Path(d)/'00_data.ipynb')
        name, nb = convert(Path(d)/'00_data.ipynb', 'https://h.org/')
    assert name == 'data' and nb.cells[0].source.startswith('# Data') and 'The files' in nb.cells[0].source
    assert [c.metadata.get('tags') for c in nb.cells[1:4]] == [['remove-input'], ['remove-output'], ['remove-cell']]
    assert nb.cells[1].source == 'x = 1' and nb.cells[4].source == 'See [`f`](data.html#f).'
