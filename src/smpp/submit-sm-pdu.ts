import type { PDU } from 'smpp';
import { COMMAND_ID } from './command-id';
import { PDU_HEADER_LENGTH as HEADER_LENGTH } from './pdu-limits';

const SUBMIT_SM = COMMAND_ID.submit_sm;

/** The submit_sm fields we fill; everything else of SMPP 3.4 §4.4.1 is sent as 0 or empty. validity_period is
 * written as given (see validity-period.ts), not through the library's time filter. */
const KNOWN_FIELDS = new Set([
  'service_type',
  'source_addr_ton',
  'source_addr_npi',
  'source_addr',
  'dest_addr_ton',
  'dest_addr_npi',
  'destination_addr',
  'esm_class',
  'validity_period',
  'registered_delivery',
  'data_coding',
  'short_message',
]);

/**
 * Encodes a submit_sm straight into its bytes, in SMPP 3.4 §4.4.1 field order. The library's
 * generic encoder walks its tables and filters per field on every PDU, the largest single cost of
 * our hot path; this returns an object its Session.send() accepts, which writes the sequence
 * number into the header when send() assigns it. Returns undefined for fields it does not know,
 * so the caller can fall back to the library.
 */
export function encodeSubmitSm(fields: Record<string, unknown>): PDU | undefined {
  for (const key of Object.keys(fields)) if (!KNOWN_FIELDS.has(key)) return undefined;
  const shortMessage = fields.short_message;
  if (!Buffer.isBuffer(shortMessage) || shortMessage.length > 254) return undefined;
  const serviceType = String(fields.service_type ?? '');
  const source = String(fields.source_addr ?? '');
  const destination = String(fields.destination_addr ?? '');
  const validity = String(fields.validity_period ?? '');
  const length =
    HEADER_LENGTH + serviceType.length + 1 + 2 + source.length + 1 + 2 + destination.length + 1 + 3 + 1 + validity.length + 1 + 4 + 1 + shortMessage.length;
  const buffer = Buffer.allocUnsafe(length);
  buffer.writeUInt32BE(length, 0);
  buffer.writeUInt32BE(SUBMIT_SM, 4);
  buffer.writeUInt32BE(0, 8);
  buffer.writeUInt32BE(0, 12);
  let offset = HEADER_LENGTH;
  const octet = (value: unknown) => {
    buffer[offset++] = Number(value ?? 0) & 0xff;
  };
  const cstring = (value: string) => {
    offset += buffer.write(value, offset, 'ascii');
    buffer[offset++] = 0;
  };
  cstring(serviceType);
  octet(fields.source_addr_ton);
  octet(fields.source_addr_npi);
  cstring(source);
  octet(fields.dest_addr_ton);
  octet(fields.dest_addr_npi);
  cstring(destination);
  octet(fields.esm_class);
  octet(0); // protocol_id
  octet(0); // priority_flag
  cstring(''); // schedule_delivery_time
  cstring(validity);
  octet(fields.registered_delivery);
  octet(0); // replace_if_present_flag
  octet(fields.data_coding);
  octet(0); // sm_default_msg_id
  octet(shortMessage.length);
  shortMessage.copy(buffer, offset);
  const pdu = {
    command: 'submit_sm',
    command_id: SUBMIT_SM,
    command_status: 0,
    sequence_number: 0,
    isResponse: () => false,
    toBuffer() {
      buffer.writeUInt32BE(pdu.sequence_number, 12);
      return buffer;
    },
  };
  return pdu as unknown as PDU;
}
