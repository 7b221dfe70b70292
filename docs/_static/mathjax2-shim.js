// The widgets manager (embed-amd.js, @jupyter-widgets/html-manager 1.x) typesets widget output with MathJax 2's
// `MathJax.Hub.Queue(["Typeset", MathJax.Hub, el])`; the site loads MathJax 3, which has `typesetPromise` instead.
// Give MathJax 3 that one method, both before it starts and after (it replaces window.MathJax when it loads).
(function () {
  if (!window.MathJax) return;   // a page without formulas loads no MathJax; the widgets then skip typesetting
  const hub = {Queue(job) { if (window.MathJax.typesetPromise) MathJax.typesetPromise(job && job[2] ? [job[2]] : undefined); }};
  MathJax.Hub = hub;
  MathJax.startup = Object.assign(MathJax.startup || {}, {ready() { MathJax.startup.defaultReady(); MathJax.Hub = hub; }});
})();
