/**
 * GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, in the
 * unpacked form SMPP expects for data_coding 0: one octet per septet.
 */

/** The septet that announces an extension-table character. */
export const GSM7_ESCAPE = 0x1b;

/** Basic table indexed by septet. Slot 0x1B is the escape, not a character. */
export const GSM7_BASIC_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** Extension table: septet that follows the escape → character. */
export const GSM7_EXTENSION_TABLE: ReadonlyArray<readonly [number, string]> = [
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
/** The lookup entry of text[i]; charCodeAt() is 0..0xFFFF, so there always is one. */
const entryOf = (text: string, i: number): number => ENCODE_LOOKUP[text.charCodeAt(i)]!;

function buildEncodeLookup(): Uint8Array {
  const lookup = new Uint8Array(0x10000).fill(NOT_GSM);
  for (let septet = 0; septet < GSM7_BASIC_TABLE.length; septet++) {
    if (septet !== GSM7_ESCAPE) lookup[GSM7_BASIC_TABLE.charCodeAt(septet)] = septet;
  }
  for (const [septet, char] of GSM7_EXTENSION_TABLE) {
    lookup[char.charCodeAt(0)] = EXTENSION_FLAG | septet;
  }
  return lookup;
}

/** True when every character is in the basic or the extension table. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (entryOf(text, i) === NOT_GSM) return false;
  }
  return true;
}

/** Septets needed for `text`; extension characters take two (escape + code). Requires isGsm7(text). */
export function gsm7Septets(text: string): number {
  let septets = text.length;
  for (let i = 0; i < text.length; i++) {
    if (entryOf(text, i) & EXTENSION_FLAG) septets++;
  }
  return septets;
}

/** One octet per septet, extension characters as 0x1B + code. Requires isGsm7(text). */
export function encodeGsm7Unpacked(text: string): Buffer {
  const out = Buffer.allocUnsafe(gsm7Septets(text));
  let offset = 0;
  for (let i = 0; i < text.length; i++) {
    const entry = entryOf(text, i);
    if (entry & EXTENSION_FLAG) out[offset++] = GSM7_ESCAPE;
    out[offset++] = entry & SEPTET_MASK;
  }
  return out;
}
