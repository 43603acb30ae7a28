import { describe, expect, it } from 'vitest';
import { diagnostic, formatDiagnostic, sortDiagnostics } from '../../src/playbook/diagnostic.js';

describe('diagnostic order', () => {
  it('sorts by file as people read names, then line, column and message', () => {
    const list = [
      diagnostic({ file: 'site.yml', line: 3, col: 1 }, 'b'),
      diagnostic({ file: 'B.yml', line: 1, col: 1 }, 'x'),
      diagnostic({ file: 'site.yml', line: 3, col: 1 }, 'a'),
      diagnostic({ file: 'a.yml', line: 9, col: 9 }, 'y'),
      diagnostic({ file: 'site.yml', line: 2, col: 7 }, 'z'),
      diagnostic({ file: 'site.yml', line: 2, col: 5 }, 'z'),
    ];
    expect(sortDiagnostics(list).map(formatDiagnostic)).toEqual([
      'a.yml:9:9: y',
      'B.yml:1:1: x',
      'site.yml:2:5: z',
      'site.yml:2:7: z',
      'site.yml:3:1: a',
      'site.yml:3:1: b',
    ]);
  });

  it('leaves the list it was given as it was', () => {
    const list = [
      diagnostic({ file: 'b.yml', line: 1, col: 1 }, 'x'),
      diagnostic({ file: 'a.yml', line: 1, col: 1 }, 'x'),
    ];
    sortDiagnostics(list);
    expect(list.map((d) => d.file)).toEqual(['b.yml', 'a.yml']);
  });
});
