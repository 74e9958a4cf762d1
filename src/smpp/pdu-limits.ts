import { PDU } from 'smpp';

/** command_length, command_id, command_status, sequence_number: every PDU has at least these. */
export const PDU_HEADER_LENGTH = 16;

/** SMPP 3.4 message_id (submit_sm_resp, receipts) is a C-Octet String of at most 65 octets with its NUL. */
export const MESSAGE_ID_MAX_LENGTH = 64;

type ReadCommandLength = (stream: NodeJS.ReadableStream) => number | false;
let installed = false;

/**
 * npm smpp 0.5.1 checks a PDU's command_length against its maximum only. A length shorter than
 * the header (4, say) makes it wait for a body of 0 bytes that never "arrives", so the session
 * stops reading until the enquire_link timeout while still looking bound; 0 makes it read the
 * next bytes as a new length. Either way the stream cannot be trusted: throwing here makes the
 * library report a decoding error, and the bind drops the session at once (malformed-pdu).
 */
export function refuseShortPdus(): void {
  if (installed) return;
  installed = true;
  const library = PDU as unknown as { commandLength: ReadCommandLength };
  const readCommandLength = library.commandLength;
  library.commandLength = (stream) => {
    const length = readCommandLength(stream);
    if (length !== false && length < PDU_HEADER_LENGTH) throw new Error(`PDU command_length ${length} is shorter than the ${PDU_HEADER_LENGTH}-byte header`);
    return length;
  };
}
