import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from './cursor.js';
import { containsPattern, searchTerms } from './search.js';

describe('cursor', () => {
  it('round-trips a position', () => {
    const position = { name: 'Enamel Mug "big"', id: 'prod-enamel-mug' };
    assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  });

  it('rejects text that is not a cursor', () => {
    for (const bad of [
      '',
      'not a cursor',
      '!!!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      assert.equal(decodeCursor(bad), undefined, bad);
    }
  });
});

describe('search', () => {
  it('splits a query into at most 8 lower-case words', () => {
    assert.deepEqual(searchTerms('  Steel   MUG '), ['steel', 'mug']);
    assert.deepEqual(searchTerms(undefined), []);
    assert.equal(searchTerms('a b c d e f g h i j').length, 8);
  });

  it('escapes LIKE wildcards so they match literally', () => {
    assert.equal(containsPattern('100%_off\\'), '%100\\%\\_off\\\\%');
  });
});
