import * as zlib from 'zlib';
import { useCrc32 } from './crc32';

// Node ≥ 20.15 has zlib's CRC-32 (SIMD code); older Nodes keep the table-driven one.
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
if (native) useCrc32((data, crc) => native(data, crc));
