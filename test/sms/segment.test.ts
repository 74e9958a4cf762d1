import { encodings } from 'smpp';
import { countSegments, encodeMessage, EncodedMessage, TextEncoding } from '../../src/sms/segment';

const UDH_LENGTH = 6;
const GSM = { gsmDataCoding: 0, reference: 0x2a } as const;

/** Part `i` of a message, which the test expects to exist. */
function partOf(message: EncodedMessage, i: number): Buffer {
  const part = message.parts[i];
  if (part === undefined) throw new Error(`no part ${i} (of ${message.parts.length})`);
  return part;
}

function payloadOf(part: Buffer, multipart: boolean): Buffer {
  return multipart ? part.subarray(UDH_LENGTH) : part;
}

function decodePayload(payload: Buffer, encoding: TextEncoding): string {
  switch (encoding) {
    case 'gsm7':
      return encodings.ASCII.decode(payload); // the library's decoder, as the SMSC's
    case 'ascii':
    case 'latin1':
      return payload.toString('latin1');
    case 'ucs2':
      // copy first: swap16 works in place
      return Buffer.from(payload).swap16().toString('utf16le');
  }
}

function reassemble(message: EncodedMessage): string {
  return message.parts.map((part) => decodePayload(payloadOf(part, message.multipart), message.encoding)).join('');
}

function payloadLengths(message: EncodedMessage): number[] {
  return message.parts.map((part) => payloadOf(part, message.multipart).length);
}

describe('encodeMessage: alphabet choice', () => {
  it('sends GSM text as data_coding 0 with GSM septets', () => {
    const message = encodeMessage('Your code is 1234 @ €', GSM);
    expect(message).toMatchObject({ dataCoding: 0, encoding: 'gsm7', multipart: false, units: 22 });
    expect([...partOf(message, 0).subarray(-4)]).toEqual([0x00, 0x20, 0x1b, 0x65]);
  });

  it.each(['Kod: ą', 'Код: Ж'])('falls back to UCS-2 for the non-GSM text %j', (text) => {
    const message = encodeMessage(text, GSM);
    expect(message).toMatchObject({ dataCoding: 8, encoding: 'ucs2', multipart: false, units: text.length });
    expect(reassemble(message)).toBe(text);
  });

  it('keeps GSM letters such as ä in GSM', () => {
    expect(encodeMessage('Bestätigung', GSM).encoding).toBe('gsm7');
  });

  it('encodes Arabic as big-endian UCS-2', () => {
    const message = encodeMessage('رمزك 1234', GSM);
    expect(message.dataCoding).toBe(8);
    expect([...partOf(message, 0).subarray(0, 4)]).toEqual([0x06, 0x31, 0x06, 0x45]);
    expect(reassemble(message)).toBe('رمزك 1234');
  });

  it('encodes an emoji as a surrogate pair counting two units', () => {
    const message = encodeMessage('Hi 😀', GSM);
    expect(message).toMatchObject({ dataCoding: 8, units: 5 });
    expect([...partOf(message, 0).subarray(6)]).toEqual([0xd8, 0x3d, 0xde, 0x00]);
  });

  it('uses IA5 for ASCII text when asked for data_coding 1', () => {
    const message = encodeMessage('Code {1234} `ok`', { gsmDataCoding: 1, reference: 0 });
    expect(message).toMatchObject({ dataCoding: 1, encoding: 'ascii', units: 16 });
    expect(partOf(message, 0)).toEqual(Buffer.from('Code {1234} `ok`', 'ascii'));
  });

  it('falls back to UCS-2 under data_coding 1 for anything above 0x7F, even GSM letters', () => {
    expect(encodeMessage('café', { gsmDataCoding: 1, reference: 0 }).dataCoding).toBe(8);
  });

  it('uses Latin-1 when asked for data_coding 3', () => {
    const message = encodeMessage('café ÿ', { gsmDataCoding: 3, reference: 0 });
    expect(message).toMatchObject({ dataCoding: 3, encoding: 'latin1', units: 6 });
    expect([...partOf(message, 0)]).toEqual([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff]);
  });

  it('falls back to UCS-2 under data_coding 3 for characters outside Latin-1', () => {
    expect(encodeMessage('5 €', { gsmDataCoding: 3, reference: 0 }).dataCoding).toBe(8);
  });

  it('returns one empty part for empty text', () => {
    expect(encodeMessage('', GSM)).toEqual({ dataCoding: 0, encoding: 'gsm7', parts: [Buffer.alloc(0)], multipart: false, units: 0 });
  });
});

describe('encodeMessage: splitting', () => {
  it('fits 160 GSM septets in one part and splits 161 as 153 + 8', () => {
    const single = encodeMessage('a'.repeat(160), GSM);
    expect(single.multipart).toBe(false);
    expect(payloadLengths(single)).toEqual([160]);

    const double = encodeMessage('a'.repeat(161), GSM);
    expect(double.multipart).toBe(true);
    expect(payloadLengths(double)).toEqual([153, 8]);
  });

  it('counts extension characters as two septets against the single-part limit', () => {
    expect(encodeMessage('€'.repeat(80), GSM).parts).toHaveLength(1);
    expect(encodeMessage('€'.repeat(80) + 'a', GSM).parts).toHaveLength(2);
  });

  it('fits 70 UCS-2 units in one part and splits 71 as 67 + 4', () => {
    expect(payloadLengths(encodeMessage('Ж'.repeat(70), GSM))).toEqual([140]);
    expect(payloadLengths(encodeMessage('Ж'.repeat(71), GSM))).toEqual([134, 8]);
  });

  it('fits 140 single-byte characters in one part and splits 141 as 134 + 7', () => {
    for (const gsmDataCoding of [1, 3] as const) {
      expect(payloadLengths(encodeMessage('a'.repeat(140), { gsmDataCoding, reference: 0 }))).toEqual([140]);
      expect(payloadLengths(encodeMessage('a'.repeat(141), { gsmDataCoding, reference: 0 }))).toEqual([134, 7]);
    }
  });

  it('moves an escaped character that would straddle septet 153 to the next part', () => {
    const message = encodeMessage('a'.repeat(152) + '€' + 'b'.repeat(10), GSM);
    expect(payloadLengths(message)).toEqual([152, 12]);
    expect(partOf(message, 0).at(-1)).toBe(0x61);
    expect([...payloadOf(partOf(message, 1), true).subarray(0, 2)]).toEqual([0x1b, 0x65]);
  });

  it('moves an emoji that would straddle unit 67 to the next part', () => {
    const message = encodeMessage('a'.repeat(66) + '😀' + 'b'.repeat(10), GSM);
    expect(payloadLengths(message)).toEqual([132, 24]);
    expect([...payloadOf(partOf(message, 1), true).subarray(0, 4)]).toEqual([0xd8, 0x3d, 0xde, 0x00]);
  });

  it('splits a 3-part GSM message that reassembles to the original', () => {
    const text = 'Your code' + ' {€} '.repeat(40) + 'koniec';
    const message = encodeMessage(text, GSM);
    expect(message.encoding).toBe('gsm7');
    expect(message.parts).toHaveLength(3);
    expect(reassemble(message)).toBe(text);
  });

  it('prefixes each part with UDH 05 00 03 ref total seq', () => {
    const message = encodeMessage('x'.repeat(400), { gsmDataCoding: 0, reference: 0xab });
    expect(message.parts.map((part) => [...part.subarray(0, UDH_LENGTH)])).toEqual([
      [0x05, 0x00, 0x03, 0xab, 3, 1],
      [0x05, 0x00, 0x03, 0xab, 3, 2],
      [0x05, 0x00, 0x03, 0xab, 3, 3],
    ]);
  });

  it('allows 255 parts and refuses 256', () => {
    const longest = 'a'.repeat(153 * 255);
    expect(encodeMessage(longest, GSM).parts).toHaveLength(255);
    expect(countSegments(longest + 'a', GSM)).toBe(256);
    expect(() => encodeMessage(longest + 'a', GSM)).toThrow(RangeError);
  });

  it.each([-1, 256, 1.5, NaN])('refuses the concatenation reference %p', (reference) => {
    expect(() => encodeMessage('hi', { gsmDataCoding: 0, reference })).toThrow(RangeError);
  });
});

describe('countSegments', () => {
  /** mulberry32: small seeded PRNG so failures reproduce */
  function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // Alphabets chosen so each data_coding sees both texts it can keep and texts it must send as UCS-2.
  const ALPHABETS: readonly string[][] = [
    [...'abcXYZ019 .,:@$_'],
    [...'abc €{}[]~|^\\\f'],
    [...'abc`Ç'],
    [...'abcéÿ×'],
    [...'abcąЖم', '😀'],
  ];

  it('agrees with encodeMessage, stays within part limits and reassembles, for 500 random texts', () => {
    const random = seededRandom(0x5eed);
    for (let i = 0; i < 500; i++) {
      const chars = ALPHABETS.slice(0, 1 + Math.floor(random() * ALPHABETS.length)).flat();
      const length = Math.floor(random() * 600);
      let text = '';
      while (text.length < length) text += chars[Math.floor(random() * chars.length)];
      const gsmDataCoding = ([0, 1, 3] as const)[i % 3]!;

      const message = encodeMessage(text, { gsmDataCoding, reference: i & 0xff });
      expect(countSegments(text, { gsmDataCoding })).toBe(message.parts.length);
      expect(reassemble(message)).toBe(text);
      // a GSM part holds at most 160 unpacked septets; every other part at most 140 octets
      for (const part of message.parts) expect(part.length).toBeLessThanOrEqual(message.encoding === 'gsm7' ? 160 : 140);
    }
  });
});
