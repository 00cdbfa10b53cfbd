/**
 * The report page's own script, inlined into the HTML (no library, no network). It reads the
 * report's JSON from an inert `application/json` block and builds the page with DOM calls only:
 * every name, path and message from a manifest becomes a text node, never markup, and image
 * sources are accepted only as base64 data URIs. The page's Content-Security-Policy allows this
 * script by its hash and nothing else.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var SAFE_URI = /^data:image\/(webp|png);base64,[A-Za-z0-9+\/=]+$/;
  var SAFE_HEX = /^#[0-9a-f]{6}([0-9a-f]{2})?$/;

  function el(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  function text(tag, className, value) {
    var node = el(tag, className);
    node.textContent = String(value);
    return node;
  }
  function image(uri, alt, lazy) {
    var img = el('img');
    img.alt = alt;
    if (!SAFE_URI.test(uri || '')) return img;
    if (lazy && 'IntersectionObserver' in window) {
      img.dataset.src = uri;
      lazyImages.observe(img);
    } else img.src = uri;
    return img;
  }
  var lazyImages = 'IntersectionObserver' in window
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (!e.isIntersecting) return;
          e.target.src = e.target.dataset.src;
          lazyImages.unobserve(e.target);
        });
      }, { rootMargin: '200px' })
    : null;

  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }
  function psnr(p) { return p === null ? 'lossless' : p.toFixed(2) + ' dB'; }
  function ratio(img) { return img.outputBytes > 0 ? img.inputBytes / img.outputBytes : 0; }
  function base64Bytes(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function hexOf(h) { return SAFE_HEX.test(h) ? h.slice(0, 7) : '#000000'; }

  var main = document.getElementById('report');
  main.appendChild(text('h1', '', data.title));
  main.appendChild(text('p', 'meta', data.software + ', ' + data.generatedAt));

  // Totals.
  var images = data.images;
  var totalIn = 0, totalOut = 0, totalSeconds = 0, psnrSum = 0, psnrCount = 0;
  images.forEach(function (img) {
    totalIn += img.inputBytes; totalOut += img.outputBytes; totalSeconds += img.seconds;
    if (img.psnr !== null) { psnrSum += img.psnr; psnrCount++; }
  });
  var totals = el('dl', 'totals');
  if (images.length === 0 && data.failed.length === 0) totals.hidden = true;
  [['images', String(images.length)], ['failed', String(data.failed.length)],
   ['input', bytes(totalIn)], ['output', bytes(totalOut)],
   ['ratio', totalOut ? (totalIn / totalOut).toFixed(1) + ' : 1' : '-'],
   ['mean PSNR', psnrCount ? (psnrSum / psnrCount).toFixed(2) + ' dB' : '-'],
   ['time', totalSeconds.toFixed(1) + ' s']].forEach(function (pair) {
    totals.appendChild(el('div', '', [text('dt', '', pair[0]), text('dd', '', pair[1])]));
  });
  main.appendChild(totals);

  var details = el('section', 'details');
  details.id = 'details';

  // The table, sortable by any column.
  var columns = [
    { label: 'image', key: function (i) { return i.input; }, cell: function (i) {
      return el('span', 'name', [image(i.thumbs && i.thumbs.quantized, '', true), text('span', '', i.input)]); } },
    { label: 'size', key: function (i) { return i.width * i.height; }, cell: function (i) { return i.width + 'x' + i.height; } },
    { label: 'k', key: function (i) { return i.colors; }, cell: function (i) { return String(i.colors); } },
    { label: 'PSNR', key: function (i) { return i.psnr === null ? Infinity : i.psnr; }, cell: function (i) { return psnr(i.psnr); } },
    { label: 'bits/px', key: function (i) { return i.bitsPerPixel; }, cell: function (i) { return i.bitsPerPixel.toFixed(3); } },
    { label: 'input', key: function (i) { return i.inputBytes; }, cell: function (i) { return bytes(i.inputBytes); } },
    { label: 'output', key: function (i) { return i.outputBytes; }, cell: function (i) { return bytes(i.outputBytes); } },
    { label: 'ratio', key: ratio, cell: function (i) { return ratio(i).toFixed(1) + ' : 1'; } },
    { label: 'time', key: function (i) { return i.seconds; }, cell: function (i) { return i.seconds.toFixed(2) + ' s'; } }
  ];
  if (images.length > 0) {
    var table = el('table', 'summary');
    var head = el('tr');
    var body = el('tbody');
    var sort = { column: -1, ascending: true };
    columns.forEach(function (c, index) {
      var th = el('th', '', [el('button', '', [c.label])]);
      th.setAttribute('aria-sort', 'none');
      th.firstChild.addEventListener('click', function () {
        sort.ascending = sort.column === index ? !sort.ascending : true;
        sort.column = index;
        Array.prototype.forEach.call(head.children, function (h, i) {
          h.setAttribute('aria-sort', i === index ? (sort.ascending ? 'ascending' : 'descending') : 'none');
        });
        fill();
      });
      head.appendChild(th);
    });
    table.appendChild(el('thead', '', [head]));
    table.appendChild(body);
    var fill = function () {
      var rows = images.slice();
      if (sort.column >= 0) {
        var key = columns[sort.column].key;
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var order = typeof x === 'string' ? x.localeCompare(y) : x - y;
          return sort.ascending ? order : -order;
        });
      }
      // Rows are made once and only moved when sorted: their thumbnails stay loaded.
      var ordered = document.createDocumentFragment();
      rows.forEach(function (img) { ordered.appendChild(rowOf(img)); });
      body.appendChild(ordered);
    };
    var rowCache = new Map();
    var rowOf = function (img) {
      if (rowCache.has(img)) return rowCache.get(img);
      var tr = el('tr');
      columns.forEach(function (c) {
        var v = c.cell(img);
        tr.appendChild(typeof v === 'string' ? text('td', '', v) : el('td', '', [v]));
      });
      tr.tabIndex = 0;
      tr.addEventListener('click', function () { show(img); });
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') show(img); });
      rowCache.set(img, tr);
      return tr;
    };
    fill();
    main.appendChild(text('h2', '', 'Images'));
    main.appendChild(table);
  }

  if (data.failed.length > 0) {
    main.appendChild(text('h2', '', 'Failed'));
    var list = el('ul', 'failed');
    data.failed.forEach(function (f) {
      list.appendChild(el('li', '', [text('span', 'name', f.input), text('span', 'reason', f.message)]));
    });
    main.appendChild(list);
  }

  main.appendChild(details);
  if (data.sweep) main.appendChild(sweepSection(data.sweep));
  if (images.length > 0) show(images[0]);

  function show(img) {
    while (details.firstChild) details.removeChild(details.firstChild);
    details.appendChild(text('h2', '', img.input));
    details.appendChild(text('p', 'meta', img.width + 'x' + img.height + ', k=' + img.colors + ', PSNR ' +
      psnr(img.psnr) + ', ' + img.bitsPerPixel.toFixed(3) + ' bits/px, ' + bytes(img.inputBytes) +
      ' -> ' + bytes(img.outputBytes) + ' (' + ratio(img).toFixed(1) + ' : 1), ' + img.seconds.toFixed(2) +
      ' s; written to ' + img.output));
    if (img.thumbs) {
      details.appendChild(el('div', 'pair', [
        el('figure', '', [image(img.thumbs.original, 'original', false), text('figcaption', '', 'original')]),
        el('figure', '', [image(img.thumbs.quantized, 'quantized', false), text('figcaption', '', 'quantized, k=' + img.colors)])
      ]));
    }
    if (img.palette) details.appendChild(swatches(img));
    if (img.points && img.palette) details.appendChild(colorCube(img));
  }

  function swatches(img) {
    var total = 0;
    (img.counts || []).forEach(function (c) { total += c; });
    var order = img.palette.map(function (_, i) { return i; });
    if (img.counts) order.sort(function (a, b) { return img.counts[b] - img.counts[a] || a - b; });
    var box = el('div', 'swatches');
    order.forEach(function (i) {
      var hex = img.palette[i];
      var chip = el('span', 'chip');
      chip.style.backgroundColor = hexOf(hex);
      var share = img.counts && total ? (100 * img.counts[i] / total).toFixed(1) + '%' : '';
      box.appendChild(el('div', 'swatch', [chip, text('code', '', hex), text('span', 'share', share)]));
    });
    return el('section', '', [text('h3', '', 'Palette'), box]);
  }

  // The sampled colours in RGB space, each drawn in the colour of its palette entry; drag (or
  // use the arrow keys) to turn the cube.
  function colorCube(img) {
    var colors = base64Bytes(img.points.colors);
    var entryBytes = base64Bytes(img.points.entries);
    var count = Math.min(colors.length / 3, entryBytes.length / 2);
    var fill = [];
    for (var p = 0; p < count; p++) fill.push(hexOf(img.palette[entryBytes[2 * p] | (entryBytes[2 * p + 1] << 8)] || ''));
    var canvas = el('canvas', 'cube');
    canvas.width = 420; canvas.height = 420;
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'sampled colours in RGB space, coloured by palette entry; drag to rotate');
    var ctx = canvas.getContext('2d');
    var yaw = -0.7, pitch = 0.45;
    var corners = [];
    for (var c = 0; c < 8; c++) corners.push([(c & 1) * 255, ((c >> 1) & 1) * 255, ((c >> 2) & 1) * 255]);
    var edges = [[0, 1], [0, 2], [0, 4], [1, 3], [1, 5], [2, 3], [2, 6], [3, 7], [4, 5], [4, 6], [5, 7], [6, 7]];
    function project(r, g, b) {
      var x = r - 127.5, y = g - 127.5, z = b - 127.5;
      var cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
      var x1 = cy * x + sy * z, z1 = -sy * x + cy * z;
      var y2 = cp * y - sp * z1, z2 = sp * y + cp * z1;
      var s = 0.75 / (1 + z2 / 1400);
      return [canvas.width / 2 + x1 * s, canvas.height / 2 - y2 * s, z2];
    }
    function draw() {
      ctx.fillStyle = '#15171a';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = '#555a60';
      edges.forEach(function (e) {
        var a = project.apply(null, corners[e[0]]), b = project.apply(null, corners[e[1]]);
        ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
      });
      ctx.fillStyle = '#c8ccd2';
      ctx.font = '12px sans-serif';
      [['R', 255, 0, 0], ['G', 0, 255, 0], ['B', 0, 0, 255]].forEach(function (a) {
        var q = project(a[1], a[2], a[3]); ctx.fillText(a[0], q[0] + 4, q[1] - 4);
      });
      var projected = [];
      for (var i = 0; i < count; i++) {
        var q = project(colors[3 * i], colors[3 * i + 1], colors[3 * i + 2]);
        projected.push([q[0], q[1], q[2], i]);
      }
      projected.sort(function (a, b) { return b[2] - a[2]; });
      projected.forEach(function (q) {
        ctx.fillStyle = fill[q[3]];
        ctx.fillRect(q[0] - 2, q[1] - 2, 4, 4);
      });
    }
    var drag = null;
    canvas.addEventListener('pointerdown', function (e) { drag = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener('pointerup', function () { drag = null; });
    canvas.addEventListener('pointermove', function (e) {
      if (!drag) return;
      yaw += (e.clientX - drag[0]) * 0.01;
      pitch = Math.max(-1.5, Math.min(1.5, pitch + (e.clientY - drag[1]) * 0.01));
      drag = [e.clientX, e.clientY];
      draw();
    });
    canvas.addEventListener('keydown', function (e) {
      var step = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] }[e.key];
      if (!step) return;
      e.preventDefault();
      yaw += step[0]; pitch = Math.max(-1.5, Math.min(1.5, pitch + step[1]));
      draw();
    });
    draw();
    return el('section', '', [text('h3', '', 'Colours in RGB space (' + count + ' sampled pixels, drag to rotate)'), canvas]);
  }

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
    return section;
  }
})();
`;
