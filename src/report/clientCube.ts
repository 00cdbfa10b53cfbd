/** The report's 3D view of sampled colours: a function of the page script (clientScript.ts). */
export const CUBE_SCRIPT = String.raw`
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
`;
