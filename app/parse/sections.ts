// Splits the output of a multi-part probe script into named sections (`@@FERRY name` marker lines).

export const SECTION_MARKER = '@@FERRY';

/** Maps section name → its text (without the marker line). */
export function splitSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (name !== undefined) out.set(name, lines.join('\n').replace(/\n+$/, ''));
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(`${SECTION_MARKER} `)) {
      flush();
      name = line.slice(SECTION_MARKER.length + 1).trim();
      lines = [];
    } else if (name !== undefined) {
      lines.push(line);
    }
  }
  flush();
  return out;
}
