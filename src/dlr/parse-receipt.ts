// Delivery-receipt recognition and parsing for deliver_sm / data_sm as decoded by npm smpp 0.5.1.
// Pure and defensive: garbage in gives null (or '' from receiptTextOf), never an exception.
// The TLVs are trusted first; the "id:… stat:… err:…" text (SMPP 3.4 Appendix B, vendor specific)
// fills the gaps.
import { MESSAGE_ID_MAX_LENGTH as MAX_ID_LENGTH } from '../smpp/pdu-limits';
import { GSM7_BASIC_TABLE, GSM7_ESCAPE, GSM7_EXTENSION_TABLE } from '../sms/gsm7';
import { RECEIPT_STATS, statOfMessageState, statOfWord, type FinalState, type ReceiptStat } from './receipt-stat';

export type { FinalState, ReceiptStat } from './receipt-stat';

export interface Receipt {
  /** As received (trimmed), not normalised; see message-id.ts. */
  messageId: string;
  stat: ReceiptStat;
  /** The value stat was derived from: the text's stat word, or message_state as a decimal string. */
  rawStat: string | null;
  state: FinalState;
  /** As in the text, or network_error_code rendered as the hex of its bytes. */
  err: string | null;
  submitted: number | null;
  delivered: number | null;
  /** Raw strings: the timezone is unspecified. All-zero placeholders become null. */
  submitDate: string | null;
  doneDate: string | null;
  source: 'tlv' | 'text' | 'tlv+text';
}

/** Fields found in the receipt text; absent fields are left out. */
export interface ReceiptTextFields {
  messageId?: string;
  stat?: ReceiptStat;
  rawStat?: string;
  err?: string;
  submitted?: number;
  delivered?: number;
  submitDate?: string;
  doneDate?: string;
  text?: string;
}

/** The subset of a decoded smpp PDU this module reads; every field is checked before use. */
export interface ReceiptPduLike {
  command: string;
  esm_class?: unknown;
  data_coding?: unknown;
  short_message?: unknown;
  message_payload?: unknown;
  receipted_message_id?: unknown;
  message_state?: unknown;
  network_error_code?: unknown;
}

// esm_class message-type bits: SMSC delivery receipt, SME delivery ack, intermediate notification.
// Tested as a mask, not "== 4", as Kannel and vumi do.
const RECEIPT_ESM_BITS = 0x04 | 0x08 | 0x20;
const SPACE = 0x20;

// A field label at the start or after a separator, in any case, with optional spaces before ':'.
// Compiled once; parseReceiptText resets lastIndex before each scan. Control characters are
// separators on purpose: some SMSCs pad receipt text with NULs.
// eslint-disable-next-line no-control-regex
const LABEL = /(?<![^\s\x00-\x1f,;])(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:/gi;
// eslint-disable-next-line no-control-regex
const TOKEN_END = /[\s\x00-\x1f,;]/;
const DIGITS = /^\d{1,10}$/;
const ZEROS = /^0+$/;

type FieldName = 'id' | 'sub' | 'dlvrd' | 'submitDate' | 'doneDate' | 'stat' | 'err' | 'text';

function fieldName(label: string): FieldName {
  const lower = label.toLowerCase();
  if (lower.startsWith('submit')) return 'submitDate';
  if (lower.startsWith('done')) return 'doneDate';
  return lower as FieldName;
}

// Receipts are padded with spaces or NULs. A loop, because /\s+$/ is quadratic on long runs.
function trimPadding(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) <= SPACE) start++;
  while (end > start && value.charCodeAt(end - 1) <= SPACE) end--;
  return value.slice(start, end);
}

function firstToken(value: string): string {
  const v = trimPadding(value);
  const end = v.search(TOKEN_END);
  return end === -1 ? v : v.slice(0, end);
}

function statFromWord(word: string): ReceiptStat {
  return DIGITS.test(word) ? statOfMessageState(Number(word)) : statOfWord(word);
}

/** Stores one field; the first occurrence of a label wins. */
function assign(fields: ReceiptTextFields, name: FieldName, value: string): void {
  if (name === 'text') {
    fields.text ??= trimPadding(value);
    return;
  }
  const token = firstToken(value);
  if (token === '') return;
  switch (name) {
    case 'id':
      if (token.length <= MAX_ID_LENGTH) fields.messageId ??= token;
      break;
    case 'sub':
      if (DIGITS.test(token)) fields.submitted ??= Number(token);
      break;
    case 'dlvrd':
      if (DIGITS.test(token)) fields.delivered ??= Number(token);
      break;
    case 'submitDate':
      if (!ZEROS.test(token)) fields.submitDate ??= token;
      break;
    case 'doneDate':
      if (!ZEROS.test(token)) fields.doneDate ??= token;
      break;
    case 'stat':
      if (fields.rawStat === undefined) {
        fields.rawStat = token;
        fields.stat = statFromWord(token);
      }
      break;
    case 'err':
      fields.err ??= token;
      break;
  }
}

/**
 * Parses the receipt text alone: labels in any order and case, any field missing.
 * Returns null when no label is found.
 */
export function parseReceiptText(text: string): ReceiptTextFields | null {
  if (typeof text !== 'string') return null;
  const fields: ReceiptTextFields = {};
  let found = false;
  LABEL.lastIndex = 0;
  let match = LABEL.exec(text);
  while (match) {
    found = true;
    const name = fieldName(match[1]!); // the one group is in every match
    const valueStart = LABEL.lastIndex;
    // "text:" normally comes last and echoes user content that may itself contain "id:" etc.,
    // so once id and stat are known it takes the rest of the string.
    if (name === 'text' && fields.messageId !== undefined && fields.rawStat !== undefined) {
      assign(fields, name, text.slice(valueStart));
      break;
    }
    const next = LABEL.exec(text);
    assign(fields, name, text.slice(valueStart, next ? next.index : text.length));
    match = next;
  }
  return found ? fields : null;
}

// smpp@0.5.1 decodes data_coding 0 and 1 with the GSM 03.38 tables (lib/defs.js), leaving a
// dangling escape as the character 0x1B; getting the raw bytes back out of its string needs the
// inverse: character → septet, or ESCAPE << 8 | x for a character the library made from 0x1B,x.
const GSM_CODES = new Map<string, number>([
  ...Array.from(GSM7_BASIC_TABLE, (ch, septet): [string, number] => [ch, septet]),
  ...GSM7_EXTENSION_TABLE.map(([x, ch]): [string, number] => [ch, (GSM7_ESCAPE << 8) | x]),
]);

function gsmDecodedToBytes(decoded: string): Buffer {
  const bytes = Buffer.alloc(decoded.length * 2);
  let length = 0;
  for (const ch of decoded) {
    // The library already turned bytes >= 0x80 into spaces; that loss cannot be undone.
    const code = GSM_CODES.get(ch) ?? SPACE;
    if (code > 0xff) bytes[length++] = GSM7_ESCAPE;
    bytes[length++] = code & 0xff;
  }
  return bytes.subarray(0, length);
}

/** Inverts filters.message.decode for the data_coding values it decodes (0/1 GSM, 3 Latin-1, 8 UCS-2). */
function libraryDecodedToBytes(decoded: string, dataCoding: number): Buffer {
  switch (dataCoding & 0x0f) {
    case 0x00:
    case 0x01:
      return gsmDecodedToBytes(decoded);
    case 0x08:
      // iconv utf16-be dropped an odd trailing byte, so an odd-length text loses its last character.
      return Buffer.from(decoded, 'utf16le').swap16();
    default:
      return Buffer.from(decoded, 'latin1');
  }
}

function rawBytesOf(value: unknown, dataCoding: unknown): Buffer | null {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  if (value === null || typeof value !== 'object') return null;
  const { message, udh } = value as { message?: unknown; udh?: unknown };
  let body: Buffer;
  if (Buffer.isBuffer(message)) body = message;
  else if (typeof message === 'string') {
    // Without a numeric data_coding the library left the value alone: it is the text itself.
    body = typeof dataCoding === 'number'
      ? libraryDecodedToBytes(message, dataCoding)
      : Buffer.from(message, 'latin1');
  } else return null;
  // esm_class 0x40 made the library split off a UDH; put the header (and its length byte) back.
  if (Array.isArray(udh) && udh.length > 0 && udh.every((ie) => Buffer.isBuffer(ie))) {
    const header = Buffer.concat(udh);
    return Buffer.concat([Buffer.of(header.length & 0xff), header, body]);
  }
  return body;
}

// A receipt that really is UTF-16BE starts with a NUL high byte; Latin-1 receipt text never does.
function looksUtf16Be(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes.length % 2 === 0 && bytes[0] === 0 && bytes[1] !== 0;
}

function textOf(value: unknown, dataCoding: unknown): string {
  const bytes = rawBytesOf(value, dataCoding);
  if (!bytes || bytes.length === 0) return '';
  return looksUtf16Be(bytes) ? Buffer.from(bytes).swap16().toString('utf16le') : bytes.toString('latin1');
}

/**
 * The receipt text from short_message, or message_payload when short_message is empty.
 * Decoded as Latin-1 from the raw bytes whatever data_coding says (SMSCs label ASCII receipts
 * with data_coding 8, node-smpp#68); bytes the library already decoded are re-encoded first.
 */
export function receiptTextOf(pdu: ReceiptPduLike): string {
  if (pdu === null || typeof pdu !== 'object') return '';
  return textOf(pdu.short_message, pdu.data_coding) || textOf(pdu.message_payload, pdu.data_coding);
}

function isReceiptCommand(pdu: ReceiptPduLike): boolean {
  return pdu !== null && typeof pdu === 'object' && (pdu.command === 'deliver_sm' || pdu.command === 'data_sm');
}

function tlvMessageId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // A TLV without its NUL makes the library read on into the next TLVs; keep the first token.
  const id = firstToken(value);
  return id !== '' && id.length <= MAX_ID_LENGTH ? id : undefined;
}

function isFlaggedReceipt(pdu: ReceiptPduLike): boolean {
  const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
  return (esmClass & RECEIPT_ESM_BITS) !== 0 || tlvMessageId(pdu.receipted_message_id) !== undefined;
}

// Some SMSCs leave the esm_class bits unset: fall back to the text's shape.
function looksLikeReceipt(fields: ReceiptTextFields | null): boolean {
  return fields?.messageId !== undefined && fields.rawStat !== undefined;
}

/**
 * What a deliver_sm/data_sm carries, its text parsed once: a delivery receipt (esm_class bits, TLV,
 * or receipt-shaped text), a receipt without a usable message id, or a message (mobile-originated).
 */
export type DeliverContent = { kind: 'receipt'; receipt: Receipt } | { kind: 'receipt-without-id' } | { kind: 'message' };

export function readDeliver(pdu: ReceiptPduLike): DeliverContent {
  if (!isReceiptCommand(pdu)) return { kind: 'message' };
  const fields = parseReceiptText(receiptTextOf(pdu));
  if (!isFlaggedReceipt(pdu) && !looksLikeReceipt(fields)) return { kind: 'message' };
  const receipt = receiptOf(pdu, fields);
  return receipt ? { kind: 'receipt', receipt } : { kind: 'receipt-without-id' };
}

/** The receipt, or null when the PDU is not a receipt or carries no message id. */
export function parseReceipt(pdu: ReceiptPduLike): Receipt | null {
  const content = readDeliver(pdu);
  return content.kind === 'receipt' ? content.receipt : null;
}

function receiptOf(pdu: ReceiptPduLike, fields: ReceiptTextFields | null): Receipt | null {

  const tlvId = tlvMessageId(pdu.receipted_message_id);
  const tlvState = typeof pdu.message_state === 'number' ? pdu.message_state : undefined;
  const tlvErr = Buffer.isBuffer(pdu.network_error_code) && pdu.network_error_code.length > 0
    ? pdu.network_error_code.toString('hex')
    : undefined;

  const messageId = tlvId ?? fields?.messageId;
  if (messageId === undefined) return null;

  let stat: ReceiptStat = 'OTHER';
  let rawStat: string | null = null;
  if (tlvState !== undefined) {
    stat = statOfMessageState(tlvState);
    rawStat = String(tlvState);
  } else if (fields?.stat !== undefined && fields.rawStat !== undefined) {
    stat = fields.stat;
    rawStat = fields.rawStat;
  }

  const hasTlv = tlvId !== undefined || tlvState !== undefined || tlvErr !== undefined;
  return {
    messageId,
    stat,
    rawStat,
    state: RECEIPT_STATS[stat].state,
    err: tlvErr ?? fields?.err ?? null,
    submitted: fields?.submitted ?? null,
    delivered: fields?.delivered ?? null,
    submitDate: fields?.submitDate ?? null,
    doneDate: fields?.doneDate ?? null,
    source: !hasTlv ? 'text' : fields ? 'tlv+text' : 'tlv',
  };
}
