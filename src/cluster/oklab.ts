/**
 * OKLab (Björn Ottosson, 2020): a perceptual colour space where Euclidean distance follows seen
 * difference better than in sRGB. Conversions for 8-bit sRGB, with the sRGB transfer curve.
 */

/** sRGB 8-bit value to linear light, for every value once. */
const TO_LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** The same for a colour with fractional sRGB values (a mean of colours). */
export function srgbFloatToOklab(
  r: number,
  g: number,
  b: number,
  out: Float64Array,
  o: number,
): void {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  linearToOklab(lin(r), lin(g), lin(b), out, o);
}

/** Writes the OKLab coordinates (L in 0-1, a and b about -0.4-0.4) of an sRGB colour into `out[o..o+3)`. */
export function srgbToOklab(r: number, g: number, b: number, out: Float64Array, o: number): void {
  linearToOklab(TO_LINEAR[r] as number, TO_LINEAR[g] as number, TO_LINEAR[b] as number, out, o);
}

function linearToOklab(lr: number, lg: number, lb: number, out: Float64Array, o: number): void {
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb);
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb);
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb);
  out[o] = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  out[o + 1] = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  out[o + 2] = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
}

/** The 8-bit sRGB colour (rounded, clamped to the gamut) of OKLab coordinates. */
export function oklabToSrgb(L: number, a: number, b: number): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const lin = [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
  return lin.map((v) => {
    const c = v <= 0.0031308 ? 12.92 * v : 1.055 * Math.max(v, 0) ** (1 / 2.4) - 0.055;
    return Math.max(0, Math.min(255, Math.round(c * 255)));
  }) as [number, number, number];
}

/** Points (n x 3, sRGB 0-255) in OKLab, for fitting there. */
export function pointsToOklab(points: Float64Array, count: number): Float64Array {
  const out = new Float64Array(count * 3);
  for (let i = 0; i < count; i++) {
    srgbFloatToOklab(
      points[i * 3] as number,
      points[i * 3 + 1] as number,
      points[i * 3 + 2] as number,
      out,
      i * 3,
    );
  }
  return out;
}

/** Centres found in OKLab, back in sRGB for the palette (inertia stays in OKLab units). */
export function pointsFromOklab(centers: Float64Array): Float64Array {
  const out = new Float64Array(centers.length);
  for (let i = 0; i < centers.length; i += 3) {
    out.set(
      oklabToSrgb(centers[i] as number, centers[i + 1] as number, centers[i + 2] as number),
      i,
    );
  }
  return out;
}
