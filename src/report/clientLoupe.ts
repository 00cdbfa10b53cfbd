/**
 * The loupe: the regions with the largest error, marked on the overview and shown at 1:1 (one
 * image pixel per CSS pixel, never smoothed), original beside the output at each k. A function of
 * the page script (clientScript.ts).
 */
export const LOUPE_SCRIPT = String.raw`
  function loupeSection(regions, overview, width, height, highlightK) {
    var section = el('section', 'loupe');
    section.appendChild(text('h3', '', 'Loupe: the ' + (regions.length === 1 ? 'region' : regions.length + ' regions') +
      ' with the largest error, at 1:1 (worst first)'));
    var map = el('div', 'overview');
    if (overview) map.appendChild(image(overview, 'where the regions are', false));
    regions.forEach(function (r, i) {
      var mark = text('span', 'mark', String(i + 1));
      mark.style.left = (100 * r.left / width) + '%';
      mark.style.top = (100 * r.top / height) + '%';
      mark.style.width = (100 * r.width / width) + '%';
      mark.style.height = (100 * r.height / height) + '%';
      map.appendChild(mark);
    });
    section.appendChild(map);
    var list = el('div', 'regions');
    regions.forEach(function (r, i) {
      var row = el('div', 'crops');
      row.appendChild(crop(r.original, r, 'original'));
      r.quantized.forEach(function (q) {
        var figure = crop(q.uri, r, 'k=' + q.k + ', ' + psnr(q.psnr));
        if (q.k === highlightK && r.quantized.length > 1) figure.className = 'knee';
        row.appendChild(figure);
      });
      var region = el('div', 'region', [
        text('p', 'meta', (i + 1) + ': ' + r.width + 'x' + r.height + ' px at x ' + r.left + ', y ' + r.top),
        row
      ]);
      region.dataset.left = String(r.left);
      region.dataset.top = String(r.top);
      list.appendChild(region);
    });
    section.appendChild(list);
    return section;
  }

  function crop(uri, r, caption) {
    var img = image(uri, caption, false);
    img.width = r.width;
    img.height = r.height;
    img.className = 'actual';
    return el('figure', '', [img, text('figcaption', '', caption)]);
  }
`;
