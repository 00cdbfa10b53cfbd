import { CUBE_SCRIPT } from './clientCube.js';
import { SWEEP_SCRIPT } from './clientSweep.js';
import { LOUPE_SCRIPT } from './clientLoupe.js';

/**
 * The report page's own script, inlined into the HTML (no library, no network). It reads the
 * report's JSON from an inert `application/json` block and builds the page with DOM calls only:
 * every name, path and message from a manifest becomes a text node, never markup, and image
 * sources are accepted only as base64 data URIs. The page's Content-Security-Policy allows this
 * script by its hash and nothing else.
 */
const PAGE_SCRIPT = String.raw`(function () {
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

  listSection('Failed', data.failed);
  listSection('Not written (--skip-if-larger, --min-psnr)', data.rejected || []);

  main.appendChild(details);
  if (data.sweep) main.appendChild(sweepSection(data.sweep));
  if (images.length > 0) show(images[0]);

  function listSection(title, entries) {
    if (entries.length === 0) return;
    main.appendChild(text('h2', '', title));
    var list = el('ul', 'failed');
    entries.forEach(function (f) {
      list.appendChild(el('li', '', [text('span', 'name', f.input), text('span', 'reason', f.message)]));
    });
    main.appendChild(list);
  }

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
    if (img.loupe && img.loupe.length > 0)
      details.appendChild(loupeSection(img.loupe, img.thumbs && img.thumbs.original, img.width, img.height));
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

`;

/** The whole script: function declarations, so the parts may come in any order. */
export const CLIENT_SCRIPT = `${PAGE_SCRIPT}\n${CUBE_SCRIPT}\n${SWEEP_SCRIPT}\n${LOUPE_SCRIPT}})();\n`;
