import type { Palette } from '../../types.js';
import { paletteHex } from '../../model/palette.js';
import { channelValue, paletteText, PaletteSyntaxError } from './PaletteSyntaxError.js';
import { paletteFromEntries, rgbaEntries, type RgbaEntry } from './rgbaEntries.js';

/**
 * A QGIS layer style (`.qml`) with a paletted renderer on band 1: named `<raster>.qml` beside a
 * palette or label TIFF, QGIS opens the raster with these colours and class names. GDAL's
 * `rgb2pct.py -pct` reads it too.
 */
export function encodeQgisStyle(palette: Palette, title: string): string {
  const hex = paletteHex(palette);
  const entries = rgbaEntries(palette)
    .map((e, i) => {
      const color = (hex[i] as string).slice(0, 7);
      const label = xmlAttribute(`${i}: ${color}`);
      return `        <paletteEntry value="${i}" color="${color}" alpha="${e.a}" label="${label}"/>`;
    })
    .join('\n');
  return `<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- ${xmlComment(title)} -->
<qgis version="3.28.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="paletted" opacity="1" alphaBand="-1" band="1" nodataColor="">
      <rasterTransparency/>
      <minMaxOrigin>
        <limits>None</limits>
        <extent>WholeRaster</extent>
        <statAccuracy>Estimated</statAccuracy>
        <cumulativeCutLower>0.02</cumulativeCutLower>
        <cumulativeCutUpper>0.98</cumulativeCutUpper>
        <stdDevFactor>2</stdDevFactor>
      </minMaxOrigin>
      <colorPalette>
${entries}
      </colorPalette>
    </rasterrenderer>
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" colorizeBlue="128" colorizeStrength="100" invertColors="0"/>
    <rasterresampler maxOversampling="2"/>
    <resamplingStage>resamplingFilter</resamplingStage>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
`;
}

/** The `<paletteEntry>` elements of a QGIS style or layer definition, ordered by value. */
export function decodeQgisStyle(bytes: Uint8Array): Palette {
  const text = paletteText(bytes);
  const byValue: { value: number; entry: RgbaEntry }[] = [];
  for (const match of text.matchAll(/<paletteEntry\b([^>]*)>/g)) {
    const line = text.slice(0, match.index).split('\n').length;
    const attributes = new Map<string, string>();
    for (const a of (match[1] as string).matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
      attributes.set(a[1] as string, a[2] ?? (a[3] as string));
    const color = /^#([0-9a-fA-F]{6})$/.exec(attributes.get('color') ?? '');
    if (!color) throw new PaletteSyntaxError(`paletteEntry: expected color="#rrggbb"`, line);
    const value = Number(attributes.get('value'));
    if (!Number.isFinite(value) || attributes.get('value')?.trim() === '')
      throw new PaletteSyntaxError(`paletteEntry: expected a numeric value="..."`, line);
    if (byValue.some((v) => v.value === value))
      throw new PaletteSyntaxError(`paletteEntry: value ${value} given twice`, line);
    const rgb = parseInt(color[1] as string, 16);
    byValue.push({
      value,
      entry: {
        r: rgb >> 16,
        g: (rgb >> 8) & 255,
        b: rgb & 255,
        a: attributes.has('alpha') ? channelValue(attributes.get('alpha'), 'alpha', line) : 255,
      },
    });
  }
  if (byValue.length === 0)
    throw new PaletteSyntaxError('no <paletteEntry> elements (a QGIS paletted style is expected)');
  byValue.sort((x, y) => x.value - y.value);
  return paletteFromEntries(byValue.map((v) => v.entry));
}

function xmlAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function xmlComment(s: string): string {
  return s.replace(/--/g, '- -');
}
