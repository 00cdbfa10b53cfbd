import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadPalette, writePaletteFile } from '../../src/io/paletteFile.js';
import { PALETTE_FORMATS } from '../../src/io/palette/paletteFormats.js';
import { paletteHex } from '../../src/model/palette.js';
import type { Palette } from '../../src/types.js';
import { tempFolder } from '../helpers/images.js';

const folder = tempFolder();
afterAll(() => folder.remove());

const rgb: Palette = {
  size: 3,
  channels: 3,
  colors: Uint8Array.of(1, 2, 3, 250, 0, 17, 9, 99, 255),
};
const grey: Palette = { size: 2, channels: 1, colors: Uint8Array.of(0, 200) };
const rgba: Palette = {
  size: 3,
  channels: 4,
  colors: Uint8Array.of(0, 0, 0, 0, 10, 20, 30, 128, 200, 100, 50, 255),
};
/** 256 distinct colours: the most an .act holds. */
const full: Palette = {
  size: 256,
  channels: 3,
  colors: Uint8Array.from({ length: 768 }, (_, i) => (i % 3 === 0 ? i / 3 : (i * 37) % 256)),
};

async function roundTrip(
  palette: Palette,
  name: string,
): Promise<{ back: Palette; lost: string[] }> {
  const path = join(folder.dir, name);
  const lost = await writePaletteFile(palette, path, 'test palette');
  return { back: await loadPalette(path), lost };
}

describe('palette files round-trip', () => {
  test.each(PALETTE_FORMATS.map((f) => [f]))(
    '.%s: RGB, grey and 256 colours come back',
    async (f) => {
      for (const [palette, tag] of [
        [rgb, 'rgb'],
        [grey, 'grey'],
        [full, 'full'],
      ] as const) {
        const { back, lost } = await roundTrip(palette, `${tag}.${f}`);
        expect(lost).toEqual([]);
        expect(back).toEqual(palette);
      }
    },
  );

  test.each([['json'], ['npy'], ['txt'], ['qml']])('.%s keeps alpha exactly', async (f) => {
    const { back, lost } = await roundTrip(rgba, `rgba.${f}`);
    expect(lost).toEqual([]);
    expect(back).toEqual(rgba);
  });

  test('.act keeps the one fully transparent entry and says what it lost', async () => {
    const { back, lost } = await roundTrip(rgba, 'rgba.act');
    expect(paletteHex(back)).toEqual(['#00000000', '#0a141eff', '#c86432ff']);
    expect(lost).toEqual([
      'rgba.act: .act holds one fully transparent entry: 1 entries written opaque',
    ]);
  });

  test('.gpl drops alpha and says so', async () => {
    const { back, lost } = await roundTrip(rgba, 'rgba.gpl');
    expect(paletteHex(back)).toEqual(['#000000', '#0a141e', '#c86432']);
    expect(lost).toEqual(['rgba.gpl: .gpl holds no transparency: 2 entries written opaque']);
  });

  test('.act refuses more than 256 colours', async () => {
    const big: Palette = { size: 257, channels: 1, colors: new Uint8Array(257) };
    await expect(writePaletteFile(big, join(folder.dir, 'big.act'), 't')).rejects.toThrow(
      /at most 256 colours/,
    );
  });
});

describe('palette files made by other tools are read', () => {
  test('a GIMP palette with comments, names and no Columns line', async () => {
    const path = join(folder.dir, 'gimp.gpl');
    writeFileSync(
      path,
      'GIMP Palette\nName: Web\n# a comment\n255   0   0\tRed\n  0 128 255 Sky blue\n\n',
    );
    expect(paletteHex(await loadPalette(path))).toEqual(['#ff0000', '#0080ff']);
  });

  test('a gdaldem colour file with commas, tabs, a nodata line and values out of order', async () => {
    const path = join(folder.dir, 'relief.txt');
    writeFileSync(path, '# relief\nnv 0 0 0 0\n1000,255,255,255\n0\t0:64:0\n500 128 128 0 200\n');
    expect(paletteHex(await loadPalette(path))).toEqual(['#004000ff', '#808000c8', '#ffffffff']);
  });

  test('a Photoshop .act of 768 bytes is 256 colours', async () => {
    const path = join(folder.dir, 'ps.act');
    writeFileSync(path, Buffer.alloc(768, 7));
    const p = await loadPalette(path);
    expect(p.size).toBe(256);
    expect(paletteHex(p)[255]).toBe('#070707');
  });
});

describe('a malformed palette file is an input error naming the file and the line', () => {
  test.each([
    ['bad.gpl', 'GIMP Palette\nName: x\n1 2 3\n1 2 300\n', /bad\.gpl:4: .*red|bad\.gpl:4: .*blue/],
    ['nohead.gpl', '1 2 3\n', /nohead\.gpl:1: .*"GIMP Palette"/],
    ['bad.txt', '0 1 2 3\n1 4 5\n', /bad\.txt:2: .*found 3 fields/],
    ['pct.txt', '0 1 2 3\n50% 4 5 6\n', /pct\.txt:2: .*expected a number/],
    ['twice.txt', '0 1 2 3\n0 4 5 6\n', /twice\.txt:2: .*value 0 given twice/],
    [
      'bad.qml',
      '<qgis>\n<colorPalette>\n<paletteEntry value="0" color="red"/>\n</colorPalette></qgis>',
      /bad\.qml:3: .*color="#rrggbb"/,
    ],
    ['empty.qml', '<qgis/>', /empty\.qml: .*no <paletteEntry>/],
    ['bad.json', '{"colors": [[1, 2, 3],\n [4, 5, 6]]\n "size": 2}', /bad\.json:3: not a palette/],
    ['short.act', 'abc', /short\.act: .*768 or 772 bytes/],
    ['latin1.gpl', Buffer.from([0x47, 0xe9, 0x0a]), /latin1\.gpl: .*not UTF-8/],
  ])('%s', async (name, content, message) => {
    const path = join(folder.dir, name);
    writeFileSync(path, content);
    const err = await loadPalette(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT_CORRUPT', exitCode: 3 });
    expect(String((err as Error).message)).toMatch(message);
  });

  test('an unknown extension is a usage error listing the formats', async () => {
    await expect(loadPalette(join(folder.dir, 'x.pal'))).rejects.toThrow(
      /\.json, \.npy, \.gpl, \.act, \.txt, \.qml/,
    );
  });
});

describe("GDAL's own reader takes our text and QGIS files", () => {
  test.each([['txt'], ['qml']])('osgeo_utils ColorPalette reads .%s', async (f) => {
    const path = join(folder.dir, `gdal.${f}`);
    await writePaletteFile(rgba, path, 'for gdal');
    const script = [
      'import sys',
      'from osgeo_utils.auxiliary.color_palette import ColorPalette',
      'p = ColorPalette(); p.read_file(sys.argv[1])',
      'print(" ".join("%d:%08x" % (k, v) for k, v in p.pal.items()))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    // ARGB words, as GDAL keeps them.
    expect(r.stdout.trim()).toBe('0:00000000 1:800a141e 2:ffc86432');
    expect(readFileSync(path, 'utf8').length).toBeGreaterThan(0);
  });
});
