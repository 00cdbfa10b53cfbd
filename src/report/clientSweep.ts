/** The k curve section of a sweep's report: a function of the page script (clientScript.ts). */
export const SWEEP_SCRIPT = String.raw`
  function sweepSection(sweep) {
    var section = el('section', 'sweep');
    section.appendChild(text('h2', '', 'k curve: ' + sweep.input));
    var points = sweep.points;
    var ns = 'http://www.w3.org/2000/svg';
    var w = 640, h = 290, left = 56, right = 64, top = 30, bottom = 36;
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.setAttribute('class', 'curve');
    function svgEl(tag, attrs, content) {
      var node = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (a) { node.setAttribute(a, String(attrs[a])); });
      if (content !== undefined) node.textContent = String(content);
      svg.appendChild(node);
      return node;
    }
    var ks = points.map(function (p) { return Math.log2(p.k); });
    var kMin = Math.min.apply(null, ks), kMax = Math.max.apply(null, ks);
    var finite = points.filter(function (p) { return p.psnr !== null; }).map(function (p) { return p.psnr; });
    var pMin = Math.min.apply(null, finite), pMax = Math.max.apply(null, finite);
    var bMax = Math.max.apply(null, points.map(function (p) { return p.outputBytes; }));
    function x(k) { return left + (kMax > kMin ? (Math.log2(k) - kMin) / (kMax - kMin) : 0.5) * (w - left - right); }
    function yPsnr(v) { return top + (pMax > pMin ? (pMax - v) / (pMax - pMin) : 0.5) * (h - top - bottom); }
    function yBytes(v) { return top + (1 - v / (bMax || 1)) * (h - top - bottom); }
    svgEl('line', { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, stroke: '#888' });
    points.forEach(function (p) { svgEl('text', { x: x(p.k), y: h - bottom + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#ccc' }, p.k); });
    svgEl('text', { x: 8, y: 14, 'font-size': 11, fill: '#6cf' }, 'PSNR dB');
    svgEl('text', { x: w - right + 6, y: 14, 'font-size': 11, fill: '#fc6' }, 'bytes');
    svgEl('text', { x: 8, y: yPsnr(pMin), 'font-size': 11, fill: '#6cf' }, pMin.toFixed(1));
    svgEl('text', { x: 8, y: yPsnr(pMax) + 10, 'font-size': 11, fill: '#6cf' }, pMax.toFixed(1));
    svgEl('text', { x: w - right + 6, y: yBytes(bMax) + 10, 'font-size': 11, fill: '#fc6' }, bytes(bMax));
    var psnrLine = points.filter(function (p) { return p.psnr !== null; }).map(function (p) { return x(p.k) + ',' + yPsnr(p.psnr); }).join(' ');
    svgEl('polyline', { points: psnrLine, fill: 'none', stroke: '#6cf', 'stroke-width': 2 });
    svgEl('polyline', { points: points.map(function (p) { return x(p.k) + ',' + yBytes(p.outputBytes); }).join(' '), fill: 'none', stroke: '#fc6', 'stroke-width': 2 });
    if (sweep.knee !== undefined && sweep.knee !== null) {
      var kx = x(sweep.knee);
      svgEl('line', { x1: kx, y1: top, x2: kx, y2: h - bottom, stroke: '#e55', 'stroke-dasharray': '4 3' });
      svgEl('text', { x: kx + 4, y: top + 22, 'font-size': 11, fill: '#e55' }, 'knee k=' + sweep.knee);
    }
    section.appendChild(svg);
    var grid = el('div', 'kgrid');
    if (sweep.original) grid.appendChild(el('figure', '', [image(sweep.original, 'original', true), text('figcaption', '', 'original')]));
    points.forEach(function (p) {
      grid.appendChild(el('figure', p.k === sweep.knee ? 'knee' : '', [image(p.thumb, 'k=' + p.k, true),
        text('figcaption', '', 'k=' + p.k + ', ' + psnr(p.psnr) + ', ' + bytes(p.outputBytes))]));
    });
    section.appendChild(grid);
    if (sweep.loupe && sweep.loupe.length > 0)
      section.appendChild(loupeSection(sweep.loupe, sweep.original, sweep.width, sweep.height, sweep.knee));
    return section;
  }
`;
