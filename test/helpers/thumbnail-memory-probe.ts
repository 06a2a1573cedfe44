// Run as its own process by the thumbnail memory test, so the peak RSS it reports is the
// thumbnailer's alone: `node thumbnail-memory-probe.ts <cacheDir> <key=file>...`.
// Prints JSON: the peak RSS (KiB) after a warm-up render and after every source was asked for
// at once, as a day page does, and what became of each.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createThumbnailer } from '../../lib/browser/thumbnails.ts';
import { makePng } from '../../lib/stand-ins/demo-media.ts';

const [cacheDir = '', ...sources] = process.argv.slice(2);
const thumbnailer = createThumbnailer({ cacheDir });

// libvips and its codecs loaded, one render done: what follows is what the sources cost.
await thumbnailer.thumbnail('warm-up', '"w"', async () =>
  Readable.from([makePng(64, 64, [1, 2, 3])]),
);
const warm = process.resourceUsage().maxRSS;

const outcomes = await Promise.allSettled(
  sources.map((pair) => {
    const [key = '', file = ''] = pair.split('=');
    return thumbnailer.thumbnail(key, '"1"', async () => createReadStream(file));
  }),
);

process.stdout.write(
  JSON.stringify({
    warmKb: warm,
    peakKb: process.resourceUsage().maxRSS,
    outcomes: outcomes.map((outcome, index) => ({
      key: sources[index]?.split('=')[0],
      rendered: outcome.status === 'fulfilled',
      reason: outcome.status === 'rejected' ? String(outcome.reason?.message) : undefined,
    })),
  }),
);
