/** command_id values of SMPP 3.4 §5.1.2.1, for the code that writes PDUs itself instead of through npm `smpp`. */
export const COMMAND_ID = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_transmitter: 0x00000002,
  query_sm: 0x00000003,
  submit_sm: 0x00000004,
  deliver_sm: 0x00000005,
  unbind: 0x00000006,
  replace_sm: 0x00000007,
  cancel_sm: 0x00000008,
  bind_transceiver: 0x00000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  submit_multi: 0x00000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
} as const;

export type CommandName = keyof typeof COMMAND_ID;

/** A response's command_id is its request's with this bit set (generic_nack has it alone). */
export const RESPONSE_BIT = 0x80000000;

/** The command_id of the response to `command`. */
export const responseId = (command: CommandName): number => (COMMAND_ID[command] | RESPONSE_BIT) >>> 0;
