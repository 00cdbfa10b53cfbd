import pLimit from 'p-limit';
import { asGigaquantError } from '../errors.js';
import { probeImage, type ImageInfo } from '../io/probeImage.js';

export interface PlannedInput {
  file: string;
  /** Relative to the batch's base folder, forward slashes. */
  rel: string;
  output: string;
  /** Position in the sorted list of every input (the same in every shard). */
  index: number;
  /** Width x height, 0 when the header could not be read. */
  pixels: number;
  info?: ImageInfo;
  /** Why the header could not be read; the file is recorded as failed without further work. */
  probeError?: { code: string; message: string };
}

/** Reads every input's header (a few at a time): pixel counts for progress, bad files found early. */
export async function probeAll(
  inputs: readonly { file: string; rel: string; output: string; index: number }[],
  maxPixels: number,
): Promise<PlannedInput[]> {
  const limit = pLimit(8);
  return Promise.all(
    inputs.map((input) =>
      limit(async (): Promise<PlannedInput> => {
        try {
          const info = await probeImage(input.file, maxPixels);
          return { ...input, pixels: info.width * info.height, info };
        } catch (err) {
          const e = asGigaquantError(err, 'E_INPUT_CORRUPT', input.file);
          return { ...input, pixels: 0, probeError: { code: e.code, message: e.message } };
        }
      }),
    ),
  );
}
