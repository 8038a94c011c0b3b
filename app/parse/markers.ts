// Progress markers that Ferry's remote scripts print on stderr: `@@FERRY-AT <name> <epoch-ns>` lines.

/** One marker: what happened and when, on the remote host's clock (ms since the epoch, fractional). */
export interface Marker {
  name: string;
  atMs: number;
}

const MARKER = /^@@FERRY-AT ([a-z][a-z0-9-]*) (\d{10,20})$/;

/** Reads a stream of stderr chunks, handing markers and other lines to callbacks as they complete. */
export class MarkerReader {
  private rest = '';
  readonly markers: Marker[] = [];
  readonly lines: string[] = [];

  constructor(
    private readonly onMarker: (m: Marker) => void = () => {},
    private readonly onLine: (line: string) => void = () => {},
  ) {}

  /** Feeds a chunk of text. */
  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    for (const line of parts) this.take(line);
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.rest) this.take(this.rest);
    this.rest = '';
  }

  /** When a marker was seen (its last occurrence). */
  at(name: string): number | undefined {
    for (let i = this.markers.length - 1; i >= 0; i--) if (this.markers[i]?.name === name) return this.markers[i]?.atMs;
    return undefined;
  }

  /** Resolves when a marker with this name has been seen (at once if it already was). */
  waitFor(name: string): Promise<Marker> {
    const seen = this.markers.find((m) => m.name === name);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ name, resolve }));
  }

  private readonly waiters: { name: string; resolve: (m: Marker) => void }[] = [];

  private take(line: string): void {
    const m = MARKER.exec(line.trimEnd());
    if (m && m[1] && m[2]) {
      const marker = { name: m[1], atMs: Number(BigInt(m[2]) / 1000n) / 1000 };
      this.markers.push(marker);
      this.onMarker(marker);
      for (const w of this.waiters.filter((x) => x.name === marker.name)) w.resolve(marker);
      this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((x) => x.name !== marker.name));
    } else if (line.trim()) {
      this.lines.push(line);
      this.onLine(line);
    }
  }
}
