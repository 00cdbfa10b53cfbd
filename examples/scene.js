// The example scene as SVG: sky, sun, hills, textured ground; drawn at any size.
export const svg = (width, height) => `
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 1600 1000">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#1b3b6f"/><stop offset="0.55" stop-color="#f4a261"/><stop offset="1" stop-color="#fde8c8"/>
    </linearGradient>
    <radialGradient id="sun" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#fffbe6"/><stop offset="0.6" stop-color="#ffd166"/><stop offset="1" stop-color="#ffd166" stop-opacity="0"/>
    </radialGradient>
    <linearGradient id="hill1" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#5c6b73"/><stop offset="1" stop-color="#253237"/>
    </linearGradient>
    <linearGradient id="hill2" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#2d6a4f"/><stop offset="1" stop-color="#081c15"/>
    </linearGradient>
    <filter id="grain" x="0" y="0" width="100%" height="100%">
      <feTurbulence type="fractalNoise" baseFrequency="0.012" numOctaves="5" seed="7"/>
      <feColorMatrix values="0 0 0 0 0.55  0 0 0 0 0.42  0 0 0 0 0.22  0 0 0 1.6 -0.4"/>
      <feComposite in2="SourceGraphic" operator="in"/>
    </filter>
  </defs>
  <rect width="1600" height="1000" fill="url(#sky)"/>
  <circle cx="1120" cy="430" r="210" fill="url(#sun)"/>
  <path d="M0 560 L220 410 L380 500 L620 330 L860 520 L1040 430 L1260 560 L1420 470 L1600 540 L1600 1000 L0 1000Z" fill="url(#hill1)"/>
  <path d="M0 700 C300 600 520 720 800 650 C1080 580 1300 700 1600 640 L1600 1000 L0 1000Z" fill="url(#hill2)"/>
  <rect y="640" width="1600" height="360" fill="#7f5539" filter="url(#grain)"/>
  <g fill="#e63946" opacity="0.9"><circle cx="300" cy="860" r="26"/><circle cx="360" cy="890" r="18"/><circle cx="1320" cy="900" r="30"/></g>
  <g fill="#f1faee"><rect x="760" y="760" width="120" height="80"/><path d="M750 760 L820 700 L890 760Z" fill="#9d0208"/></g>
</svg>`;
