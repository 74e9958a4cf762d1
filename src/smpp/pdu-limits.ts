/** command_length, command_id, command_status, sequence_number: every PDU has at least these. */
export const PDU_HEADER_LENGTH = 16;

/** SMPP 3.4 message_id (submit_sm_resp, receipts) is a C-Octet String of at most 65 octets with its NUL. */
export const MESSAGE_ID_MAX_LENGTH = 64;
