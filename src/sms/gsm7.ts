/**
 * GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, in the
 * unpacked form SMPP expects for data_coding 0: one octet per septet.
 */

const ESCAPE = 0x1b;

/** Basic table indexed by septet. Slot 0x1B is the escape, not a character. */
const BASIC_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** Extension table: septet that follows the escape → character. */
const EXTENSION_TABLE: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

/*
 * Encoder lookup indexed by UTF-16 code unit, built once: a typed array beats a
 * Map on the hot path and 64 KiB is cheap. Septets are 7-bit, so bit 7 is free
 * to flag extension characters; every extension septet is below 0x7F, which
 * keeps 0xFF free as the "not in the alphabet" marker.
 */
const NOT_GSM = 0xff;
const EXTENSION_FLAG = 0x80;
const SEPTET_MASK = 0x7f;

const ENCODE_LOOKUP = buildEncodeLookup();

/**
 * Decoder lookups. TS 23.038 says a receiver that does not understand an
 * escape shows a space, and one that meets an unassigned extension code shows
 * the basic character; we decode our own output exactly and foreign input that way.
 */
const BASIC_DECODE: readonly string[] = [...BASIC_TABLE].map((char, septet) => (septet === ESCAPE ? ' ' : char));
const EXTENSION_DECODE: readonly string[] = buildExtensionDecode();

function buildEncodeLookup(): Uint8Array {
  const lookup = new Uint8Array(0x10000).fill(NOT_GSM);
  for (let septet = 0; septet < BASIC_TABLE.length; septet++) {
    if (septet !== ESCAPE) lookup[BASIC_TABLE.charCodeAt(septet)] = septet;
  }
  for (const [septet, char] of EXTENSION_TABLE) {
    lookup[char.charCodeAt(0)] = EXTENSION_FLAG | septet;
  }
  return lookup;
}

function buildExtensionDecode(): string[] {
  const table = [...BASIC_DECODE];
  for (const [septet, char] of EXTENSION_TABLE) table[septet] = char;
  return table;
}

/** True when every character is in the basic or the extension table. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (ENCODE_LOOKUP[text.charCodeAt(i)] === NOT_GSM) return false;
  }
  return true;
}

/** Septets needed for `text`; extension characters take two (escape + code). Requires isGsm7(text). */
export function gsm7Septets(text: string): number {
  let septets = text.length;
  for (let i = 0; i < text.length; i++) {
    if (ENCODE_LOOKUP[text.charCodeAt(i)] & EXTENSION_FLAG) septets++;
  }
  return septets;
}

/** One octet per septet, extension characters as 0x1B + code. Requires isGsm7(text). */
export function encodeGsm7Unpacked(text: string): Buffer {
  const out = Buffer.allocUnsafe(gsm7Septets(text));
  let offset = 0;
  for (let i = 0; i < text.length; i++) {
    const entry = ENCODE_LOOKUP[text.charCodeAt(i)];
    if (entry & EXTENSION_FLAG) out[offset++] = ESCAPE;
    out[offset++] = entry & SEPTET_MASK;
  }
  return out;
}

/**
 * Inverse of encodeGsm7Unpacked. Octets above 0x7F are not septets and decode
 * to U+FFFD; a dangling or unknown escape decodes as described at BASIC_DECODE.
 */
export function decodeGsm7Unpacked(buf: Buffer): string {
  let text = '';
  for (let i = 0; i < buf.length; i++) {
    const escaped = buf[i] === ESCAPE && i + 1 < buf.length;
    const septet = escaped ? buf[++i] : buf[i];
    if (septet > SEPTET_MASK) text += '\uFFFD';
    else text += escaped ? EXTENSION_DECODE[septet] : BASIC_DECODE[septet];
  }
  return text;
}
