/** Byte strings of the file formats, without Node's Buffer (the same code runs in browsers). */
const utf8Decoder = new TextDecoder('utf-8');

/** ISO-8859-1: one character per byte (TextDecoder's 'latin1' is windows-1252, which differs in 0x80–0x9F). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

export function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export const encodeUtf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
