import { describe, expect, it } from 'vitest';
import { splitSections } from './sections';

describe('splitSections', () => {
  it('splits marker-delimited sections and ignores text before the first marker', () => {
    const s = splitSections('noise\n@@FERRY uid\n0\n@@FERRY uname\n6.18.44-fc\n\n@@FERRY empty\n');
    expect([...s.keys()]).toEqual(['uid', 'uname', 'empty']);
    expect(s.get('uid')).toBe('0');
    expect(s.get('uname')).toBe('6.18.44-fc');
    expect(s.get('empty')).toBe('');
  });
  it('keeps lines that merely contain the marker text', () => {
    const s = splitSections('@@FERRY a\nx @@FERRY b\n@@FERRYc\n');
    expect(s.get('a')).toBe('x @@FERRY b\n@@FERRYc');
  });
});
