# Sphinx configuration of the docs site (`make docs`: tools/build_docs.py runs `sphinx-build -c docs _proc/_sphinx ...` into _docs/).
# The pages are nbdev's processed notebooks, rendered by myst-nb without executing them. Every script a page loads is
# served from the site itself: MathJax 3 and the Jupyter widgets manager come from docs/node_modules (npm ci in docs/).
import shutil
from pathlib import Path
from nbdev.config import get_config

DOCS = Path(__file__).resolve().parent
NODE = DOCS/'node_modules'
cfg = get_config(path=DOCS.parent)

project, author, copyright = cfg.title, cfg.author, cfg.copyright
release = version = cfg.version
extensions = ['myst_nb']
exclude_patterns = ['_doctrees', '**.ipynb_checkpoints']
suppress_warnings = ['mystnb.unknown_mime_type']

# myst-nb: render the stored outputs, never run a kernel
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'          # show_doc's markdown output: tables, code blocks, links
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence', 'html_image']
myst_heading_anchors = 3
myst_all_links_external = True           # nbdev's links (`data.html#load_idx`) are plain hrefs, not doc references
nb_merge_streams = True

# MathJax 3 from _static/mathjax (copied from node_modules below), not from a CDN
mathjax_path = 'mathjax/tex-chtml.js'
# Widgets: require.js + the html-manager's AMD embed script, from _static/widgets; no crossorigin attribute (it
# would turn the file:// loads into CORS requests, which Chromium refuses). Unknown widget modules: no CDN either.
nb_ipywidgets_js = {'widgets/require.js': {}, 'widgets/require-config.js': {},
                    'widgets/embed-amd.js': {'data-jupyter-widgets-cdn': 'widgets/'}}

html_theme = 'sphinx_book_theme'
html_title = cfg.title
html_static_path = ['_static']
html_css_files = ['custom.css']
html_favicon = '_static/favicon.svg'   # without one, browsers ask the server for /favicon.ico (a 404)
html_js_files = ['mathjax2-shim.js']      # after the MathJax config (priority 500), before MathJax runs (deferred)
html_theme_options = {
    'repository_url': cfg.git_url, 'use_repository_button': True, 'path_to_docs': 'nbs',
    'home_page_in_toc': True, 'show_toc_level': 2,
}
html_show_search_summary = False   # summaries fetch() each page: CORS-blocked on file://
html_context = {'default_mode': 'auto'}   # else a fresh browser logs 'Got invalid theme mode' as a console error

# Vendored files copied into _static after the build: (source under node_modules, target under _static, skipped names)
VENDOR = [('mathjax/es5/tex-chtml.js', 'mathjax/tex-chtml.js', ()),
          ('mathjax/es5/output/chtml/fonts/woff-v2', 'mathjax/output/chtml/fonts/woff-v2', ()),
          ('mathjax/es5/input/tex/extensions', 'mathjax/input/tex/extensions', ()),   # loaded on demand (autoload)
          ('requirejs/require.js', 'widgets/require.js', ()),
          ('@jupyter-widgets/html-manager/dist/embed-amd.js', 'widgets/embed-amd.js', ()),
          ('@jupyter-widgets/html-manager/dist', 'widgets/@jupyter-widgets/html-manager/dist', ('*.js', '*.map', '*.txt'))]

def copy_vendor(app, exc):
    "Copy the npm-installed scripts (and MathJax's fonts and extensions) into the built site's _static"
    if exc or app.builder.format != 'html': return
    for src,dst,skip in VENDOR:
        s, d = NODE/src, Path(app.outdir)/'_static'/dst
        if not s.exists(): raise FileNotFoundError(f'{s} is missing: run `npm ci` in docs/ (or `make docs`)')
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir(): shutil.copytree(s, d, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*skip))
        else: shutil.copy2(s, d)

def setup(app): app.connect('build-finished', copy_vendor)
