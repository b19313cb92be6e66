// Text from files shown where it cannot be isolated (CLI, CSV, the HTML report): bidirectional
// and control characters become U+FFFD, in one place (common/plain-text.ts).
import { describe, expect, it } from 'vitest';
import { plainText } from '../../common/plain-text';
import { csvCell } from '../../common/csv';
import { escapeMarkup } from '../../common/plots/scene';
import { textProblem } from '../../common/contract/define';

describe('plainText', () => {
  it.each([
    ['Trojan^\u202eLIVE', 'Trojan^\ufffdLIVE'],
    ['a\u202ab\u202bc\u202cd\u202de', 'a\ufffdb\ufffdc\ufffdd\ufffde'],
    ['\u2066x\u2067y\u2068z\u2069', '\ufffdx\ufffdy\ufffdz\ufffd'],
    ['NUL\u0000ESC\u001b[31mDEL\u007fCSI\u009b', 'NUL\ufffdESC\ufffd[31mDEL\ufffdCSI\ufffd'],
    ['line\nbreak\ttab\rcr', 'line\ufffdbreak\ufffdtab\ufffdcr'],
    ['Ελληνικά 山田 عربي', 'Ελληνικά 山田 عربي'],
  ])('%j shows as %j', (text, shown) => {
    expect(plainText(text)).toBe(shown);
    expect(textProblem(plainText(text))).toBeNull();
  });

  it('keeps tab and line breaks when asked', () => {
    expect(plainText('a\tb\r\nc\u202e\u0007', { lines: true })).toBe('a\tb\r\nc\ufffd\ufffd');
  });

  it('is what CSV cells and the HTML report write', () => {
    expect(csvCell('CHEST \u202eTC')).toBe('CHEST \ufffdTC');
    expect(csvCell('=1+1\u2066')).toBe("'=1+1\ufffd");
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(escapeMarkup('<b>\u202eevil</b>')).toBe('&lt;b&gt;\ufffdevil&lt;/b&gt;');
  });
});
