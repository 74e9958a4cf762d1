import { encodings } from 'smpp';
import { encodeGsm7Unpacked, gsm7Septets, isGsm7 } from '../../src/sms/gsm7';

/** npm smpp's own GSM 03.38 decoder (data_coding 0): what an SMSC built on it reads from our bytes. */
const libraryDecode = (bytes: Buffer): string => encodings.ASCII.decode(bytes);

/** All 127 basic-table characters in septet order, the escape slot 0x1B left out. */
const BASIC_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const EXTENSION_CODES: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

describe('isGsm7', () => {
  it('accepts every basic and extension character', () => {
    expect(isGsm7(BASIC_CHARS)).toBe(true);
    expect(isGsm7(EXTENSION_CODES.map(([char]) => char).join(''))).toBe(true);
    expect(isGsm7('')).toBe(true);
  });

  it.each(['ą', 'Ж', 'م', '😀', '`', 'ç', '\x1b', '\t'])('rejects %j', (char) => {
    expect(isGsm7(`abc${char}`)).toBe(false);
  });
});

describe('gsm7Septets', () => {
  it('counts basic characters once and extension characters twice', () => {
    expect(gsm7Septets('')).toBe(0);
    expect(gsm7Septets(BASIC_CHARS)).toBe(127);
    expect(gsm7Septets('a€b{')).toBe(6);
  });
});

describe('encodeGsm7Unpacked', () => {
  it('writes every basic character as its septet index', () => {
    const expected = [...Array(0x80).keys()].filter((septet) => septet !== 0x1b);
    expect([...encodeGsm7Unpacked(BASIC_CHARS)]).toEqual(expected);
  });

  it.each(EXTENSION_CODES)('writes %j as escape + code %d', (char, code) => {
    expect([...encodeGsm7Unpacked(char)]).toEqual([0x1b, code]);
  });

  it('maps the characters that differ from ASCII', () => {
    expect(encodeGsm7Unpacked('€')).toEqual(Buffer.from([0x1b, 0x65]));
    expect(encodeGsm7Unpacked('@')).toEqual(Buffer.from([0x00]));
    expect(encodeGsm7Unpacked('$£_')).toEqual(Buffer.from([0x02, 0x01, 0x11]));
  });

  it('returns an empty buffer for empty text', () => {
    expect(encodeGsm7Unpacked('')).toHaveLength(0);
  });
});

describe('encodeGsm7Unpacked, read back by the library', () => {
  it('round-trips the basic table', () => {
    expect(libraryDecode(encodeGsm7Unpacked(BASIC_CHARS))).toBe(BASIC_CHARS);
  });

  it.each(EXTENSION_CODES)('round-trips %j', (char) => {
    const text = `a${char}b`;
    expect(libraryDecode(encodeGsm7Unpacked(text))).toBe(text);
  });

  it('round-trips mixed text', () => {
    const text = 'Kod: 1234 {wazny} €5 ~[x]| ^\\ Ünicode? Δ\f\r\n';
    expect(libraryDecode(encodeGsm7Unpacked(text))).toBe(text);
  });
});
