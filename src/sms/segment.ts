/**
 * Chooses the SMPP data_coding for a text and splits it into concatenated-SMS
 * parts, each prefixed with its user data header, ready to send as short_message.
 */
import { encodeGsm7Unpacked, gsm7Septets, isGsm7 } from './gsm7';

/** 0 = SMSC default (GSM 03.38 unpacked), 1 = IA5/ASCII, 3 = Latin-1, 8 = UCS-2 */
export type DataCoding = 0 | 1 | 3 | 8;

export type TextEncoding = 'gsm7' | 'ascii' | 'latin1' | 'ucs2';

export interface EncodedMessage {
  dataCoding: DataCoding;
  encoding: TextEncoding;
  /** one Buffer per SMS part; for multipart each already starts with the 6-octet UDH 05 00 03 ref total seq */
  parts: Buffer[];
  /** true when esm_class must carry UDHI (0x40) */
  multipart: boolean;
  /** septets (gsm7), octets (ascii/latin1) or UTF-16 code units (ucs2) of the whole text */
  units: number;
}

export interface SegmentOptions {
  /** data_coding used when the text fits a single-byte alphabet; anything else goes out as UCS-2 */
  gsmDataCoding: 0 | 1 | 3;
}

export interface EncodeOptions extends SegmentOptions {
  /** concatenation reference shared by all parts of one message, 0..255 */
  reference: number;
}

/** The 8-bit concatenation reference in the UDH numbers parts in one octet. */
const MAX_PARTS = 255;

/** IEI 00 (concatenated SMS, 8-bit reference) with a 3-octet body: ref, total, seq. */
const UDH_LENGTH = 6;

interface EncodingProfile {
  dataCoding: DataCoding;
  /** units that fit a single SMS */
  singleCapacity: number;
  /** units that fit one part once the UDH takes its 6 octets */
  partCapacity: number;
}

const PROFILES: Record<TextEncoding, EncodingProfile> = {
  gsm7: { dataCoding: 0, singleCapacity: 160, partCapacity: 153 },
  ascii: { dataCoding: 1, singleCapacity: 140, partCapacity: 134 },
  latin1: { dataCoding: 3, singleCapacity: 140, partCapacity: 134 },
  ucs2: { dataCoding: 8, singleCapacity: 70, partCapacity: 67 },
};

export function encodeMessage(text: string, opts: EncodeOptions): EncodedMessage {
  const { reference } = opts;
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xff) {
    throw new RangeError(`concatenation reference must be an integer 0..255, got ${reference}`);
  }
  const encoding = chooseEncoding(text, opts.gsmDataCoding);
  const { dataCoding, singleCapacity, partCapacity } = PROFILES[encoding];
  const units = countUnits(text, encoding);

  if (units <= singleCapacity) {
    return { dataCoding, encoding, parts: [encodeText(text, encoding)], multipart: false, units };
  }

  const total = countParts(text, encoding, partCapacity);
  if (total > MAX_PARTS) {
    throw new RangeError(`text needs ${total} parts, more than the ${MAX_PARTS} a UDH can number`);
  }
  const parts: Buffer[] = [];
  for (let start = 0; start < text.length; ) {
    const end = partEnd(text, start, encoding, partCapacity);
    const udh = Buffer.from([0x05, 0x00, 0x03, reference, total, parts.length + 1]);
    const payload = encodeText(text.slice(start, end), encoding);
    parts.push(Buffer.concat([udh, payload], UDH_LENGTH + payload.length));
    start = end;
  }
  return { dataCoding, encoding, parts, multipart: true, units };
}

/** Number of SMS parts encodeMessage would produce, without encoding anything; not capped at 255. */
export function countSegments(text: string, opts: SegmentOptions): number {
  const encoding = chooseEncoding(text, opts.gsmDataCoding);
  const { singleCapacity, partCapacity } = PROFILES[encoding];
  if (countUnits(text, encoding) <= singleCapacity) return 1;
  return countParts(text, encoding, partCapacity);
}

function chooseEncoding(text: string, gsmDataCoding: SegmentOptions['gsmDataCoding']): TextEncoding {
  switch (gsmDataCoding) {
    case 0:
      return isGsm7(text) ? 'gsm7' : 'ucs2';
    case 1:
      return allCharCodesBelow(text, 0x80) ? 'ascii' : 'ucs2';
    case 3:
      return allCharCodesBelow(text, 0x100) ? 'latin1' : 'ucs2';
  }
}

function allCharCodesBelow(text: string, limit: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= limit) return false;
  }
  return true;
}

function countUnits(text: string, encoding: TextEncoding): number {
  return encoding === 'gsm7' ? gsm7Septets(text) : text.length;
}

function countParts(text: string, encoding: TextEncoding, partCapacity: number): number {
  let parts = 0;
  for (let start = 0; start < text.length; start = partEnd(text, start, encoding, partCapacity)) parts++;
  return parts;
}

/**
 * Index one past the last character of the part that begins at `start`.
 * Splitting only between characters keeps an escape with its extension
 * character (one GSM character, two septets); UCS-2 additionally must not
 * separate the two halves of a surrogate pair.
 */
function partEnd(text: string, start: number, encoding: TextEncoding, partCapacity: number): number {
  if (encoding === 'gsm7') {
    let end = start;
    for (let used = 0; end < text.length; end++) {
      used += gsm7Septets(text.charAt(end));
      if (used > partCapacity) break;
    }
    return end;
  }
  const end = Math.min(start + partCapacity, text.length);
  if (encoding === 'ucs2' && end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) return end - 1;
  return end;
}

function isHighSurrogate(charCode: number): boolean {
  return charCode >= 0xd800 && charCode <= 0xdbff;
}

function encodeText(text: string, encoding: TextEncoding): Buffer {
  switch (encoding) {
    case 'gsm7':
      return encodeGsm7Unpacked(text);
    case 'ascii':
    case 'latin1':
      // chooseEncoding guaranteed every code is below 0x100, so latin1 is byte-exact for both
      return Buffer.from(text, 'latin1');
    case 'ucs2':
      // SMPP UCS-2 is big-endian; Node only writes UTF-16LE
      return Buffer.from(text, 'utf16le').swap16();
  }
}
