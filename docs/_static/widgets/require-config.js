// embed-amd.js looks for its webpack assets (the Font Awesome fonts of widget icons) beside its AMD modules' URIs,
// which require.js resolves against baseUrl, by default the page's own folder. Point baseUrl at this folder, where
// docs/conf.py copies them (as widgets/@jupyter-widgets/html-manager/dist/*.woff2 ...).
require.config({baseUrl: new URL('./', document.currentScript.src).href});
