// Stack frames of a failed step, pointing at the TypeScript source rather than the minified bundle.
//
// Why not NODE_OPTIONS=--enable-source-maps: Node then reads and decodes the bundle's whole source map while
// loading it, on every cold start, whether or not anything fails — measured 17–42 ms (23–48%) more load
// for each function (issue #7's budget is 150 ms). The map ships next to the bundle anyway (index.js.map),
// so it is read here instead, once, and only when a step fails and its frames are logged.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Frames logged at most: the interesting ones are on top, and a log line should stay short. */
export const MAX_FRAMES = 12;

// `at name (/var/task/index.js:1:2345)` or `at /var/task/index.js:1:2345` (CommonJS, as deployed), or the
// same with a file:// URL (an ES module).
const FRAME_LOCATION = /((?:file:\/\/)?\/[^\s()]+):(\d+):(\d+)/;

/** Reads source maps next to bundles, each once; a bundle without one (tests, the sandbox) keeps its frames. */
export class StackFrameMapper {
  readonly #maps = new Map<string, SourceMap | null>();

  /**
   * The frames of `error` (no message: messages may quote inputs), at most MAX_FRAMES, each mapped to the
   * original file, line and column when the bundle it points into has a source map beside it.
   */
  framesOf(error: unknown): string[] {
    const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
    return stack
      .split('\n')
      .filter((line) => line.trimStart().startsWith('at '))
      .slice(0, MAX_FRAMES)
      .map((line) => this.#mapped(line.trim()));
  }

  #mapped(frame: string): string {
    const match = FRAME_LOCATION.exec(frame);
    if (!match) return frame;
    const [location, file, line, column] = match as unknown as [string, string, string, string];
    const map = this.#mapFor(file);
    if (!map) return frame;
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return frame;
    const original = `${entry.originalSource}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    return frame.replace(location, original);
  }

  #mapFor(location: string): SourceMap | null {
    let map = this.#maps.get(location);
    if (map === undefined) {
      try {
        const file = location.startsWith('file://') ? fileURLToPath(location) : location;
        const payload = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
        map = new SourceMap(payload);
      } catch {
        // No map beside it: the frame stays as it is.
        map = null;
      }
      this.#maps.set(location, map);
    }
    return map;
  }
}
